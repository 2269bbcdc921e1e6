// Tiny DOM helpers. Text always goes in through textContent: dataset and model text is never HTML.

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
