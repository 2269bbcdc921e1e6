// The page's read-only run report: everything the engine reported for the current run (steps,
// evaluations, recoveries, errors), plus what was chosen (engine, adapter, model, data, settings).
// src/main.ts exposes it as `window.__tabtune` for automation — `tabtune browser-run` and the e2e tests
// read runs through it instead of scraping the DOM. It is plain data: JSON-serialisable, no DOM nodes.
//
// Is: a recorder fed the same TrainEvents the views get. Is not: a second source of truth for the
// views (they render the events themselves) nor a control surface (the one test hook,
// simulateDeviceLoss, is documented on TabtuneHook).
import type { DataInfo, DiscriminatorInfo, EngineInfo, EvalInfo, GpuStatus, ModelInfo, RoleBenchEvalInfo, RunState, S3ftStage, StepInfo, TrainEvent, TrainSettings } from '../protocol.ts';
import type { Problem } from './error-banner.ts';

/** Whether ?autostart=1 began a run: 'off' without it, 'refused' when the URL or settings were bad. */
export type AutostartState = 'off' | 'pending' | 'started' | 'refused';

export interface RecoveryInfo {
  fromStep: number;
  redone: number;
  reason: string;
}

/** Light view for polling while a run is under way. */
export interface AppProgress {
  state: RunState;
  message: string;
  autostart: AutostartState;
  engine: EngineInfo['name'] | null;
  modelLoaded: boolean;
  dataLoaded: boolean;
  /** The latest step, or null before the first. */
  step: StepInfo | null;
  /** Evaluations so far (the baseline excluded) and the latest. */
  evals: number;
  lastEval: Omit<EvalInfo, 'samples'> | null;
  recovered: RecoveryInfo[];
  problems: Problem[];
}

export interface AppReport extends AppProgress {
  /** Report layout version. */
  version: 1;
  url: string;
  /** The adapter the worker found (null before it answered). */
  gpu: GpuStatus | null;
  engineInfo: EngineInfo | null;
  model: ModelInfo | null;
  data: Omit<DataInfo, 'preview' | 'rejections'> | null;
  settings: TrainSettings | null;
  /** Set when a run was resumed from a saved checkpoint at this step. */
  resumedFrom: number | null;
  /** Every step of the current run, in order; steps redone after a recovery replace the old ones. */
  steps: StepInfo[];
  /** The base model's evaluation before training (step 0). */
  baseline: EvalInfo | null;
  evalsList: EvalInfo[];
  /** The last 'data' event: examples and tokens used. */
  dataStats: Extract<TrainEvent, { type: 'data' }> | null;
  /** performance.timeOrigin-relative ms: run start (Start pressed / autostart) and end (done or error). */
  startedAtMs: number | null;
  trainingAtMs: number | null;
  endedAtMs: number | null;
  /** Recipe rolebench: ROUGE-L at each evaluation (step 0 = the base model). */
  rolebench: RoleBenchEvalInfo[];
  /** Recipe s3ft: the pipeline's stages and results (null for other recipes). */
  s3ft: S3ftReport | null;
}

export interface S3ftReport {
  stages: Partial<Record<S3ftStage, { state: 'running' | 'done'; message: string | null }>>;
  discriminatorBefore: DiscriminatorInfo | null;
  discriminatorAfter: DiscriminatorInfo | null;
  /** Stage B: the threshold in use, the chosen one, and how many candidates it keeps. */
  filter: { threshold: number; chosenThreshold: number | null; candidates: number; kept: number } | null;
}

/** What `window.__tabtune` offers. */
export interface TabtuneHook {
  version: 1;
  progress(): AppProgress;
  report(): Promise<AppReport>;
  /** Test hook: destroy the worker's GPU device mid-run to exercise recovery (EngineApi.simulateDeviceLoss). */
  simulateDeviceLoss(): Promise<void>;
}

export class RunRecorder {
  steps: StepInfo[] = [];
  evals: EvalInfo[] = [];
  baseline: EvalInfo | null = null;
  recovered: RecoveryInfo[] = [];
  dataStats: AppReport['dataStats'] = null;
  resumedFrom: number | null = null;
  startedAtMs: number | null = null;
  trainingAtMs: number | null = null;
  endedAtMs: number | null = null;
  rolebench: RoleBenchEvalInfo[] = [];
  s3ft: S3ftReport | null = null;

  /** A new run (Start pressed, or a resume). */
  reset(resumedFrom: number | null): void {
    this.steps = [];
    this.evals = [];
    this.baseline = null;
    this.recovered = [];
    this.dataStats = null;
    this.resumedFrom = resumedFrom;
    this.startedAtMs = performance.now();
    this.trainingAtMs = null;
    this.endedAtMs = null;
    this.rolebench = [];
    this.s3ft = null;
  }

  private s3ftReport(): S3ftReport {
    return (this.s3ft ??= { stages: {}, discriminatorBefore: null, discriminatorAfter: null, filter: null });
  }

  record(e: TrainEvent): void {
    switch (e.type) {
      case 'step':
        this.steps.push(e.step);
        break;
      case 'eval':
        this.evals.push(e.eval);
        break;
      case 'baseline':
        this.baseline = e.eval;
        break;
      case 'recovered':
        // The steps after the checkpoint are recomputed and reported again: keep only the new ones.
        this.steps = this.steps.filter((s) => s.step <= e.fromStep);
        this.evals = this.evals.filter((v) => v.step <= e.fromStep);
        this.recovered.push({ fromStep: e.fromStep, redone: e.redone, reason: e.reason });
        break;
      case 'data':
        this.dataStats = e;
        break;
      case 'state':
        if (e.state === 'training' && this.trainingAtMs === null) this.trainingAtMs = performance.now();
        if (e.state === 'done' || e.state === 'error') this.endedAtMs = performance.now();
        break;
      case 'rolebench':
        this.rolebench = [...this.rolebench.filter((x) => x.step < e.eval.step), e.eval];
        break;
      case 's3ft-stage':
        this.s3ftReport().stages[e.stage] = { state: e.state, message: e.message ?? null };
        break;
      case 'discriminator':
        this.s3ftReport()[e.when === 'before' ? 'discriminatorBefore' : 'discriminatorAfter'] = e.eval;
        break;
      case 's3ft-scores': {
        const { threshold, chosenThreshold, candidates } = e.scores;
        this.s3ftReport().filter = { threshold, chosenThreshold, candidates: candidates.length, kept: candidates.filter((c) => c.pExcellent >= threshold).length };
        break;
      }
      case 'checkpoint':
      case 'error':
      case 's3ft-step':
        break;
    }
  }

  lastEval(): Omit<EvalInfo, 'samples'> | null {
    const e = this.evals.at(-1);
    if (!e) return null;
    const { samples: _samples, ...rest } = e;
    return rest;
  }
}
