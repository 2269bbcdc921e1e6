// Data view: the dataset to tune on (the bundled sample, a URL, or an uploaded/dropped JSON, JSONL or
// CSV file), what the worker made of it (kept / rejected / with a role prompt), a preview of the first
// normalized records and the rejected lines with their reasons. All dataset text is rendered as text.
//
// The recipe decides how the data is read: self-prompt and SFT through loadData; RoleBench through
// loadRoleBench (records + a profiles file + the system-prompt template); S3FT through loadS3ft
// (candidates + labelled records). The sample choice follows the recipe (its bundled offline files), and
// the second file of RoleBench / S3FT is a URL or a picked file, blank = its bundled sample.
//
// data-testids: data-source, data-url, data-file, data-load, data-status, data-stats, data-mapping,
// data-preview (a table), data-rejections (a list: "line N: reason — message"), data-details (recipe
// lines), data-extra (the second file: data-extra-url, data-extra-file), data-system-template (RoleBench).
import type { AppRecipe, DataInfo, DataSource, EngineApi } from '../protocol.ts';
import { button, el, panel, radioGroup } from './dom.ts';
import { createDropZone } from './files.ts';

type Kind = DataSource['kind'];

export interface DataPanel {
  element: HTMLElement;
  source(): DataSource | { problem: string };
  loaded(): DataInfo | null;
  load(): Promise<DataInfo>;
  setBusy(busy: boolean): void;
  onChange(fn: () => void): void;
  onLoadClick(fn: () => void): void;
  /** The recipe the data is for: changes the sample offered and how the data is read. */
  setRecipe(r: AppRecipe): void;
}

/** What the "Sample" choice loads, per recipe (all bundled in public/data). */
export const SAMPLE_LABELS: Record<AppRecipe, string> = {
  'self-prompt': 'Sample: self-prompt facts (bundled, offline)',
  sft: 'Sample: self-prompt facts (bundled, offline)',
  rolebench: 'Sample: RoleBench, 4 roles (rolebench.sample.jsonl + rolebench.desc.json, bundled)',
  s3ft: 'Sample: S3FT candidates + labelled records (s3ft.sample.jsonl + s3ft.labelled.jsonl, bundled)',
};

/** RoleBench's system prompt in the app: short, because the embedded model has 256 positions. */
export const APP_ROLEBENCH_TEMPLATE = 'You are {role}.';

export function mountDataPanel(root: HTMLElement, engine: EngineApi, init: DataSource | null): DataPanel {
  const urlInput = el('input', { type: 'url', 'data-testid': 'data-url', placeholder: 'https://…/train.jsonl', 'aria-label': 'Dataset URL', spellcheck: 'false' });
  const drop = createDropZone({
    label: 'Dataset file (.json, .jsonl or .csv)',
    accept: '.json,.jsonl,.csv,.txt',
    multiple: false,
    testid: 'data-file',
    onFiles: (f) => {
      if (f.length) group.set('file');
      changed();
    },
  });
  const first = init ?? { kind: 'default' };
  if (first.kind === 'url') urlInput.value = first.url;
  const group = radioGroup<Kind>(
    'Dataset',
    [
      { value: 'default', label: 'Sample: self-prompt facts (bundled, offline)' },
      { value: 'url', label: 'URL', extra: urlInput },
      { value: 'file', label: 'Upload a file' },
    ],
    first.kind === 'file' ? 'default' : first.kind,
    'data-source',
  );
  urlInput.addEventListener('input', () => {
    if (group.value() !== 'url') group.set('url');
    changed();
  });

  const loadBtn = button('Load data', { 'data-testid': 'data-load' });
  const status = el('p', { 'data-testid': 'data-status', 'aria-live': 'polite' }, 'No dataset loaded yet: the sample loads when training starts.');
  const stats = el('div', { 'data-testid': 'data-stats', 'aria-live': 'polite' });
  const mapping = el('p', { 'data-testid': 'data-mapping', class: 'muted' });
  const preview = el('div', { class: 'table-wrap' });
  const rejections = el('div', {});
  const help = el(
    'p',
    { class: 'help' },
    'Accepted layouts: {question, role_prompt, answer}, {instruction, expert_identity, answer}, chat {messages:[…]}, RoleBench and S3FT records, or CSV with a header. Records without an answer are rejected with a reason.',
  );

  // The second file of RoleBench (profiles) and S3FT (labelled records), and RoleBench's template.
  const extraLabel = el('span', {});
  const extraUrl = el('input', { type: 'url', 'data-testid': 'data-extra-url', placeholder: 'blank = the bundled sample', spellcheck: 'false' });
  const extraFile = el('input', { type: 'file', 'data-testid': 'data-extra-file', accept: '.json,.jsonl' });
  const template = el('input', { type: 'text', 'data-testid': 'data-system-template', spellcheck: 'false', autocomplete: 'off' });
  template.value = APP_ROLEBENCH_TEMPLATE;
  const templateRow = el(
    'div',
    { class: 'field' },
    el('label', {}, 'Role system prompt ', template),
    el('p', { class: 'help' }, '{role} and {desc} (the profile) are replaced. The RoleBench harness\'s full prompt is about 230–270 tokens with a profile, more than the embedded model\'s 256 positions: keep it short for tabtune-tiny.'),
  );
  const extra = el(
    'fieldset',
    { 'data-testid': 'data-extra', hidden: '' },
    el('legend', {}, extraLabel),
    el('div', { class: 'inline' }, el('label', {}, 'URL ', extraUrl), el('label', {}, 'or file ', extraFile)),
    templateRow,
  );
  const details = el('ul', { 'data-testid': 'data-details', class: 'details' });
  extraUrl.addEventListener('input', () => changed());
  extraFile.addEventListener('change', () => changed());
  template.addEventListener('input', () => changed());

  const section = panel('data', 'Data', group.element, drop.element, extra, help, el('div', { class: 'actions' }, loadBtn), status, stats, mapping, details, preview, rejections);
  root.append(section);

  let info: DataInfo | null = null;
  let stale = false;
  let recipe: AppRecipe = 'self-prompt';
  const dataRecipe = (r: AppRecipe) => (r === 'rolebench' || r === 's3ft' ? r : undefined);
  const listeners: (() => void)[] = [];
  const loadListeners: (() => void)[] = [];
  const changed = () => {
    if (info && !stale) {
      stale = true;
      status.textContent = `Dataset choice changed: ${info.file} stays loaded until you load again.`;
    }
    listeners.forEach((fn) => fn());
  };
  group.onChange(changed);
  loadBtn.addEventListener('click', () => loadListeners.forEach((fn) => fn()));

  /** The second file: a URL, a picked file, or (both blank) the recipe's bundled sample. */
  const extraSource = (): DataSource | { problem: string } => {
    const f = extraFile.files?.[0];
    if (f) return { kind: 'file', file: f };
    const u = extraUrl.value.trim();
    if (!u) return { kind: 'default' };
    try {
      const url = new URL(u, location.href);
      if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'url', url: url.href };
    } catch {
      /* fall through */
    }
    return { problem: `Enter an http(s) URL of the ${recipe === 'rolebench' ? 'profiles file' : 'labelled records'}, or leave it blank for the bundled sample.` };
  };

  const source = (): DataSource | { problem: string } => {
    switch (group.value()) {
      case 'default':
        return { kind: 'default' };
      case 'url':
        try {
          const u = new URL(urlInput.value.trim(), location.href);
          if (u.protocol === 'http:' || u.protocol === 'https:') return { kind: 'url', url: u.href };
        } catch {
          /* fall through */
        }
        return { problem: 'Enter an http(s) URL of a JSON, JSONL or CSV file.' };
      case 'file': {
        const f = drop.files()[0];
        return f ? { kind: 'file', file: f } : { problem: 'Pick or drop a dataset file first.' };
      }
    }
  };

  const show = (d: DataInfo) => {
    stats.replaceChildren(
      el(
        'ul',
        { class: 'stats' },
        el('li', {}, el('strong', { 'data-testid': 'data-kept' }, String(d.kept)), ' kept'),
        el('li', {}, el('strong', { 'data-testid': 'data-rejected' }, String(d.rejected)), ' rejected'),
        el('li', {}, el('strong', { 'data-testid': 'data-with-role-prompt' }, String(d.withRolePrompt)), ' with role prompt'),
        el('li', {}, el('strong', {}, String(d.heldOut)), ' held out for validation'),
        el('li', {}, el('strong', {}, String(d.total)), ' records read'),
      ),
    );
    const fields = Object.entries(d.mapping)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ← "${v}"`)
      .join(', ');
    mapping.textContent = `${d.file}: ${d.format}, layout ${d.layout}${fields ? `; fields ${fields}` : ''}.`;

    details.replaceChildren(...(d.details ?? []).map((line) => el('li', {}, line)));
    const table = el('table', { 'data-testid': 'data-preview' }, el('caption', {}, `First ${d.preview.length} records (as the trainer sees them)`));
    table.append(el('thead', {}, el('tr', {}, ...(d.columns ?? ['question', 'role prompt', 'answer']).map((h) => el('th', { scope: 'col' }, h)))));
    const body = el('tbody');
    for (const r of d.preview) body.append(el('tr', {}, el('td', {}, r.question), el('td', { class: r.rolePrompt === null ? 'none' : undefined }, r.rolePrompt ?? ''), el('td', {}, r.answer)));
    table.append(body);
    preview.replaceChildren(table);

    if (d.rejections.length === 0) rejections.replaceChildren();
    else {
      const list = el('ol', { 'data-testid': 'data-rejections', class: 'rejections' });
      for (const r of d.rejections) list.append(el('li', { 'data-line': String(r.line) }, el('span', { class: 'line' }, `line ${r.line}`), `: ${r.reason} — ${r.message}`));
      const more = d.rejected > d.rejections.length ? ` (first ${d.rejections.length} of ${d.rejected})` : '';
      rejections.replaceChildren(el('h3', {}, `Rejected records${more}`), list);
    }
  };

  return {
    element: section,
    source,
    loaded: () => (stale ? null : info),
    async load() {
      const src = source();
      if ('problem' in src) throw Object.assign(new Error(src.problem), { name: 'InputError' });
      const second = extraSource();
      if ('problem' in second) throw Object.assign(new Error(second.problem), { name: 'InputError' });
      status.textContent = 'Reading the dataset…';
      info = null;
      try {
        const d = recipe === 'rolebench'
          ? await engine.loadRoleBench(src, second, { systemTemplate: template.value.trim() || undefined })
          : recipe === 's3ft'
            ? await engine.loadS3ft(src, second)
            : await engine.loadData(src);
        info = d;
        stale = false;
        status.textContent = `Dataset ready: ${d.file}`;
        show(d);
        return d;
      } catch (e) {
        status.textContent = 'The dataset could not be read (see the error above).';
        throw e;
      }
    },
    setRecipe(r) {
      const before = recipe;
      recipe = r;
      const label = group.element.querySelector('input[value="default"]')?.nextElementSibling;
      if (label) label.textContent = SAMPLE_LABELS[r];
      extra.hidden = !dataRecipe(r);
      extraLabel.textContent = r === 'rolebench' ? 'Role profiles (desc.json: role → description)' : 'Labelled records for the discriminator (stage A)';
      templateRow.hidden = r !== 'rolebench';
      // Data read for another recipe's layout is not what this recipe trains on: load again.
      if (dataRecipe(before) !== dataRecipe(r)) changed();
    },
    setBusy(busy) {
      loadBtn.disabled = busy;
      extra.disabled = busy;
      group.element.disabled = busy;
      drop.setDisabled(busy);
    },
    onChange: (fn) => void listeners.push(fn),
    onLoadClick: (fn) => void loadListeners.push(fn),
  };
}
