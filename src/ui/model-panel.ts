// Model view: where the base model comes from (the embedded default, a Hugging Face Hub id, a URL, or
// local files picked or dropped), how its frozen weights are stored (native/f32/f16/int8/int4), per-file
// load progress, what was loaded (parameter count, shape) and the memory estimate for the current
// training settings, with a warning when it will not fit.
//
// data-testids: model-source, model-hub-id, model-url, model-files, base-dtype, model-load,
// model-progress (one <progress> per file inside), model-status (contains "ready" once loaded),
// model-params, model-info, memory-estimate, memory-warning.
import { proxy } from 'comlink';
import type { BaseDtypeChoice, EngineApi, MemoryEstimate, ModelInfo, ModelSource, ProgressEvent, TrainSettings } from '../protocol.ts';
import { button, el, formatBytes, formatCount, kv, nextId, panel, perFrame, radioGroup } from './dom.ts';
import { createDropZone } from './files.ts';

export const HUB_SUGGESTIONS = [
  'HuggingFaceTB/SmolLM2-135M-Instruct',
  'HuggingFaceTB/SmolLM2-360M-Instruct',
  'Qwen/Qwen2.5-0.5B-Instruct',
  'TinyLlama/TinyLlama-1.1B-Chat-v1.0',
  'meta-llama/Llama-3.2-1B-Instruct',
];

type SourceKind = ModelSource['kind'];

export interface ModelPanel {
  element: HTMLElement;
  /** The source as chosen now, or an explanation of what is missing. */
  source(): ModelSource | { problem: string };
  baseDtype(): BaseDtypeChoice;
  /** The loaded model, or null when none is loaded or the choice changed since loading. */
  loaded(): ModelInfo | null;
  /** Load the chosen model (progress shown per file). Throws what the engine threw. */
  load(): Promise<ModelInfo>;
  setBusy(busy: boolean): void;
  /** Re-estimate memory for these settings (debounced); null = settings invalid, clear the estimate. */
  estimate(s: TrainSettings | null): void;
  /** Called whenever the source or dtype changes, so the app knows the loaded model is stale. */
  onChange(fn: () => void): void;
  /** The "Load model" button: the app decides what loading involves (see main.ts). */
  onLoadClick(fn: () => void): void;
}

export function mountModelPanel(root: HTMLElement, engine: EngineApi, init: { source: ModelSource | null; baseDtype: BaseDtypeChoice | null }): ModelPanel {
  const listId = nextId('hub-suggestions');
  const hubInput = el('input', { type: 'text', 'data-testid': 'model-hub-id', list: listId, placeholder: 'owner/name', 'aria-label': 'Hugging Face Hub model id', spellcheck: 'false', autocomplete: 'off' });
  const datalist = el('datalist', { id: listId }, ...HUB_SUGGESTIONS.map((s) => el('option', { value: s })));
  const urlInput = el('input', { type: 'url', 'data-testid': 'model-url', placeholder: 'https://…/model.gguf or a folder URL', 'aria-label': 'Model URL', spellcheck: 'false' });
  const drop = createDropZone({
    label: 'Model files (config.json, *.safetensors, tokenizer.json) or one .gguf',
    accept: '.safetensors,.json,.gguf,.model,.txt,.jinja',
    multiple: true,
    folder: true,
    testid: 'model-files',
    onFiles: (f) => {
      if (f.length) group.set('files');
      changed();
    },
  });

  const init_ = init.source ?? { kind: 'default' };
  if (init_.kind === 'hub') hubInput.value = init_.id;
  if (init_.kind === 'url') urlInput.value = init_.url;
  const group = radioGroup<SourceKind>(
    'Base model',
    [
      { value: 'default', label: 'Embedded default (tabtune-tiny, offline)' },
      { value: 'hub', label: 'Hugging Face Hub', extra: el('span', {}, hubInput, datalist) },
      { value: 'url', label: 'URL', extra: urlInput },
      { value: 'files', label: 'Local files' },
    ],
    init_.kind === 'files' ? 'default' : init_.kind,
    'model-source',
  );
  hubInput.addEventListener('input', () => {
    if (group.value() !== 'hub') group.set('hub');
    changed();
  });
  urlInput.addEventListener('input', () => {
    if (group.value() !== 'url') group.set('url');
    changed();
  });

  const dtypeId = nextId('base-dtype');
  const dtype = el('select', { id: dtypeId, 'data-testid': 'base-dtype', 'aria-describedby': `${dtypeId}-help` });
  for (const [v, l] of [['native', 'native (as stored in the file)'], ['f32', 'f32 (exact, 4 bytes per weight)'], ['f16', 'f16 (½ of f32)'], ['int8', 'int8 (¼ of f32)'], ['int4', 'int4 (⅛ of f32)']] as const) dtype.append(el('option', { value: v }, l));
  dtype.value = init.baseDtype ?? 'native';
  const dtypeRow = el(
    'div',
    { class: 'field' },
    el('label', { for: dtypeId }, 'Base weights stored as'),
    dtype,
    el('p', { class: 'help', id: `${dtypeId}-help` }, 'The frozen base only; LoRA adapters always train in f32. int8/int4 cut memory at a small accuracy cost.'),
  );

  const loadBtn = button('Load model', { 'data-testid': 'model-load' });
  const status = el('p', { 'data-testid': 'model-status', 'aria-live': 'polite' }, 'No model loaded yet: the embedded default loads when training starts.');
  const progress = el('div', { 'data-testid': 'model-progress', class: 'progress-list' });
  const info = el('div', { 'data-testid': 'model-info' });
  const memory = el('div', { 'data-testid': 'memory-estimate', 'aria-live': 'polite' });
  const memoryWarning = el('p', { 'data-testid': 'memory-warning', class: 'notice bad', hidden: '' });

  const section = panel('model', 'Model', group.element, drop.element, dtypeRow, el('div', { class: 'actions' }, loadBtn), status, progress, info, memory, memoryWarning);
  root.append(section);

  let loadedInfo: ModelInfo | null = null;
  let stale = false;
  const listeners: (() => void)[] = [];
  const changed = () => {
    if (loadedInfo && !stale) {
      stale = true;
      status.textContent = `Model choice changed: ${loadedInfo.name} stays loaded until you load again.`;
    }
    listeners.forEach((fn) => fn());
  };
  group.onChange(changed);
  dtype.addEventListener('change', changed);

  const source = (): ModelSource | { problem: string } => {
    switch (group.value()) {
      case 'default':
        return { kind: 'default' };
      case 'hub': {
        const id = hubInput.value.trim();
        return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(id) ? { kind: 'hub', id } : { problem: 'Enter a Hub id like HuggingFaceTB/SmolLM2-135M-Instruct.' };
      }
      case 'url': {
        try {
          const u = new URL(urlInput.value.trim(), location.href);
          if (u.protocol === 'http:' || u.protocol === 'https:') return { kind: 'url', url: u.href };
        } catch {
          /* fall through */
        }
        return { problem: 'Enter an http(s) URL of a .gguf file or a model folder.' };
      }
      case 'files':
        return drop.files().length ? { kind: 'files', files: drop.files() } : { problem: 'Pick or drop the model files first.' };
    }
  };

  // Per-file progress: events can come per chunk, so rows are updated once per frame.
  const rows = new Map<string, { bar: HTMLProgressElement; text: HTMLElement; last: ProgressEvent }>();
  const renderProgress = perFrame(() => {
    for (const r of rows.values()) {
      const p = r.last;
      if (p.total) {
        r.bar.max = p.total;
        r.bar.value = p.phase === 'done' ? p.total : p.loaded;
      } else if (p.phase === 'done') {
        r.bar.max = 1;
        r.bar.value = 1;
      } else r.bar.removeAttribute('value'); // indeterminate
      r.text.textContent = `${p.phase === 'done' ? 'done' : p.phase} · ${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`;
    }
  });
  const onProgress = (p: ProgressEvent) => {
    let r = rows.get(p.file);
    if (!r) {
      const id = nextId('progress');
      const bar = el('progress', { id, 'aria-label': `${p.file} progress` });
      const text = el('span', { class: 'muted' });
      progress.append(el('div', { class: 'progress-row' }, el('label', { for: id, class: 'file-name' }, p.file), bar, text));
      r = { bar, text, last: p };
      rows.set(p.file, r);
    }
    r.last = p;
    renderProgress();
  };

  const showInfo = (m: ModelInfo) => {
    info.replaceChildren(
      el('p', {}, 'Parameters: ', el('strong', { 'data-testid': 'model-params', 'data-value': String(m.parameters) }, `${formatCount(m.parameters)} (${m.parameters.toLocaleString('en-US')})`)),
      kv([
        ['name', m.name],
        ['type', m.modelType],
        ['layers × hidden', `${m.layers} × ${m.hidden}`],
        ['vocabulary', m.vocab.toLocaleString('en-US')],
        ['base stored as', `${m.baseDtype} (${formatBytes(m.baseBytes)})`],
        ['tokenizer', m.hasTokenizer ? 'yes' : 'missing'],
        ['chat template', m.hasChatTemplate ? 'yes' : 'none (a plain template is used)'],
      ]),
    );
  };

  const load = async (): Promise<ModelInfo> => {
    const src = source();
    if ('problem' in src) throw Object.assign(new Error(src.problem), { name: 'InputError' });
    rows.clear();
    progress.replaceChildren();
    status.textContent = 'Loading the model…';
    loadedInfo = null;
    try {
      const m = await engine.loadModel(src, dtype.value as BaseDtypeChoice, proxy(onProgress));
      loadedInfo = m;
      stale = false;
      status.textContent = `Model ready: ${m.name}`;
      showInfo(m);
      return m;
    } catch (e) {
      status.textContent = 'The model could not be loaded (see the error above).';
      throw e;
    }
  };
  const listenersLoad: (() => void)[] = [];
  loadBtn.addEventListener('click', () => listenersLoad.forEach((fn) => fn()));

  // Memory estimate: debounced, and only the latest answer is shown.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  const showEstimate = (m: MemoryEstimate) => {
    memory.replaceChildren(
      kv([
        ['frozen base', formatBytes(m.baseBytes)],
        ['LoRA + optimizer', formatBytes(m.loraBytes)],
        ['activations', formatBytes(m.activationBytes)],
        ['total', `${formatBytes(m.totalBytes)}${m.limitBytes !== null ? ` (device limit ${formatBytes(m.limitBytes)})` : ''}`],
      ]),
    );
    memoryWarning.hidden = m.fits;
    memoryWarning.textContent = m.fits ? '' : `This will not fit in memory. ${m.advice ?? 'Lower the batch size or sequence length, or store the base as int8/int4.'}`;
  };
  const estimate = (s: TrainSettings | null) => {
    clearTimeout(timer);
    const mine = ++seq;
    if (!s || !loadedInfo) {
      memory.replaceChildren(el('p', { class: 'muted' }, !loadedInfo ? 'Memory estimate: load a model first.' : 'Memory estimate: fix the settings first.'));
      memoryWarning.hidden = true;
      return;
    }
    timer = setTimeout(async () => {
      try {
        const m = await engine.estimateMemory(s);
        if (mine === seq) showEstimate(m);
      } catch (e) {
        if (mine === seq) memory.replaceChildren(el('p', { class: 'muted' }, `Memory estimate unavailable: ${(e as Error).message}`));
      }
    }, 250);
  };

  return {
    element: section,
    source,
    baseDtype: () => dtype.value as BaseDtypeChoice,
    loaded: () => (stale ? null : loadedInfo),
    load,
    setBusy(busy) {
      loadBtn.disabled = busy;
      dtype.disabled = busy;
      group.element.disabled = busy;
      drop.setDisabled(busy);
    },
    estimate,
    onChange: (fn) => void listeners.push(fn),
    onLoadClick: (fn) => void listenersLoad.push(fn),
  };
}
