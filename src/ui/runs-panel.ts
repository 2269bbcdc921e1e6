// Runs view: the runs kept in the worker's storage (OPFS), newest first. A run that was still training
// or paused when the page went away is interrupted: after a reload the app offers to resume it.
//
// data-testids: runs-list (a table; one row data-testid run per run, data-run-id), run-resume (button
// in an interrupted run's row), resume-offer (the banner offering the newest interrupted run),
// resume-offer-accept, resume-offer-dismiss, runs-refresh.
import type { EngineApi, SavedRun } from '../protocol.ts';
import { button, el, panel } from './dom.ts';

export interface RunsPanel {
  element: HTMLElement;
  /** The offer banner, placed by the app near the top of the page. */
  offer: HTMLElement;
  refresh(): Promise<void>;
  /** A run was started on this page: no offer from now on (the running one is not "interrupted"). */
  withdrawOffer(): void;
  setBusy(busy: boolean): void;
  onResume(fn: (run: SavedRun) => void): void;
}

export function isInterrupted(r: SavedRun): boolean {
  return (r.state === 'training' || r.state === 'paused' || r.state === 'loading') && r.step < r.totalSteps;
}

export function mountRunsPanel(root: HTMLElement, engine: EngineApi): RunsPanel {
  const refreshBtn = button('Refresh', { 'data-testid': 'runs-refresh' });
  const body = el('div', {}, el('p', { class: 'muted' }, 'Looking for saved runs…'));
  const offer = el('div', { 'data-testid': 'resume-offer', class: 'offer', hidden: '', role: 'status' });
  const section = panel('runs', 'Runs', body, el('div', { class: 'actions' }, refreshBtn));
  root.append(section);
  const listeners: ((r: SavedRun) => void)[] = [];
  let busy = false;
  let offered = false;
  const resumeButtons: HTMLButtonElement[] = [];

  const resume = (r: SavedRun) => {
    offer.hidden = true;
    listeners.forEach((f) => f(r));
  };

  const render = (runs: SavedRun[]) => {
    resumeButtons.length = 0;
    if (runs.length === 0) {
      body.replaceChildren(el('p', { class: 'muted', 'data-testid': 'runs-list' }, 'No saved runs yet.'));
      return;
    }
    const sorted = [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const tbody = el('tbody');
    for (const r of sorted) {
      const interrupted = isInterrupted(r);
      const action = el('td');
      if (interrupted) {
        const b = button('Resume', { 'data-testid': 'run-resume', 'aria-label': `Resume run ${r.id} at step ${r.step}` });
        b.disabled = busy;
        b.addEventListener('click', () => resume(r));
        resumeButtons.push(b);
        action.append(b);
      }
      const when = new Date(r.createdAt);
      tbody.append(
        el(
          'tr',
          { 'data-testid': 'run', 'data-run-id': r.id },
          el('td', {}, Number.isNaN(when.getTime()) ? r.createdAt : when.toLocaleString()),
          el('td', {}, r.model),
          el('td', {}, r.data),
          el('td', {}, `${r.step} / ${r.totalSteps}`),
          el('td', {}, interrupted ? `${r.state} (interrupted)` : r.state),
          action,
        ),
      );
    }
    body.replaceChildren(
      el(
        'div',
        { class: 'table-wrap' },
        el('table', { 'data-testid': 'runs-list', class: 'compact' }, el('thead', {}, el('tr', {}, ...['started', 'model', 'data', 'step', 'state', ''].map((h) => el('th', { scope: 'col' }, h)))), tbody),
      ),
    );
    // Offer the newest interrupted run found when the page loads (i.e. after a reload) — never a run
    // this page started itself.
    const first = !offered;
    offered = true;
    const newest = sorted.find(isInterrupted);
    if (newest && first) {
      const accept = button('Resume it', { 'data-testid': 'resume-offer-accept', class: 'primary' });
      const dismiss = button('Not now', { 'data-testid': 'resume-offer-dismiss' });
      accept.addEventListener('click', () => resume(newest));
      dismiss.addEventListener('click', () => (offer.hidden = true));
      resumeButtons.push(accept);
      accept.disabled = busy;
      offer.replaceChildren(
        el('span', {}, `An interrupted run was found: ${newest.model} on ${newest.data}, step ${newest.step} of ${newest.totalSteps}. `),
        accept,
        dismiss,
      );
      offer.hidden = false;
    }
  };

  const refresh = async () => {
    try {
      render(await engine.listRuns());
    } catch (e) {
      body.replaceChildren(el('p', { class: 'muted' }, `Saved runs unavailable: ${(e as Error).message}`));
    }
  };
  refreshBtn.addEventListener('click', () => void refresh());

  return {
    element: section,
    offer,
    refresh,
    withdrawOffer() {
      offered = true;
      offer.hidden = true;
    },
    setBusy(b) {
      busy = b;
      for (const x of resumeButtons) x.disabled = b;
    },
    onResume: (f) => void listeners.push(f),
  };
}
