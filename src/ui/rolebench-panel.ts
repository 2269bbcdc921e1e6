// RoleBench view (recipe `rolebench`, docs/recipes.md § RoleBench): ROUGE-L of the samples generated under
// each record's role prompt, at every evaluation (step 0 = the base model): overall, CUS (general
// instructions), SPE (role-specific questions), RAW (when the records carry out-of-character answers), and
// per role. Rendered from the engine's 'rolebench' events; all text goes in as text.
//
// data-testids: rolebench-panel, rolebench-table (one row per evaluation), rolebench-overall (latest overall,
// data-value), rolebench-roles (per-role table of the latest evaluation), rolebench-raw-note.
import type { RoleBenchEvalInfo } from '../protocol.ts';
import { el, panel } from './dom.ts';
import { formatRouge, perRoleRows, rougeTable } from './recipe-format.ts';

export interface RoleBenchPanel {
  element: HTMLElement;
  add(e: RoleBenchEvalInfo): void;
  reset(): void;
  setVisible(v: boolean): void;
}

const table = (testid: string, caption: string, header: string[], rows: string[][]) =>
  el(
    'table',
    { 'data-testid': testid, class: 'compact' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...header.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', {}, c)))))),
  );

export function mountRoleBenchPanel(root: HTMLElement): RoleBenchPanel {
  const overall = el('strong', { 'data-testid': 'rolebench-overall' }, '—');
  const status = el('p', { class: 'metrics', 'aria-live': 'polite' }, 'ROUGE-L overall ', overall);
  const wrap = el('div', { class: 'table-wrap' }, el('p', { class: 'muted' }, 'ROUGE-L appears at the first evaluation (step 0 is the base model).'));
  const roles = el('div', { class: 'table-wrap' });
  const note = el('p', { class: 'help', 'data-testid': 'rolebench-raw-note' });
  const help = el(
    'p',
    { class: 'help' },
    'ROUGE-L F (0–1) of each answer, generated under its role\'s system prompt, against the references: CUS = general instructions (in-character answers), SPE = role-specific questions, RAW = general instructions against the original answers. Measured on the validation records (at most "Samples per evaluation").',
  );
  const section = panel('rolebench-panel', 'RoleBench: ROUGE-L per role', status, wrap, roles, note, help);
  section.dataset.testid = 'rolebench-panel';
  section.hidden = true;
  root.append(section);

  let evals: RoleBenchEvalInfo[] = [];
  const render = () => {
    const last = evals.at(-1);
    if (!last) return;
    overall.textContent = formatRouge(last.overall);
    overall.dataset.value = String(last.overall.rougeL ?? '');
    const t = rougeTable(evals);
    wrap.replaceChildren(table('rolebench-table', 'ROUGE-L at each evaluation (per-role columns: the role\'s overall score)', t.header, t.rows));
    roles.replaceChildren(table('rolebench-roles', `Per role at step ${last.step}`, ['role', 'overall', 'CUS', 'SPE', 'samples'], perRoleRows(last)));
    note.textContent = last.rawNote ? `RAW: ${last.rawNote}.` : '';
  };

  return {
    element: section,
    add(e) {
      // A step reported again (after a recovery) replaces the earlier row.
      evals = [...evals.filter((x) => x.step < e.step), e];
      render();
    },
    reset() {
      evals = [];
      overall.textContent = '—';
      wrap.replaceChildren(el('p', { class: 'muted' }, 'ROUGE-L appears at the first evaluation (step 0 is the base model).'));
      roles.replaceChildren();
      note.textContent = '';
    },
    setVisible(v) {
      section.hidden = !v;
    },
  };
}
