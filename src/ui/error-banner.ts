// The error banner (data-testid error-banner): every failure the user should know about, each with
// what went wrong and what to do next. It only adds text: no form is reset, nothing typed is lost.
// Errors from the worker arrive as Error objects (Comlink keeps name and message); we show the name
// and the message as text and take the advice from the caller, who knows what was being attempted.
import { button, el } from './dom.ts';

export interface Problem {
  /** What was being attempted, e.g. "Loading the model failed". */
  title: string;
  message: string;
  /** What to do next. */
  advice: string | null;
  /** Error.name when there is one: shown, and kept as data-name for tests. */
  name?: string;
}

export interface ErrorBanner {
  element: HTMLElement;
  show(p: Problem): void;
  /** Show a caught value (Error or anything thrown) under `title`. */
  showError(title: string, err: unknown, advice: string | null): void;
  clear(): void;
  /** The problems shown now, oldest first (for the automation report). */
  problems(): Problem[];
}

export function createErrorBanner(): ErrorBanner {
  const list = el('ul', { class: 'problems' });
  const shown = new Map<HTMLElement, Problem>();
  const element = el('div', { class: 'error-banner', 'data-testid': 'error-banner', role: 'alert', hidden: '' }, list);

  const update = () => {
    element.hidden = list.childElementCount === 0;
  };

  const show = (p: Problem) => {
    // The same problem again (e.g. a worker error repeating) bumps a counter instead of a new line.
    const key = `${p.title}\u0000${p.name ?? ''}\u0000${p.message}`;
    const same = [...list.children].find((li) => (li as HTMLElement).dataset.key === key) as HTMLElement | undefined;
    if (same) {
      const n = Number(same.dataset.count ?? '1') + 1;
      same.dataset.count = String(n);
      same.querySelector('.error-count')!.textContent = ` (×${n})`;
      return;
    }
    const close = button('Dismiss', { class: 'dismiss', 'aria-label': `Dismiss: ${p.title}` });
    const item = el(
      'li',
      { 'data-name': p.name, 'data-key': key },
      el('strong', {}, p.title, el('span', { class: 'error-count' })),
      el('span', { class: 'error-message' }, `${p.name && p.name !== 'Error' ? `${p.name}: ` : ''}${p.message}`),
      ...(p.advice ? [el('span', { class: 'error-advice' }, `What to do: ${p.advice}`)] : []),
      close,
    );
    close.addEventListener('click', () => {
      item.remove();
      shown.delete(item);
      update();
    });
    list.append(item);
    shown.set(item, { ...p });
    // Keep the banner short: the newest five problems.
    while (list.childElementCount > 5) {
      shown.delete(list.firstElementChild as HTMLElement);
      list.firstElementChild!.remove();
    }
    update();
  };

  return {
    element,
    show,
    showError(title, err, advice) {
      const e = err instanceof Error ? err : new Error(String(err));
      show({ title, message: e.message || String(err), advice, name: e.name });
    },
    clear() {
      list.replaceChildren();
      shown.clear();
      update();
    },
    problems: () => [...list.children].map((li) => shown.get(li as HTMLElement)!).filter(Boolean),
  };
}
