// Tiny DOM helpers. Text always goes in through textContent: dataset and model text is never HTML.
// Nothing here uses innerHTML; views build their markup with el() only.

type Attrs = Record<string, string | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

/** A definition list of key/value rows; values are set as text. */
export function kv(rows: [string, string][], attrs: Attrs = {}): HTMLDListElement {
  const dl = el('dl', { class: 'kv', ...attrs });
  for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
  return dl;
}

/** A panel: <section> with a heading it is labelled by. */
export function panel(id: string, title: string, ...children: (Node | string)[]): HTMLElement {
  return el('section', { class: 'panel', id, 'aria-labelledby': `${id}-h` }, el('h2', { id: `${id}-h` }, title), ...children);
}

let uid = 0;
/** A unique element id with a readable prefix (labels and aria-describedby need ids). */
export function nextId(prefix: string): string {
  return `${prefix}-${++uid}`;
}

/** A button that is never a form submitter by accident. */
export function button(label: string, attrs: Attrs = {}): HTMLButtonElement {
  return el('button', { type: 'button', ...attrs }, label);
}

/**
 * Coalesces calls into at most one `fn()` per animation frame (and, with `minIntervalMs`, at most one
 * per that interval): events from the worker can arrive far faster than the screen refreshes, and
 * rendering each one would block the main thread.
 */
export function perFrame(fn: () => void, minIntervalMs = 0): () => void {
  let pending = false;
  let last = -Infinity;
  const run = (now: number) => {
    if (now - last < minIntervalMs) {
      requestAnimationFrame(run);
      return;
    }
    pending = false;
    last = now;
    fn();
  };
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(run);
  };
}

// --- number formatting (pure)

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i === 0 ? n.toFixed(0) : n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
}

/** 134515008 → "134.5 M"; small counts as they are. */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return n.toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Loss-like numbers: 4 significant digits, plain notation (tests parse these with Number()). */
export function formatLoss(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  return x.toPrecision(4);
}

export interface RadioGroup<T extends string> {
  element: HTMLFieldSetElement;
  value(): T;
  set(v: T): void;
  onChange(fn: (v: T) => void): void;
}

/** A fieldset of radio buttons; `extra` puts a control (an input for that choice) after its label. */
export function radioGroup<T extends string>(legend: string, options: { value: T; label: string; extra?: HTMLElement }[], initial: T, testid?: string): RadioGroup<T> {
  const name = nextId('radio');
  const fs = el('fieldset', { class: 'radios', 'data-testid': testid }, el('legend', {}, legend));
  const inputs: HTMLInputElement[] = [];
  const listeners: ((v: T) => void)[] = [];
  for (const o of options) {
    const id = nextId(name);
    const input = el('input', { type: 'radio', name, id, value: o.value });
    input.checked = o.value === initial;
    input.addEventListener('change', () => input.checked && listeners.forEach((fn) => fn(o.value)));
    inputs.push(input);
    fs.append(el('div', { class: o.extra ? 'radio-row has-extra' : 'radio-row' }, input, el('label', { for: id }, o.label), ...(o.extra ? [o.extra] : [])));
  }
  return {
    element: fs,
    value: () => (inputs.find((i) => i.checked)?.value ?? initial) as T,
    set(v) {
      for (const i of inputs) i.checked = i.value === v;
      listeners.forEach((fn) => fn(v));
    },
    onChange: (fn) => listeners.push(fn),
  };
}
