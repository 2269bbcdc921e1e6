// Playground view: ask the loaded model any question and watch the answer arrive token by token, with
// the trained adapter on or off (off = the base model). When generation ends, the text is shown split
// into the role prompt and the answer, as the evaluation does.
//
// data-testids: playground-question, playground-adapter (checkbox), playground-max-tokens,
// playground-ask, playground-output (the streamed text), playground-role-prompt, playground-answer,
// playground-status.
import { proxy } from 'comlink';
import type { EngineApi } from '../protocol.ts';
import { button, el, nextId, panel, perFrame } from './dom.ts';

export interface Playground {
  element: HTMLElement;
  /** Whether a model is loaded (asking needs one) and whether an adapter exists. */
  setAvailable(model: boolean, adapter: boolean): void;
  onError(fn: (err: unknown) => void): void;
}

export function mountPlayground(root: HTMLElement, engine: EngineApi): Playground {
  const qId = nextId('pg-question');
  const question = el('textarea', { id: qId, 'data-testid': 'playground-question', rows: '2', placeholder: 'e.g. Why do onions make you cry?' });
  const adapterId = nextId('pg-adapter');
  const adapter = el('input', { type: 'checkbox', id: adapterId, 'data-testid': 'playground-adapter' });
  adapter.checked = true;
  const maxId = nextId('pg-max');
  const maxTokens = el('input', { type: 'number', id: maxId, min: '1', max: '512', value: '64', 'data-testid': 'playground-max-tokens' });
  const ask = button('Ask', { 'data-testid': 'playground-ask', class: 'primary' });
  const status = el('p', { 'data-testid': 'playground-status', class: 'muted', 'aria-live': 'polite' }, 'Load a model to ask it questions.');
  const output = el('pre', { 'data-testid': 'playground-output', class: 'stream', 'aria-live': 'off' });
  const rolePrompt = el('p', { 'data-testid': 'playground-role-prompt', class: 'role-prompt' });
  const answer = el('p', { 'data-testid': 'playground-answer', class: 'answer' });
  const split = el('div', { class: 'sample-col', hidden: '', 'aria-live': 'polite' }, el('h4', {}, 'Split'), rolePrompt, answer);

  const form = el(
    'form',
    { class: 'playground' },
    el('div', { class: 'field' }, el('label', { for: qId }, 'Question'), question),
    el(
      'div',
      { class: 'inline' },
      el('span', { class: 'check' }, adapter, el('label', { for: adapterId }, 'Use the trained adapter (off = base model)')),
      el('label', { for: maxId }, 'Max new tokens'),
      maxTokens,
      ask,
    ),
  );
  const section = panel('playground', 'Playground', form, status, output, split);
  root.append(section);

  let model = false;
  let busy = false;
  let hasAdapter = false;
  const errorListeners: ((e: unknown) => void)[] = [];
  const sync = () => {
    ask.disabled = !model || busy;
    adapter.disabled = !hasAdapter;
    if (!hasAdapter) adapter.checked = false;
  };

  // Tokens can arrive faster than frames: collect them and append once per frame.
  let pending = '';
  const flush = perFrame(() => {
    output.append(pending);
    pending = '';
  });

  const run = async () => {
    const q = question.value.trim();
    if (!q || !model || busy) {
      if (!q) status.textContent = 'Type a question first.';
      return;
    }
    busy = true;
    sync();
    output.textContent = '';
    pending = '';
    split.hidden = true;
    status.textContent = adapter.checked ? 'Generating with the adapter…' : 'Generating with the base model…';
    const max = Math.min(512, Math.max(1, Math.round(Number(maxTokens.value)) || 64));
    try {
      const s = await engine.generate(q, { useAdapter: adapter.checked, maxNewTokens: max }, proxy((t: string) => {
        pending += t;
        flush();
      }));
      // The final text is authoritative (token pieces may not concatenate to it exactly).
      pending = '';
      output.textContent = s.text;
      rolePrompt.textContent = s.rolePrompt ?? '';
      rolePrompt.classList.toggle('none', !s.rolePrompt);
      answer.textContent = s.answer;
      split.hidden = false;
      status.textContent = 'Done.';
    } catch (e) {
      status.textContent = 'Generation failed (see the error above).';
      errorListeners.forEach((f) => f(e));
    } finally {
      busy = false;
      sync();
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  ask.addEventListener('click', () => void run());
  // Ctrl/Cmd+Enter asks from the text area.
  question.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void run();
  });

  sync();
  return {
    element: section,
    setAvailable(m, a) {
      model = m;
      const gained = a && !hasAdapter;
      hasAdapter = a;
      if (gained) adapter.checked = true;
      if (!busy) status.textContent = m ? (a ? 'Ask anything; compare with the adapter off.' : 'Ask the base model anything (train to get an adapter).') : 'Load a model to ask it questions.';
      sync();
    },
    onError: (f) => void errorListeners.push(f),
  };
}
