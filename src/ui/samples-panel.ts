// Samples view: at each evaluation the tuned model answers a few held-out questions; each is shown
// beside the base model's answer to the same question (from the 'baseline' event) and the reference.
// Below: the role-prompt rate and ROUGE-L over time (a chart and an accessible table).
//
// data-testids: samples (the list), sample (one per question), sample-question, sample-role-prompt and
// sample-answer (tuned; an absent role prompt is an empty element with class "none"),
// sample-base-role-prompt, sample-base-answer, samples-step, role-prompt-rate (e.g. "75%", data-value
// 0.75), rouge-l (answer ROUGE-L, data-value), rouge-l-role-prompt, metrics-chart, metrics-table.
import type { EvalInfo, SampleInfo } from '../protocol.ts';
import { LiveChart } from './chart.ts';
import { el, panel } from './dom.ts';

export interface SamplesPanel {
  element: HTMLElement;
  setBaseline(e: EvalInfo): void;
  setEval(e: EvalInfo): void;
  reset(): void;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function textBlock(testid: string, text: string | null, cls: string): HTMLElement {
  // null → an empty element whose CSS ::before says "(no role prompt)": visible, yet its text stays empty.
  return el('p', { 'data-testid': testid, class: text === null || text === '' ? `${cls} none` : cls }, text ?? '');
}

function column(title: string, prefix: '' | 'base-', s: SampleInfo | null, placeholder: string): HTMLElement {
  const col = el('div', { class: 'sample-col' }, el('h4', {}, title));
  if (!s) col.append(el('p', { class: 'muted' }, placeholder));
  else col.append(textBlock(`sample-${prefix}role-prompt`, s.rolePrompt, 'role-prompt'), textBlock(`sample-${prefix}answer`, s.answer, 'answer'));
  return col;
}

export function mountSamplesPanel(root: HTMLElement): SamplesPanel {
  const stepLabel = el('p', { 'data-testid': 'samples-step', class: 'muted', 'aria-live': 'polite' }, 'Samples appear at the first evaluation.');
  const list = el('ol', { 'data-testid': 'samples', class: 'samples' });
  const rate = el('strong', { 'data-testid': 'role-prompt-rate' }, '—');
  const rouge = el('strong', { 'data-testid': 'rouge-l' }, '—');
  const rougeRole = el('strong', { 'data-testid': 'rouge-l-role-prompt' }, '—');
  const metrics = el(
    'p',
    { class: 'metrics', 'aria-live': 'polite' },
    'Role-prompt rate ', rate, ' · ROUGE-L answer ', rouge, ' · ROUGE-L role prompt ', rougeRole,
  );
  const chart = new LiveChart(
    [
      { label: 'role-prompt rate', stroke: '#8b5cf6', scale: 'unit', points: true, format: pct },
      { label: 'ROUGE-L answer', stroke: '#0ea5e9', scale: 'unit', points: true, format: (v) => v.toFixed(3) },
      { label: 'ROUGE-L role prompt', stroke: '#e11d48', scale: 'unit', points: true, dash: [4, 4], format: (v) => v.toFixed(3) },
    ],
    { height: 180, xLabel: 'step', testid: 'metrics-chart', ariaLabel: 'Chart of role-prompt rate and ROUGE-L by step', yRange: { unit: [0, 1] } },
  );
  const tbody = el('tbody');
  const table = el(
    'table',
    { 'data-testid': 'metrics-table', class: 'compact' },
    el('caption', {}, 'Evaluations'),
    el('thead', {}, el('tr', {}, ...['step', 'val loss', 'role-prompt rate', 'ROUGE-L answer', 'ROUGE-L role prompt'].map((h) => el('th', { scope: 'col' }, h)))),
    tbody,
  );
  const details = el('details', {}, el('summary', {}, 'Metrics table'), el('div', { class: 'table-wrap' }, table));
  const help = el('p', { class: 'help' }, 'Role-prompt rate: share of answers that open with a role prompt. ROUGE-L: overlap with the reference (0–1). Step 0 is the base model.');

  const section = panel('samples-panel', 'Samples: base vs tuned', stepLabel, list, metrics, help, chart.element, details);
  root.append(section);

  let baseline: EvalInfo | null = null;
  let latest: EvalInfo | null = null;

  const render = () => {
    const shown = latest ?? baseline;
    if (!shown) {
      list.replaceChildren();
      return;
    }
    const base = new Map((baseline?.samples ?? []).map((s) => [s.question, s]));
    const items = shown.samples.map((s) => {
      const tuned = latest ? s : null;
      const b = base.get(s.question) ?? null;
      const ref = el(
        'details',
        { class: 'reference' },
        el('summary', {}, 'Reference'),
        textBlock('sample-reference-role-prompt', s.referenceRolePrompt, 'role-prompt'),
        el('p', { 'data-testid': 'sample-reference-answer', class: 'answer' }, s.referenceAnswer),
      );
      return el(
        'li',
        { 'data-testid': tuned ? 'sample' : 'sample-pending', class: 'sample' },
        el('p', { 'data-testid': 'sample-question', class: 'question' }, s.question),
        el('div', { class: 'sample-cols' }, column('Base model', 'base-', b, baseline ? 'No base sample for this question.' : 'Base samples are computed before training.'), column(latest ? `Tuned (step ${latest.step})` : 'Tuned', '', tuned, 'Waiting for the first evaluation.')),
        ref,
      );
    });
    list.replaceChildren(...items);
    stepLabel.textContent = latest ? `Samples at step ${latest.step}.` : 'Base model samples (before training).';
  };

  const addMetrics = (e: EvalInfo) => {
    rate.textContent = pct(e.rolePromptRate);
    rate.dataset.value = String(e.rolePromptRate);
    rouge.textContent = e.rougeAnswer.toFixed(3);
    rouge.dataset.value = String(e.rougeAnswer);
    rougeRole.textContent = e.rougeRolePrompt === null ? '—' : e.rougeRolePrompt.toFixed(3);
    chart.set(e.step, [e.rolePromptRate, e.rougeAnswer, e.rougeRolePrompt]);
    tbody.append(
      el(
        'tr',
        {},
        el('td', {}, String(e.step)),
        el('td', {}, e.valLoss === null ? '—' : e.valLoss.toPrecision(4)),
        el('td', {}, pct(e.rolePromptRate)),
        el('td', {}, e.rougeAnswer.toFixed(3)),
        el('td', {}, e.rougeRolePrompt === null ? '—' : e.rougeRolePrompt.toFixed(3)),
      ),
    );
  };

  return {
    element: section,
    setBaseline(e) {
      baseline = e;
      addMetrics({ ...e, step: 0 });
      render();
    },
    setEval(e) {
      latest = e;
      addMetrics(e);
      render();
    },
    reset() {
      baseline = null;
      latest = null;
      chart.clear();
      tbody.replaceChildren();
      rate.textContent = rouge.textContent = rougeRole.textContent = '—';
      stepLabel.textContent = 'Samples appear at the first evaluation.';
      render();
    },
  };
}
