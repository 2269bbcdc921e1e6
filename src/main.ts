// Main thread entry: wires the views in src/ui to the engine worker through Comlink. No GPU objects
// and no heavy work here: the worker computes, this thread renders what it reports.
//
// ?fake=1 (dev aid, documented in README.md, "The app") drives the same UI with the in-page fake engine in
// src/ui/dev-fake.ts instead of the worker; it is a separate chunk loaded only with that parameter.
import * as Comlink from 'comlink';
import type { EngineApi, RunState, SavedRun, TrainEvent } from './protocol.ts';
import { el } from './ui/dom.ts';
import { createErrorBanner } from './ui/error-banner.ts';
import { mountDataPanel } from './ui/data-panel.ts';
import { mountExportPanel } from './ui/export-panel.ts';
import { mountGpuPanel } from './ui/gpu-status.ts';
import { mountModelPanel } from './ui/model-panel.ts';
import { parseParams } from './ui/params.ts';
import { mountPlayground } from './ui/playground.ts';
import { RunRecorder, type AutostartState, type TabtuneHook } from './ui/report.ts';
import { mountRoleBenchPanel } from './ui/rolebench-panel.ts';
import { mountRunsPanel } from './ui/runs-panel.ts';
import { mountS3ftPanel } from './ui/s3ft-panel.ts';
import { mountSamplesPanel } from './ui/samples-panel.ts';
import { mountSettingsForm } from './ui/settings-form.ts';
import { mountTrainingPanel } from './ui/training-panel.ts';

const { params, problems } = parseParams(location.search, location.origin);
const errors = createErrorBanner();

async function connect(): Promise<EngineApi> {
  if (params.fake) return (await import('./ui/dev-fake.ts')).createFakeEngine();
  const worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'tabtune-engine' });
  // An error escaping the worker (or a worker it started) would otherwise only reach the console,
  // while the call that was waiting on it never returns.
  worker.addEventListener('error', (e) =>
    errors.show({ title: 'The engine worker reported an error', message: e.message || 'unknown error (the worker script failed)', advice: 'Reload the page; if it happens again, choose another engine (wasm or cpu) in "Training engine".', name: 'WorkerError' }),
  );
  // Comlink's Remote<EngineApi> has the same methods, each returning a Promise: EngineApi already does.
  return Comlink.wrap<EngineApi>(worker) as unknown as EngineApi;
}
const engine = await connect();

// --- layout: problems and offers on top, then setup (left) and the run (right) on wide screens
const root = document.getElementById('app')!;
const top = el('div', { class: 'top' }, errors.element);
const setupCol = el('div', { class: 'col setup' });
const runCol = el('div', { class: 'col run' });
root.append(top, el('div', { class: 'columns' }, setupCol, runCol));
if (params.fake) top.append(el('p', { class: 'notice', 'data-testid': 'fake-notice' }, 'Dev mode (?fake=1): a simulated engine, no model is trained.'));

const fail = (title: string, err: unknown, advice: string) => errors.showError(title, err, advice);

// Each view is built in a task of its own, so start-up never blocks the main thread for long.
const yieldToMain = () => new Promise<void>((r) => setTimeout(r, 0));
const gpu = mountGpuPanel(setupCol, engine, { preference: params.engine, onError: fail });
await yieldToMain();
const model = mountModelPanel(setupCol, engine, { source: params.model, baseDtype: params.baseDtype });
const data = mountDataPanel(setupCol, engine, params.data);
await yieldToMain();
const settings = mountSettingsForm(setupCol, params.settings);
await yieldToMain();
const training = mountTrainingPanel(runCol);
const s3ft = mountS3ftPanel(runCol);
const samples = mountSamplesPanel(runCol);
const roleBench = mountRoleBenchPanel(runCol);
await yieldToMain();
const playground = mountPlayground(runCol, engine);
const exporter = mountExportPanel(runCol, engine);
const runs = mountRunsPanel(runCol, engine);
top.append(runs.offer);

playground.onError((e) => fail('Generation failed', e, 'Load the model and the dataset (Load buttons above), then ask again; during training, answers wait for the current step.'));
exporter.onError((e) => fail('Export failed', e, 'Train at least one step, then export again.'));

for (const p of problems) errors.show({ title: 'URL parameter problem', message: p, advice: 'Fix the URL and reload; the form shows what is used instead.', name: 'ParamError' });

// --- app state: what is loaded, whether a run is active
let loading = false;
let hasAdapter = false;
const active = (s: RunState) => s === 'loading' || s === 'training' || s === 'paused';

const sync = () => {
  const busy = loading || active(training.state());
  model.setBusy(busy);
  data.setBusy(busy);
  settings.setDisabled(active(training.state()));
  gpu.setLocked(busy);
  runs.setBusy(busy);
  const s = settings.get();
  const why = !gpu.engine() ? 'Waiting for the training engine to be chosen.' : !s ? 'Fix the highlighted settings first.' : loading ? 'Loading…' : '';
  training.setStartable(!!s && !!gpu.engine() && !loading, why);
  playground.setAvailable(!!model.loaded() && !loading, hasAdapter);
  s3ft.setRerunnable(!busy && !!s && s.recipe === 's3ft' && !!model.loaded() && !!data.loaded());
  exporter.setAvailable(hasAdapter && !loading && training.state() !== 'loading' && training.state() !== 'training');
};

/** The recipe's own views: RoleBench's ROUGE-L table, the S3FT pipeline; S3FT generates no samples. */
const showRecipe = () => {
  const r = settings.recipe();
  data.setRecipe(r);
  roleBench.setVisible(r === 'rolebench');
  s3ft.setVisible(r === 's3ft');
  samples.element.hidden = r === 's3ft';
};
showRecipe();
settings.onChange((s) => {
  showRecipe();
  model.estimate(s);
  sync();
});
model.onChange(sync);
data.onChange(sync);
training.onState(sync);
void gpu.ready.then(sync);

async function loadModel(): Promise<boolean> {
  loading = true;
  sync();
  try {
    await model.load();
    model.estimate(settings.get());
    return true;
  } catch (e) {
    fail('Loading the model failed', e, 'Check the Hub id, URL or files (a Llama-family model: config.json + safetensors, or one .gguf); the embedded default works offline.');
    return false;
  } finally {
    loading = false;
    sync();
  }
}

async function loadData(): Promise<boolean> {
  loading = true;
  sync();
  try {
    await data.load();
    return true;
  } catch (e) {
    fail('Reading the dataset failed', e, 'Check the URL or file: JSON, JSONL or CSV with a question and an answer per record. The sample dataset always works.');
    return false;
  } finally {
    loading = false;
    sync();
  }
}
model.onLoadClick(() => void loadModel());
data.onLoadClick(() => void loadData());

// Everything the engine reports for the current run, for the automation report (window.__tabtune).
const recorder = new RunRecorder();
/** The checkpoint step a resumed run continues from, until its first 'training' state names it. */
let announceResume: number | null = null;

const onEvent = (e: TrainEvent) => {
  // The base model's evaluation arrives twice: as the session's eval at step 0 and as 'baseline'.
  // The samples and metrics show it once, as the baseline.
  if (e.type === 'eval' && e.eval.step === 0) return;
  if (e.type === 'state' && e.state === 'training' && !e.message && announceResume !== null) {
    e = { ...e, message: `resumed from step ${announceResume}` };
    announceResume = null;
  }
  recorder.record(e);
  training.handle(e);
  s3ft.handle(e);
  switch (e.type) {
    case 'step':
      if (!hasAdapter) {
        hasAdapter = true;
        sync();
      }
      break;
    case 'eval':
      samples.setEval(e.eval);
      break;
    case 'baseline':
      samples.setBaseline(e.eval);
      break;
    case 'rolebench':
      roleBench.add(e.eval);
      break;
    case 'error':
      lastEventError = e.message;
      errors.show({ title: 'Training stopped', message: e.message, advice: e.advice ?? 'Change the settings (smaller batch or sequence length) and start again.', name: e.name });
      break;
    case 'state':
      if (e.state === 'done' || e.state === 'error' || e.state === 'idle') void runs.refresh();
      break;
    default:
      break;
  }
};
/** The message of the last 'error' event: a call that rejects with the same error is not shown twice. */
let lastEventError: string | null = null;
// One proxy for the page's lifetime: the worker may keep calling it across runs.
const onEventProxy = Comlink.proxy(onEvent);

/** Start a run: the recipe's (S3FT: the pipeline, or only its stage C at `s3ftThreshold`), or resume a saved one. */
async function start(resume?: SavedRun, s3ftThreshold?: number): Promise<void> {
  const s = settings.get();
  if (!s) {
    errors.show({ title: 'Training not started', message: 'Some settings are invalid.', advice: 'Fix the highlighted fields in "Recipe & hyperparameters".', name: 'InputError' });
    return;
  }
  runs.withdrawOffer();
  training.reset();
  samples.reset();
  roleBench.reset();
  if (s.recipe === 's3ft') s3ft.reset(s3ftThreshold === undefined ? 'discriminator' : 'sft');
  recorder.reset(resume ? resume.step : null);
  announceResume = resume ? resume.step : null;
  hasAdapter = false;
  training.setState('loading', resume ? `Resuming run ${resume.id}…` : 'Loading model and data…');
  const failed = (message: string) => {
    recorder.record({ type: 'state', state: 'error', message });
    training.setState('error', message);
  };
  if (!model.loaded() && !(await loadModel())) return failed('The model could not be loaded.');
  if (!data.loaded() && !(await loadData())) return failed('The dataset could not be read.');
  lastEventError = null;
  try {
    if (s.recipe === 's3ft' && !resume) await engine.runS3ft(s, s3ftThreshold === undefined ? {} : { threshold: s3ftThreshold, from: 'sft' }, onEventProxy);
    else await engine.startTraining(s, onEventProxy, resume?.id);
    void runs.refresh();
  } catch (e) {
    failed('Training could not start.');
    // The engine may already have reported this very error as an event, with its own advice.
    if (!(e instanceof Error && e.message === lastEventError)) fail('Training could not start', e, 'Check the memory estimate in the Model panel and the settings, then start again.');
  }
}

const control = (what: string, call: () => Promise<void>) => async () => {
  try {
    await call();
  } catch (e) {
    fail(`${what} failed`, e, 'Try again; if the run is stuck, reload the page: runs resume from their last checkpoint.');
  }
};
training.onStart(() => void start());
// The engine reports 'paused' itself once the step under way has finished (no step event follows it);
// until then the panel says a pause is coming. resume() takes effect at once.
training.onPause(control('Pause', async () => {
  training.setPausing();
  try {
    await engine.pause();
  } catch (e) {
    if (training.state() === 'training') training.setState('training');
    throw e;
  }
}));
training.onResume(control('Resume', async () => {
  await engine.resume();
  if (training.state() === 'paused') training.setState('training');
}));
training.onStop(control('Stop', () => engine.stop()));
runs.onResume((r) => void start(r));
s3ft.onRerun((t) => void start(undefined, t));

sync();
const firstRuns = runs.refresh();

// Automation: ?autostart=1 loads model and data, then trains — only with a clean URL.
let autostart: AutostartState = params.autostart ? 'pending' : 'off';
if (params.autostart) {
  if (problems.length > 0) {
    autostart = 'refused';
    errors.show({ title: 'Autostart refused', message: 'The URL has parameter problems (listed above).', advice: 'Fix the URL and reload.', name: 'ParamError' });
  } else {
    // After the first listing of saved runs: it must not see the run autostart is about to begin.
    void Promise.all([gpu.ready, firstRuns]).then(([info]) => {
      if (!info) {
        autostart = 'refused'; // choosing the engine failed; the banner says why
        return;
      }
      if (!settings.get()) {
        autostart = 'refused';
        errors.show({ title: 'Autostart refused', message: 'The saved settings are invalid.', advice: 'Fix the highlighted fields, then press Start training.', name: 'InputError' });
        return;
      }
      autostart = 'started';
      void start();
    });
  }
}

// --- automation: a read-only report of the page's run (README, "The app"; used by `tabtune browser-run`)
const progress = () => ({
  state: training.state(),
  message: document.querySelector('[data-testid="run-message"]')?.textContent ?? '',
  autostart,
  engine: gpu.engine()?.name ?? null,
  modelLoaded: model.loaded() !== null,
  dataLoaded: data.loaded() !== null,
  step: recorder.steps.at(-1) ?? null,
  evals: recorder.evals.length,
  lastEval: recorder.lastEval(),
  recovered: [...recorder.recovered],
  problems: errors.problems(),
});
const hook: TabtuneHook = {
  version: 1,
  progress,
  async report() {
    const d = data.loaded();
    const dataSummary = d ? (({ preview: _p, rejections: _r, ...rest }) => rest)(d) : null;
    return {
      ...progress(),
      version: 1,
      url: location.href,
      gpu: gpu.status(),
      engineInfo: gpu.engine(),
      model: model.loaded(),
      data: dataSummary,
      settings: settings.get(),
      resumedFrom: recorder.resumedFrom,
      steps: [...recorder.steps],
      baseline: recorder.baseline,
      evalsList: [...recorder.evals],
      dataStats: recorder.dataStats,
      startedAtMs: recorder.startedAtMs,
      trainingAtMs: recorder.trainingAtMs,
      endedAtMs: recorder.endedAtMs,
      rolebench: [...recorder.rolebench],
      s3ft: recorder.s3ft,
    };
  },
  simulateDeviceLoss: () => engine.simulateDeviceLoss(),
};
Object.defineProperty(window, '__tabtune', { value: Object.freeze(hook), enumerable: false });
