// S3FT pipeline view (recipe `s3ft`, docs/recipes.md § S3FT): the three stages and what each produced.
//   A discriminator: accuracy on the held-out labelled records and the 5 × 5 confusion matrix, before and
//     after training, and the threshold chosen there;
//   B filter: a slider over the candidates' P(excellent) (defaulting to the threshold in use), kept and
//     dropped counts, and every candidate with its score (dataset text rendered as text);
//   C SFT: what it trained on, and validation loss before → after (the Training panel charts it).
// The slider only re-filters on the page; "Train stage C on the kept records" asks the engine to rerun
// stage C at the slider's threshold (runS3ft with from 'sft').
//
// data-testids: s3ft-panel, s3ft-stages (li data-stage = discriminator|filter|sft, data-state =
// waiting|running|done), s3ft-disc-step, s3ft-accuracy-before, s3ft-accuracy-after (data-value),
// s3ft-confusion-before, s3ft-confusion-after (tables), s3ft-chosen, s3ft-threshold (range input),
// s3ft-threshold-value, s3ft-kept, s3ft-dropped (data-value), s3ft-candidates (table; rows s3ft-candidate
// with data-kept), s3ft-rerun-sft, s3ft-sft-summary.
import type { DiscriminatorInfo, S3ftScoresInfo, S3ftStage, TrainEvent } from '../protocol.ts';
import { button, el, formatLoss, panel } from './dom.ts';
import { confusionTable, formatPercent, formatProb, keptCount, positionForThreshold, sortScores, thresholdAtPosition } from './recipe-format.ts';

export interface S3ftPanel {
  element: HTMLElement;
  handle(e: TrainEvent): void;
  /** A new pipeline run (from stage A) or a rerun of stage C. */
  reset(from: 'discriminator' | 'sft'): void;
  setVisible(v: boolean): void;
  /** The slider's threshold (null before stage B or when it keeps nothing). */
  threshold(): number | null;
  /** Whether stage C may be rerun now (no run active). */
  setRerunnable(ok: boolean): void;
  onRerun(fn: (threshold: number) => void): void;
}

const STAGES: { stage: S3ftStage; title: string }[] = [
  { stage: 'discriminator', title: 'A · Discriminator: LoRA on the labelled records' },
  { stage: 'filter', title: 'B · Filter: score the candidates by P(excellent)' },
  { stage: 'sft', title: 'C · SFT on the kept records, with their system prompts' },
];

function confusionElement(testid: string, d: DiscriminatorInfo, caption: string): HTMLElement {
  const t = confusionTable(d);
  return el(
    'table',
    { 'data-testid': testid, class: 'compact confusion' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...t.header.map((h) => el('th', { scope: 'col' }, h)))),
    el(
      'tbody',
      {},
      ...t.rows.map((r, i) =>
        el('tr', {}, el('th', { scope: 'row' }, r.label), ...r.cells.map((c, j) => el('td', { class: i === j ? 'diag' : c > 0 ? 'off' : undefined }, String(c))), el('td', {}, String(r.total))),
      ),
    ),
  );
}

export function mountS3ftPanel(root: HTMLElement): S3ftPanel {
  const stageItems = new Map<S3ftStage, { li: HTMLElement; msg: HTMLElement }>();
  const stages = el('ol', { 'data-testid': 's3ft-stages', class: 'stages' });
  for (const s of STAGES) {
    const msg = el('span', { class: 'muted' });
    const li = el('li', { 'data-stage': s.stage, 'data-state': 'waiting' }, el('strong', {}, s.title), ' ', msg);
    stageItems.set(s.stage, { li, msg });
    stages.append(li);
  }

  // A
  const discStep = el('p', { 'data-testid': 's3ft-disc-step', class: 'muted' }, 'Not started.');
  const accBefore = el('strong', { 'data-testid': 's3ft-accuracy-before' }, '—');
  const accAfter = el('strong', { 'data-testid': 's3ft-accuracy-after' }, '—');
  const accLine = el('p', { class: 'metrics' }, 'Held-out accuracy: before ', accBefore, ' → after ', accAfter);
  const matrices = el('div', { class: 'matrices' });
  const chosen = el('p', { 'data-testid': 's3ft-chosen', class: 'muted' });

  // B
  const slider = el('input', { type: 'range', min: '0', max: '0', step: '1', value: '0', 'data-testid': 's3ft-threshold', 'aria-label': 'Filter threshold: keep candidates with P(excellent) at least this', disabled: '' });
  const thresholdValue = el('output', { 'data-testid': 's3ft-threshold-value' }, '—');
  const kept = el('strong', { 'data-testid': 's3ft-kept' }, '—');
  const dropped = el('strong', { 'data-testid': 's3ft-dropped' }, '—');
  const rerun = button('Train stage C on the kept records', { 'data-testid': 's3ft-rerun-sft', disabled: '' });
  const candWrap = el('div', { class: 'table-wrap' });
  const filterHelp = el('p', { class: 'help' }, 'The slider steps through the candidates\' own scores (each step drops the next lowest); it starts at the threshold chosen on the held-out labelled records (best F1 of excellent vs not).');

  // C
  const sftSummary = el('p', { 'data-testid': 's3ft-sft-summary', class: 'muted' }, 'Stage C trains on what the filter keeps; its loss is charted in the Training panel.');

  const section = panel(
    's3ft-panel',
    'S3FT pipeline',
    stages,
    el('h3', {}, 'A · Discriminator'), discStep, accLine, matrices, chosen,
    el('h3', {}, 'B · Filter'),
    el('div', { class: 'inline threshold' }, el('label', {}, 'Keep P(excellent) ≥ ', thresholdValue), slider),
    el('p', { class: 'metrics', 'aria-live': 'polite' }, 'Kept ', kept, ' · dropped ', dropped),
    filterHelp,
    el('div', { class: 'actions' }, rerun),
    candWrap,
    el('h3', {}, 'C · SFT'), sftSummary,
  );
  section.dataset.testid = 's3ft-panel';
  section.hidden = true;
  root.append(section);

  let scores: S3ftScoresInfo | null = null;
  let sorted: number[] = [];
  let threshold: number | null = null;
  let rows: { tr: HTMLElement; p: number }[] = [];
  let rerunnable = false;
  let valBefore: number | null = null;
  let valAfter: number | null = null;
  const rerunListeners: ((t: number) => void)[] = [];

  const syncRerun = () => {
    rerun.disabled = !(rerunnable && scores && threshold !== null && Number.isFinite(threshold));
  };
  const applyThreshold = (t: number) => {
    threshold = t;
    const all = scores?.candidates.length ?? 0;
    const k = Number.isFinite(t) ? keptCount(sorted, t) : 0;
    thresholdValue.textContent = Number.isFinite(t) ? formatProb(t) : 'above every score';
    kept.textContent = String(k);
    kept.dataset.value = String(k);
    dropped.textContent = String(all - k);
    dropped.dataset.value = String(all - k);
    for (const r of rows) {
      const keep = Number.isFinite(t) && r.p >= t;
      r.tr.dataset.kept = String(keep);
      r.tr.className = keep ? 'kept' : 'dropped';
      r.tr.lastElementChild!.textContent = keep ? 'kept' : 'dropped';
    }
    syncRerun();
  };
  slider.addEventListener('input', () => applyThreshold(thresholdAtPosition(sorted, Number(slider.value))));
  rerun.addEventListener('click', () => {
    if (threshold !== null && Number.isFinite(threshold)) rerunListeners.forEach((f) => f(threshold!));
  });

  const showScores = (s: S3ftScoresInfo) => {
    scores = s;
    sorted = sortScores(s.candidates.map((c) => c.pExcellent));
    const order = [...s.candidates].sort((a, b) => b.pExcellent - a.pExcellent);
    rows = [];
    const body = el('tbody');
    for (const c of order) {
      const tr = el(
        'tr',
        { 'data-testid': 's3ft-candidate' },
        el('td', { class: 'num' }, formatProb(c.pExcellent)),
        el('td', {}, c.predicted),
        el('td', {}, c.system || '(none)'),
        el('td', {}, c.history ? `${c.prompt} (after ${c.history} earlier exchange${c.history > 1 ? 's' : ''})` : c.prompt),
        el('td', {}, c.response),
        el('td', {}, ''),
      );
      rows.push({ tr, p: c.pExcellent });
      body.append(tr);
    }
    candWrap.replaceChildren(
      el(
        'table',
        { 'data-testid': 's3ft-candidates', class: 'candidates' },
        el('caption', {}, `${s.candidates.length} candidates scored (${s.scoring} scoring)${s.skipped ? `; ${s.skipped} too long, skipped` : ''}, highest P(excellent) first`),
        el('thead', {}, el('tr', {}, ...['P(excellent)', 'predicted', 'system prompt', 'question', 'reply', 'filter'].map((h) => el('th', { scope: 'col' }, h)))),
        body,
      ),
    );
    slider.max = String(sorted.length);
    slider.disabled = false;
    slider.value = String(positionForThreshold(sorted, s.threshold));
    applyThreshold(s.threshold);
  };

  const showDisc = (when: 'before' | 'after', d: DiscriminatorInfo) => {
    const acc = when === 'before' ? accBefore : accAfter;
    acc.textContent = `${formatPercent(d.accuracy)} (${Math.round(d.accuracy * d.n)}/${d.n})`;
    acc.dataset.value = String(d.accuracy);
    matrices.querySelector(`[data-testid="s3ft-confusion-${when}"]`)?.remove();
    const m = confusionElement(`s3ft-confusion-${when}`, d, `${when === 'before' ? 'Before training (the base model)' : `After ${d.step} steps`}: rows true label, columns predicted; mean P(true label) ${d.meanTrueProb.toFixed(3)}`);
    if (when === 'before') matrices.prepend(m);
    else matrices.append(m);
    if (d.chosen) chosen.textContent = `Chosen threshold P(excellent) ≥ ${formatProb(d.chosen.threshold)} on these records: precision ${d.chosen.precision.toFixed(2)}, recall ${d.chosen.recall.toFixed(2)}, F1 ${d.chosen.f1.toFixed(2)}, accuracy ${d.chosen.accuracy.toFixed(2)} (optimistic: chosen and measured on the same few records).`;
  };

  const showSft = () => {
    sftSummary.textContent = `Validation loss ${formatLoss(valBefore)} (before) → ${formatLoss(valAfter)}${threshold !== null && Number.isFinite(threshold) ? `, on the records with P(excellent) ≥ ${formatProb(threshold)}` : ''}.`;
  };

  let stageNow: S3ftStage | null = null;
  return {
    element: section,
    handle(e) {
      switch (e.type) {
        case 's3ft-stage': {
          const it = stageItems.get(e.stage)!;
          it.li.dataset.state = e.state;
          it.msg.textContent = e.message ?? (e.state === 'running' ? 'running…' : '');
          stageNow = e.state === 'running' ? e.stage : null;
          if (e.stage === 'sft' && e.state === 'done') showSft();
          break;
        }
        case 's3ft-step':
          discStep.textContent = `step ${e.step.step} of ${e.step.totalSteps} · loss ${formatLoss(e.step.loss)}`;
          break;
        case 'discriminator':
          showDisc(e.when, e.eval);
          break;
        case 's3ft-scores':
          showScores(e.scores);
          break;
        case 'baseline':
          if (stageNow === 'sft') valBefore = e.eval.valLoss;
          break;
        case 'eval':
          if (stageNow === 'sft') {
            valAfter = e.eval.valLoss;
            showSft();
          }
          break;
        default:
          break;
      }
    },
    reset(from) {
      for (const [st, it] of stageItems) {
        if (from === 'sft' && st === 'discriminator') continue;
        it.li.dataset.state = 'waiting';
        it.msg.textContent = '';
      }
      valBefore = valAfter = null;
      sftSummary.textContent = 'Stage C trains on what the filter keeps; its loss is charted in the Training panel.';
      if (from === 'sft') return;
      discStep.textContent = 'Not started.';
      accBefore.textContent = accAfter.textContent = '—';
      matrices.replaceChildren();
      chosen.textContent = '';
      scores = null;
      sorted = [];
      rows = [];
      threshold = null;
      slider.max = '0';
      slider.value = '0';
      slider.disabled = true;
      thresholdValue.textContent = kept.textContent = dropped.textContent = '—';
      candWrap.replaceChildren();
      syncRerun();
    },
    setVisible(v) {
      section.hidden = !v;
    },
    threshold: () => (threshold !== null && Number.isFinite(threshold) ? threshold : null),
    setRerunnable(ok) {
      rerunnable = ok;
      syncRerun();
    },
    onRerun: (fn) => void rerunListeners.push(fn),
  };
}
