// Recipe & hyperparameters view: one form that yields a TrainSettings, or null while any field is
// invalid (then nothing is sent to the worker). Every field has a one-line explanation; an invalid
// value is marked aria-invalid with a message next to it. What the user types is kept in
// localStorage, so a reload (e.g. to resume a run) or an error never loses it; URL parameters win.
//
// data-testids: settings-form, recipe, method (lora | prompt | prefix), target-<name> (checkbox per LoRA target), field-<key> (each
// input), error-<key> (its message), lora-scale (alpha / rank, live), settings-summary.
import type { TrainSettings } from '../protocol.ts';
import { el, nextId, panel, radioGroup } from './dom.ts';

/** The projection matrices LoRA can adapt, with Hugging Face names (as in src/engine/config.ts). */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

/**
 * Defaults: the embedded default's recipe (src/train/session.ts DEMO_SESSION, what `npm run demo:eval`
 * measures), since the app opens on the embedded model and data. Equality is tested in settings-form.test.ts.
 */
export const DEFAULT_SETTINGS: TrainSettings = {
  recipe: 'self-prompt', targets: [...LORA_TARGETS], rank: 16, alpha: 32, dropout: 0, lr: 6e-3, warmupRatio: 0.05,
  steps: 250, batchSize: 8, gradAccum: 1, seqLen: 128, evalEvery: 50, seed: 42, separator: '\n\n',
  evalSamples: 4, maxNewTokens: 48, method: 'lora', virtualTokens: 20,
};

/** Soft prompts need a much larger step size than LoRA (the CLI's default for them, src/cli/train.ts). */
export const SOFT_PROMPT_LR = 3e-2;

export type NumKey = 'rank' | 'alpha' | 'dropout' | 'virtualTokens' | 'lr' | 'warmupRatio' | 'steps' | 'batchSize' | 'gradAccum' | 'seqLen' | 'evalEvery' | 'seed' | 'evalSamples' | 'maxNewTokens';

export interface NumSpec {
  key: NumKey;
  label: string;
  help: string;
  integer: boolean;
  /** [min, max]; an exclusive bound is marked by the flag. */
  min: number;
  max: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

const LORA_FIELDS: NumSpec[] = [
  { key: 'rank', label: 'Rank r', help: 'Width of the low-rank update B·A; 8–16 is typical. More rank, more capacity and memory.', integer: true, min: 1, max: 256 },
  { key: 'alpha', label: 'Alpha α', help: 'The update is scaled by α / r; α = 2r is a common choice.', integer: false, min: 0, max: 4096, minExclusive: true },
  { key: 'dropout', label: 'Dropout', help: 'Dropout on the adapter input during training; 0–0.05 is typical.', integer: false, min: 0, max: 0.5 },
];
const SOFT_FIELDS: NumSpec[] = [
  { key: 'virtualTokens', label: 'Virtual tokens', help: 'Prompt / prefix tuning: trainable positions before every input (prompt) or in every layer\'s keys and values (prefix).', integer: true, min: 1, max: 512 },
];
const TRAIN_FIELDS: NumSpec[] = [
  { key: 'lr', label: 'Learning rate', help: 'AdamW step size; 1e-4–2e-3 for LoRA on real models (the tiny default model likes 6e-3), ~3e-2 for soft prompts.', integer: false, min: 0, max: 1, minExclusive: true, maxExclusive: true },
  { key: 'warmupRatio', label: 'Warm-up', help: 'Fraction of the steps spent ramping the learning rate up from 0, then cosine decay.', integer: false, min: 0, max: 1, maxExclusive: true },
  { key: 'steps', label: 'Steps', help: 'Optimizer steps to run (each sees batch × accumulation examples).', integer: true, min: 1, max: 1_000_000 },
  { key: 'batchSize', label: 'Batch size', help: 'Examples per forward/backward pass; memory grows with it.', integer: true, min: 1, max: 1024 },
  { key: 'gradAccum', label: 'Gradient accumulation', help: 'Passes summed before each optimizer step: a larger effective batch without more memory.', integer: true, min: 1, max: 1024 },
  { key: 'seqLen', label: 'Sequence length', help: 'Tokens per example; longer examples are truncated. Memory grows with it.', integer: true, min: 8, max: 32768 },
  { key: 'evalEvery', label: 'Evaluate every', help: 'Steps between evaluations (validation loss and generated samples).', integer: true, min: 1, max: 1_000_000 },
  { key: 'evalSamples', label: 'Samples per evaluation', help: 'Held-out questions the model answers at each evaluation (the Samples panel).', integer: true, min: 0, max: 64 },
  { key: 'maxNewTokens', label: 'Sample length', help: 'Most tokens generated per sample; longer answers are cut. Generation is slow on CPU.', integer: true, min: 1, max: 1024 },
  { key: 'seed', label: 'Seed', help: 'Fixes adapter init, data order and the train/validation split: same seed, same run.', integer: true, min: 0, max: 2 ** 31 - 1 },
];

/** "\n\n" as typed ↔ the two newline characters the trainer uses. */
export function unescapeSeparator(s: string): string {
  return s.replace(/\\(n|t|r|\\)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\' })[c]!);
}
export function escapeSeparator(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

/** The problem with a typed number, or null when it is fine. Pure: tested through the form. */
export function checkNumber(spec: NumSpec, raw: string): { value: number } | { problem: string } {
  const t = raw.trim();
  if (t === '') return { problem: 'Required.' };
  // Number('') is 0 and Number('0x10') is 16: accept decimal and exponent notation only.
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return { problem: 'Not a number.' };
  const v = Number(t);
  if (!Number.isFinite(v)) return { problem: 'Not a finite number.' };
  if (spec.integer && !Number.isInteger(v)) return { problem: 'Must be a whole number.' };
  const lowOk = spec.minExclusive ? v > spec.min : v >= spec.min;
  const highOk = spec.maxExclusive ? v < spec.max : v <= spec.max;
  if (!lowOk || !highOk) {
    const lo = `${spec.minExclusive ? '(' : '['}${spec.min}`;
    const hi = `${spec.max}${spec.maxExclusive ? ')' : ']'}`;
    return { problem: `Must be in ${lo}, ${hi}.` };
  }
  return { value: v };
}

/** Every numeric field with its bounds (also used by `tabtune browser-run` to check run.json). */
export const NUM_FIELDS: readonly NumSpec[] = [...LORA_FIELDS, ...SOFT_FIELDS, ...TRAIN_FIELDS];

/** Sequence length preset when the S3FT pipeline is chosen (the CLI's default for the S3FT recipes). */
export const S3FT_SEQ_LEN = 256;

/** Where the form keeps what was typed (`tabtune browser-run` presets settings through it). */
export const STORAGE_KEY = 'tabtune.settings.v1';

export interface SettingsForm {
  element: HTMLElement;
  /** Valid settings, or null while any field is invalid. */
  get(): TrainSettings | null;
  set(partial: Partial<TrainSettings>): void;
  /** The chosen recipe, also while other fields are invalid. */
  recipe(): TrainSettings['recipe'];
  onChange(fn: (s: TrainSettings | null) => void): void;
  setDisabled(disabled: boolean): void;
}

export function mountSettingsForm(root: HTMLElement, overrides: Partial<TrainSettings>): SettingsForm {
  let stored: Partial<TrainSettings> = {};
  try {
    stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<TrainSettings>;
  } catch {
    /* a corrupt entry is ignored */
  }
  const initial: TrainSettings = { ...DEFAULT_SETTINGS, ...stored, ...overrides };
  // S3FT from the URL or a reload, with the untouched default sequence length: preset S3FT's (see below).
  if (initial.recipe === 's3ft' && initial.seqLen === DEFAULT_SETTINGS.seqLen && overrides.seqLen === undefined) initial.seqLen = S3FT_SEQ_LEN;
  const listeners: ((s: TrainSettings | null) => void)[] = [];

  const recipe = radioGroup<TrainSettings['recipe']>(
    'Recipe',
    [
      { value: 'self-prompt', label: 'Self-prompt tuning: learn to write an expert role prompt, then answer in that role' },
      { value: 'sft', label: 'Plain SFT: learn the answers only' },
      { value: 'rolebench', label: 'RoleBench: answer in character under each role\'s system prompt; ROUGE-L per role (CUS / SPE / RAW)' },
      { value: 's3ft', label: 'S3FT pipeline: A discriminator on labelled records → B filter the candidates → C SFT on the kept ones' },
    ],
    initial.recipe,
    'recipe',
  );

  type Method = NonNullable<TrainSettings['method']>;
  const method = radioGroup<Method>(
    'What trains',
    [
      { value: 'lora', label: 'LoRA: low-rank updates of the chosen linear layers (the default)' },
      { value: 'prompt', label: 'Prompt tuning: trainable virtual token embeddings before the input' },
      { value: 'prefix', label: 'Prefix tuning (P-Tuning v2): trainable keys and values in every layer' },
    ],
    initial.method ?? 'lora',
    'method',
  );

  // LoRA targets
  const targetsFs = el('fieldset', { class: 'targets', 'aria-describedby': 'targets-error' }, el('legend', {}, 'LoRA targets'));
  const targetBoxes = new Map<string, HTMLInputElement>();
  const targetRow = el('div', { class: 'checks' });
  for (const t of LORA_TARGETS) {
    const id = nextId(`target-${t}`);
    const box = el('input', { type: 'checkbox', id, 'data-testid': `target-${t}`, value: t });
    box.checked = initial.targets.includes(t);
    targetBoxes.set(t, box);
    targetRow.append(el('span', { class: 'check' }, box, el('label', { for: id }, t)));
  }
  const targetsError = el('p', { class: 'field-error', id: 'targets-error', 'data-testid': 'error-targets', 'aria-live': 'polite' });
  targetsFs.append(targetRow, el('p', { class: 'help' }, 'Which projections get an adapter: q_proj + v_proj is the PEFT default; all seven adapt every linear layer.'), targetsError);

  // numeric fields
  const inputs = new Map<NumKey, { spec: NumSpec; input: HTMLInputElement; error: HTMLElement }>();
  const numField = (spec: NumSpec) => {
    const id = nextId(`field-${spec.key}`);
    const input = el('input', {
      type: 'text', id, inputmode: spec.integer ? 'numeric' : 'decimal', 'data-testid': `field-${spec.key}`,
      'aria-describedby': `${id}-help ${id}-error`, autocomplete: 'off', spellcheck: 'false',
    });
    input.value = String(initial[spec.key] ?? DEFAULT_SETTINGS[spec.key]);
    const error = el('p', { class: 'field-error', id: `${id}-error`, 'data-testid': `error-${spec.key}`, 'aria-live': 'polite' });
    inputs.set(spec.key, { spec, input, error });
    return el('div', { class: 'field' }, el('label', { for: id }, spec.label), input, el('p', { class: 'help', id: `${id}-help` }, spec.help), error);
  };

  const scale = el('output', { 'data-testid': 'lora-scale' });
  const loraFs = el('fieldset', { class: 'grid-fields' }, el('legend', {}, 'LoRA adapter'), ...LORA_FIELDS.map(numField), el('p', { class: 'scale' }, 'scale = α / r = ', scale));
  const softFs = el('fieldset', { class: 'grid-fields' }, el('legend', {}, 'Soft prompt'), ...SOFT_FIELDS.map(numField));
  const trainFs = el('fieldset', { class: 'grid-fields' }, el('legend', {}, 'Training'), ...TRAIN_FIELDS.map(numField));
  const showMethod = (m: Method) => {
    targetsFs.hidden = m !== 'lora';
    loraFs.hidden = m !== 'lora';
    softFs.hidden = m === 'lora';
  };
  showMethod(method.value());

  const sepId = nextId('field-separator');
  const separator = el('input', { type: 'text', id: sepId, 'data-testid': 'field-separator', 'aria-describedby': `${sepId}-help ${sepId}-error`, spellcheck: 'false', autocomplete: 'off' });
  separator.value = escapeSeparator(initial.separator);
  const sepError = el('p', { class: 'field-error', id: `${sepId}-error`, 'data-testid': 'error-separator', 'aria-live': 'polite' });
  const sepField = el(
    'div',
    { class: 'field' },
    el('label', { for: sepId }, 'Role-prompt separator'),
    separator,
    el('p', { class: 'help', id: `${sepId}-help` }, 'Between the role prompt and the answer in each target (\\n = newline); generated text is split on it.'),
    sepError,
  );

  const summary = el('p', { 'data-testid': 'settings-summary', 'aria-live': 'polite', class: 'muted' });
  const form = el('form', { 'data-testid': 'settings-form', novalidate: '' }, recipe.element, method.element, targetsFs, loraFs, softFs, trainFs, sepField, summary);
  form.addEventListener('submit', (e) => e.preventDefault());
  const outer = el('fieldset', { class: 'plain' }, form);
  root.append(panel('settings', 'Recipe & hyperparameters', outer));

  const mark = (input: HTMLElement, error: HTMLElement, problem: string | null) => {
    if (problem) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    error.textContent = problem ?? '';
  };

  const read = (): TrainSettings | null => {
    let ok = true;
    const s: TrainSettings = { ...DEFAULT_SETTINGS, recipe: recipe.value(), method: method.value() };
    for (const { spec, input, error } of inputs.values()) {
      const r = checkNumber(spec, input.value);
      mark(input, error, 'problem' in r ? r.problem : null);
      if ('problem' in r) ok = false;
      else s[spec.key] = r.value;
    }
    s.targets = LORA_TARGETS.filter((t) => targetBoxes.get(t)!.checked);
    const needTargets = s.method === 'lora' && s.targets.length === 0;
    mark(targetsFs, targetsError, needTargets ? 'Choose at least one target.' : null);
    if (needTargets) ok = false;
    s.separator = unescapeSeparator(separator.value);
    mark(separator, sepError, s.separator.length === 0 ? 'Required: the trainer splits role prompt and answer on it.' : null);
    if (!s.separator) ok = false;
    // alpha / rank, shown live even while other fields are invalid
    const rank = checkNumber(LORA_FIELDS[0], inputs.get('rank')!.input.value);
    const alpha = checkNumber(LORA_FIELDS[1], inputs.get('alpha')!.input.value);
    scale.textContent = 'value' in rank && 'value' in alpha ? String(Number((alpha.value / rank.value).toPrecision(4))) : '—';
    if (ok && s.evalEvery > s.steps) summary.textContent = `Note: evaluating every ${s.evalEvery} steps with ${s.steps} steps means one evaluation, at the end.`;
    else summary.textContent = ok ? '' : 'Fix the highlighted fields: nothing is sent to the engine until they are valid.';
    return ok ? s : null;
  };

  let current = read();
  const changed = () => {
    current = read();
    try {
      const raw: Record<string, unknown> = { recipe: recipe.value(), method: method.value(), targets: LORA_TARGETS.filter((t) => targetBoxes.get(t)!.checked), separator: unescapeSeparator(separator.value) };
      for (const { spec, input } of inputs.values()) {
        const r = checkNumber(spec, input.value);
        if ('value' in r) raw[spec.key] = r.value;
      }
      localStorage.setItem(STORAGE_KEY, JSON.stringify(raw));
    } catch {
      /* storage full or disabled: the form still works */
    }
    listeners.forEach((fn) => fn(current));
  };
  form.addEventListener('input', changed);
  // S3FT's classification prompts (settings, context, question, reply) are long: the CLI's default
  // sequence length for its recipes is 256; a shorter one drops history or whole records.
  recipe.onChange((r) => {
    const seq = inputs.get('seqLen')!.input;
    if (r === 's3ft' && Number(seq.value) < S3FT_SEQ_LEN) seq.value = String(S3FT_SEQ_LEN);
  });
  recipe.onChange(changed);
  // Switching between LoRA and a soft prompt moves an untouched learning rate to the method's default.
  method.onChange((m) => {
    showMethod(m);
    const lr = inputs.get('lr')!.input;
    if (m !== 'lora' && Number(lr.value) === DEFAULT_SETTINGS.lr) lr.value = String(SOFT_PROMPT_LR);
    if (m === 'lora' && Number(lr.value) === SOFT_PROMPT_LR) lr.value = String(DEFAULT_SETTINGS.lr);
  });
  method.onChange(changed);

  return {
    element: form,
    get: () => current,
    set(partial) {
      if (partial.recipe) recipe.set(partial.recipe);
      if (partial.method) method.set(partial.method);
      for (const [k, v] of Object.entries(partial)) {
        const f = inputs.get(k as NumKey);
        if (f && typeof v === 'number') f.input.value = String(v);
      }
      if (partial.targets) for (const [t, box] of targetBoxes) box.checked = partial.targets.includes(t);
      if (partial.separator !== undefined) separator.value = escapeSeparator(partial.separator);
      changed();
    },
    recipe: () => recipe.value(),
    onChange: (fn) => void listeners.push(fn),
    setDisabled(d) {
      outer.disabled = d;
    },
  };
}
