// Training view: start / pause / resume / stop, the run state, the latest step and losses, a progress
// bar (step, epoch, tokens/s, ETA) and the live chart of train loss, val loss and learning rate.
// It renders what the engine reports (TrainEvent) and never decides the run state itself, except
// 'loading' while the app loads the model and data before starting.
//
// data-testids: train-start, train-pause, train-resume, train-stop, run-state (exactly one of idle,
// loading, training, paused, done, error), run-message, train-step (step number), train-loss (a number),
// val-loss (a number, "—" before the first evaluation), train-progress (<progress>), train-progress-text,
// loss-chart (data-points = rows held), train-data (examples / tokens summary).
import type { EvalInfo, RunState, StepInfo, TrainEvent } from '../protocol.ts';
import { LiveChart } from './chart.ts';
import { button, el, formatDuration, formatLoss, panel, perFrame } from './dom.ts';

export interface TrainingPanel {
  element: HTMLElement;
  state(): RunState;
  /** Set by the app for 'loading' (before the engine runs), 'error' (a call failed) and to reflect a
   *  pause/resume the engine accepted; everything else comes from the engine's 'state' events. */
  setState(s: RunState, message?: string): void;
  /** Pause was pressed: Pause is disabled and the message says so until the engine reports 'paused'
   *  (it pauses after the step under way, which may be an evaluation). */
  setPausing(): void;
  handle(e: TrainEvent): void;
  /** A new run: clear numbers and chart. */
  reset(): void;
  /** Whether Start may be pressed (valid settings, engine chosen). */
  setStartable(ok: boolean, why: string): void;
  steps(): number;
  onStart(fn: () => void): void;
  onPause(fn: () => void): void;
  onResume(fn: () => void): void;
  onStop(fn: () => void): void;
  onState(fn: (s: RunState) => void): void;
}

export function mountTrainingPanel(root: HTMLElement): TrainingPanel {
  const start = button('Start training', { 'data-testid': 'train-start', class: 'primary' });
  const pause = button('Pause', { 'data-testid': 'train-pause' });
  const resume = button('Resume', { 'data-testid': 'train-resume' });
  const stop = button('Stop', { 'data-testid': 'train-stop' });
  const startWhy = el('p', { class: 'help', 'data-testid': 'train-start-why' });

  const runState = el('strong', { 'data-testid': 'run-state', class: 'state' }, 'idle');
  const message = el('span', { 'data-testid': 'run-message', class: 'muted' });
  const stepEl = el('span', { 'data-testid': 'train-step' }, '0');
  const totalEl = el('span', {}, '');
  const lossEl = el('span', { 'data-testid': 'train-loss' }, '—');
  const valEl = el('span', { 'data-testid': 'val-loss' }, '—');
  const lrEl = el('span', { 'data-testid': 'train-lr' }, '—');
  const progress = el('progress', { 'data-testid': 'train-progress', max: '1', value: '0', 'aria-label': 'Training progress' });
  const progressText = el('p', { 'data-testid': 'train-progress-text', 'aria-live': 'polite', class: 'muted' }, 'Not started.');
  const dataText = el('p', { 'data-testid': 'train-data', class: 'muted' });
  const recovered = el('p', { 'data-testid': 'train-recovered', class: 'notice', hidden: '' });

  const chart = new LiveChart(
    [
      { label: 'train loss', stroke: '#3b82f6', scale: 'loss' },
      { label: 'val loss', stroke: '#f97316', scale: 'loss', points: true },
      { label: 'lr', stroke: '#22a06b', scale: 'lr', format: (v) => v.toExponential(1) },
    ],
    { height: 260, xLabel: 'step', testid: 'loss-chart', ariaLabel: 'Chart of train loss, validation loss and learning rate by step', axisFormat: { lr: (v) => v.toExponential(1) } },
  );

  const figures = el(
    'dl',
    { class: 'figures' },
    el('div', {}, el('dt', {}, 'state'), el('dd', {}, runState)),
    el('div', {}, el('dt', {}, 'step'), el('dd', {}, stepEl, totalEl)),
    el('div', {}, el('dt', {}, 'train loss'), el('dd', {}, lossEl)),
    el('div', {}, el('dt', {}, 'val loss'), el('dd', {}, valEl)),
    el('div', {}, el('dt', {}, 'learning rate'), el('dd', {}, lrEl)),
  );
  const section = panel(
    'training',
    'Training',
    el('div', { class: 'actions' }, start, pause, resume, stop),
    startWhy,
    figures,
    message,
    el('div', { class: 'progress-wrap' }, progress, progressText),
    dataText,
    recovered,
    chart.element,
  );
  root.append(section);

  let state: RunState = 'idle';
  let startable = false;
  let last: StepInfo | null = null;
  let total = 0;
  const listeners = { start: [] as (() => void)[], pause: [] as (() => void)[], resume: [] as (() => void)[], stop: [] as (() => void)[], state: [] as ((s: RunState) => void)[] };
  start.addEventListener('click', () => listeners.start.forEach((f) => f()));
  pause.addEventListener('click', () => listeners.pause.forEach((f) => f()));
  resume.addEventListener('click', () => listeners.resume.forEach((f) => f()));
  stop.addEventListener('click', () => listeners.stop.forEach((f) => f()));

  const syncButtons = () => {
    const active = state === 'loading' || state === 'training' || state === 'paused';
    start.disabled = active || !startable;
    pause.disabled = state !== 'training';
    resume.disabled = state !== 'paused';
    stop.disabled = !(state === 'training' || state === 'paused');
  };

  // Step numbers and the progress line are rendered once per frame, whatever the event rate.
  const drawStep = () => {
    if (!last) return;
    const s = last;
    stepEl.textContent = String(s.step);
    totalEl.textContent = ` / ${s.totalSteps}`;
    lossEl.textContent = formatLoss(s.loss);
    lrEl.textContent = s.lr.toExponential(2);
    progress.max = s.totalSteps;
    progress.value = s.step;
    progressText.textContent = `step ${s.step} of ${s.totalSteps} · epoch ${s.epoch.toFixed(2)} · ${Math.round(s.tokensPerSecond).toLocaleString('en-US')} tokens/s · ETA ${formatDuration(s.etaSeconds)}`;
  };
  const renderStep = perFrame(drawStep);

  const setState = (s: RunState, msg?: string) => {
    // A state change shows the latest step at once, not at the next frame: "paused" next to a step
    // number that then moves would be wrong.
    drawStep();
    state = s;
    runState.textContent = s;
    runState.dataset.state = s;
    message.textContent = msg ?? '';
    if (!last && (s === 'error' || s === 'idle')) progressText.textContent = 'Not running.';
    syncButtons();
    listeners.state.forEach((f) => f(s));
  };

  const showEval = (e: EvalInfo) => {
    if (e.valLoss !== null) {
      valEl.textContent = formatLoss(e.valLoss);
      chart.set(e.step, [null, e.valLoss, null]);
    }
  };

  syncButtons();
  return {
    element: section,
    state: () => state,
    setState,
    setPausing() {
      if (state !== 'training') return;
      pause.disabled = true;
      message.textContent = 'Pausing after the step under way…';
    },
    handle(e) {
      switch (e.type) {
        case 'state':
          setState(e.state, e.message);
          if (e.state === 'done' && last) progressText.textContent = `Finished at step ${last.step} of ${last.totalSteps}.`;
          break;
        case 'data':
          dataText.textContent = `${e.train} training and ${e.val} validation examples, ${e.tokens.toLocaleString('en-US')} tokens (${Math.round(e.lossFraction * 100)} % in the loss); ${e.truncated} truncated, ${e.skipped} skipped.`;
          break;
        case 'step':
          last = e.step;
          total = e.step.totalSteps;
          chart.append(e.step.step, [e.step.loss, null, e.step.lr]);
          renderStep();
          break;
        case 'eval':
        case 'baseline':
          showEval(e.eval);
          break;
        case 'recovered':
          chart.truncateAfter(e.fromStep);
          recovered.hidden = false;
          recovered.textContent = `The GPU device was lost (${e.reason}); training continued from the checkpoint at step ${e.fromStep}, redoing ${e.redone} steps.`;
          break;
        case 'checkpoint':
        case 'error':
          break;
      }
    },
    reset() {
      last = null;
      total = 0;
      chart.clear();
      stepEl.textContent = '0';
      totalEl.textContent = '';
      lossEl.textContent = '—';
      valEl.textContent = '—';
      lrEl.textContent = '—';
      progress.value = 0;
      progressText.textContent = 'Starting…';
      dataText.textContent = '';
      recovered.hidden = true;
    },
    setStartable(ok, why) {
      startable = ok;
      startWhy.textContent = ok ? '' : why;
      syncButtons();
    },
    steps: () => total,
    onStart: (f) => void listeners.start.push(f),
    onPause: (f) => void listeners.pause.push(f),
    onResume: (f) => void listeners.resume.push(f),
    onStop: (f) => void listeners.stop.push(f),
    onState: (f) => void listeners.state.push(f),
  };
}
