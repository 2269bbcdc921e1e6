// The one typed interface between the main thread (src/ui, src/main.ts) and the engine in the Web
// Worker (workers/engine.worker.ts). Both sides see only these types; Comlink carries the calls, and
// callbacks passed to the worker must be wrapped with Comlink.proxy(). Errors cross the boundary as
// Error objects: branch on `err.name`, never on message text.
import type { AdapterSummary } from './gpu/gpu.ts';

export type { AdapterSummary };

export interface GpuStatus {
  /** True when a WebGPU device was created. */
  available: boolean;
  adapter: AdapterSummary | null;
  /** CPU-emulated adapter (SwiftShader, lavapipe, fallback): WebGPU is slow there. */
  software: boolean;
  /** Why WebGPU is unavailable, when it is. */
  reason: string | null;
}

export interface MatmulSelfTest {
  M: number;
  N: number;
  K: number;
  /** Largest |GPU − CPU reference| over C. */
  maxAbsError: number;
  ok: boolean;
  /** Wall time of the GPU dispatch + readback. */
  ms: number;
}

/** What the user asked for; `auto` measures at start-up instead of assuming WebGPU is faster. */
export type EnginePreference = 'auto' | 'webgpu' | 'wasm' | 'cpu';

export interface EngineInfo {
  /** The engine in use: our WebGPU kernels, or the tfjs fallback on wasm/cpu. */
  name: 'webgpu' | 'wasm' | 'cpu';
  /** One sentence a user can read: why this engine (e.g. "measured: wasm 7.9× faster than WebGPU on this software adapter"). */
  why: string;
  /** True when this is the tfjs fallback (show the fallback notice). */
  fallback: boolean;
  /** Matmul GFLOP/s measured at start-up, when `auto` measured. */
  measured: { webgpu: number | null; wasm: number | null } | null;
}

/** How the frozen base's linear weights are stored; `native` = as the checkpoint stores them (F16/BF16 → f16, Q8_0 → int8, Q4_0/Q4_K → int4). */
export type BaseDtypeChoice = 'native' | 'f32' | 'f16' | 'int8' | 'int4';

export type ModelSource =
  | { kind: 'default' }
  | { kind: 'hub'; id: string; revision?: string }
  | { kind: 'url'; url: string }
  /** Local files picked or dropped: an HF folder's files, or one .gguf. */
  | { kind: 'files'; files: File[] };

export interface ProgressEvent {
  /** Current file, e.g. "model.safetensors". */
  file: string;
  loaded: number;
  total: number | null;
  /** 'download' | 'read' (local or cache) | 'upload' (to the GPU) | 'done' */
  phase: 'download' | 'read' | 'upload' | 'done';
}

export interface ModelInfo {
  name: string;
  modelType: string;
  parameters: number;
  layers: number;
  hidden: number;
  vocab: number;
  baseDtype: 'f32' | 'f16' | 'int8' | 'int4';
  /** Bytes of the frozen base on the GPU (or in tfjs for the fallback engine). */
  baseBytes: number;
  hasTokenizer: boolean;
  hasChatTemplate: boolean;
}

export type DataSource = { kind: 'default' } | { kind: 'url'; url: string } | { kind: 'file'; file: File };

export interface DataInfo {
  file: string;
  format: string;
  layout: string;
  /** Source field names used: question / role prompt / answer / system. */
  mapping: Record<string, string | undefined>;
  total: number;
  kept: number;
  rejected: number;
  /** First rejections with line numbers and reasons. */
  rejections: { line: number; reason: string; message: string }[];
  withRolePrompt: number;
  /** First few normalized records, for the preview table (render as text). */
  preview: { question: string; rolePrompt: string | null; answer: string }[];
  heldOut: number;
  /** Set when the data was read for a recipe with its own layout (loadRoleBench, loadS3ft). */
  recipe?: 'rolebench' | 's3ft';
  /** Headers of the preview's three columns when they are not question / role prompt / answer. */
  columns?: [string, string, string];
  /** Recipe-specific lines for the data view (roles and categories, labels, the second file). */
  details?: string[];
}

/** The app's recipes: `rolebench` trains like `sft` on RoleBench records; `s3ft` is the three-stage pipeline (runS3ft). */
export type AppRecipe = 'self-prompt' | 'sft' | 'rolebench' | 's3ft';

export interface TrainSettings {
  recipe: AppRecipe;
  targets: string[];
  rank: number;
  alpha: number;
  dropout: number;
  lr: number;
  warmupRatio: number;
  steps: number;
  batchSize: number;
  gradAccum: number;
  seqLen: number;
  evalEvery: number;
  seed: number;
  separator: string;
  /** Held-out questions generated at each evaluation (default 4). */
  evalSamples?: number;
  /** Longest generated sample at evaluations (default 48 tokens). */
  maxNewTokens?: number;
  /** What trains (default 'lora'): LoRA, or prompt / prefix tuning of `virtualTokens` virtual tokens (default 20). */
  method?: 'lora' | 'prompt' | 'prefix';
  virtualTokens?: number;
}

export interface MemoryEstimate {
  baseBytes: number;
  loraBytes: number;
  activationBytes: number;
  totalBytes: number;
  /** The device's limit the largest buffer is checked against. */
  limitBytes: number | null;
  fits: boolean;
  /** What to shrink when it doesn't fit. */
  advice: string | null;
}

export type RunState = 'idle' | 'loading' | 'training' | 'paused' | 'done' | 'error';

export interface StepInfo {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

export interface SampleInfo {
  question: string;
  rolePrompt: string | null;
  answer: string;
  text: string;
  referenceRolePrompt: string | null;
  referenceAnswer: string;
}

export interface EvalInfo {
  step: number;
  valLoss: number | null;
  rolePromptRate: number;
  rougeRolePrompt: number | null;
  rougeAnswer: number;
  samples: SampleInfo[];
}

export type TrainEvent =
  | { type: 'state'; state: RunState; message?: string }
  | { type: 'data'; train: number; val: number; tokens: number; lossFraction: number; truncated: number; skipped: number }
  | { type: 'step'; step: StepInfo }
  | { type: 'eval'; eval: EvalInfo }
  /** Base-model samples for the same questions (once, before training), for base-vs-tuned. */
  | { type: 'baseline'; eval: EvalInfo }
  | { type: 'checkpoint'; step: number }
  /** The GPU device was lost and the run continued from a checkpoint; `redone` steps are recomputed. */
  | { type: 'recovered'; fromStep: number; redone: number; reason: string }
  | { type: 'error'; name: string; message: string; advice: string | null }
  /** RoleBench: ROUGE-L of the evaluation's samples (generated under each record's role prompt). */
  | { type: 'rolebench'; eval: RoleBenchEvalInfo }
  /** S3FT pipeline (runS3ft): a stage starts or ends. */
  | { type: 's3ft-stage'; stage: S3ftStage; state: 'running' | 'done'; message?: string }
  /** S3FT stage A's training steps (stage C's are ordinary 'step' events). */
  | { type: 's3ft-step'; stage: 'discriminator'; step: StepInfo }
  /** S3FT stage A: the discriminator on the held-out labelled records, before and after training. */
  | { type: 'discriminator'; when: 'before' | 'after'; eval: DiscriminatorInfo }
  /** S3FT stage B: every candidate's P(excellent) and the threshold in use. */
  | { type: 's3ft-scores'; scores: S3ftScoresInfo };

export interface SavedRun {
  id: string;
  createdAt: string;
  model: string;
  data: string;
  step: number;
  totalSteps: number;
  state: RunState;
}

export interface EngineApi {
  /** Create (once) and describe the worker's WebGPU device. Never throws: reports why instead. */
  gpuStatus(): Promise<GpuStatus>;
  /** Run the tiled matmul kernel against its CPU reference on seeded random inputs. */
  matmulSelfTest(M: number, N: number, K: number, seed: number): Promise<MatmulSelfTest>;
  /** Pick the training engine; `auto` runs a short matmul measurement of WebGPU vs tfjs-wasm. */
  selectEngine(pref: EnginePreference): Promise<EngineInfo>;
  /** Load a model (progress per file); replaces any loaded model. */
  loadModel(src: ModelSource, baseDtype: BaseDtypeChoice, onProgress: (p: ProgressEvent) => void): Promise<ModelInfo>;
  /** Read a dataset (JSON, JSONL, CSV) and report statistics and rejected records. */
  loadData(src: DataSource): Promise<DataInfo>;
  /** Memory a training config needs, before training. */
  estimateMemory(s: TrainSettings): Promise<MemoryEstimate>;
  /** Start training; events stream through onEvent until state done/error. Resolves when started. */
  startTraining(s: TrainSettings, onEvent: (e: TrainEvent) => void, resumeRunId?: string): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** Answer a question, streaming tokens; useAdapter false = the base model. */
  generate(question: string, opts: { useAdapter: boolean; maxNewTokens: number }, onToken: (text: string) => void): Promise<SampleInfo>;
  /** The trained adapter as a PEFT zip (adapter_config.json, adapter_model.safetensors, tabtune.json). */
  exportAdapter(): Promise<{ fileName: string; bytes: Uint8Array }>;
  /** Runs kept in OPFS (an interrupted one can be resumed with startTraining(…, runId)). */
  listRuns(): Promise<SavedRun[]>;
  /** Test hook: destroy the GPU device mid-run to exercise recovery. */
  simulateDeviceLoss(): Promise<void>;
  /**
   * RoleBench records (JSONL) and their profiles (desc.json, role → description); `default` = the bundled
   * samples. `systemTemplate` ({role}, {desc}) defaults to the RoleBench harness's. Train with recipe
   * `rolebench` (startTraining): each evaluation is followed by a 'rolebench' event.
   */
  loadRoleBench(src: DataSource, profiles: DataSource, o?: { systemTemplate?: string }): Promise<DataInfo>;
  /** S3FT candidates (unlabelled) and labelled records; `default` = the bundled samples. */
  loadS3ft(candidates: DataSource, labelled: DataSource): Promise<DataInfo>;
  /**
   * The S3FT pipeline on the data of loadS3ft: A discriminator (LoRA on the labelled records, measured on the
   * held-out ones), B filter (P(excellent) of every candidate), C SFT on the kept records. `from: 'sft'`
   * reruns stage C only, on the last stage B scores. Events as startTraining's plus the S3FT ones; resolves
   * when started.
   */
  runS3ft(s: TrainSettings, o: S3ftRunOptions, onEvent: (e: TrainEvent) => void): Promise<void>;
}

// --- recipes: RoleBench and S3FT ---------------------------------------------------------------------

export interface RougeGroupInfo {
  /** Samples in the group. */
  n: number;
  /** Mean ROUGE-L F; null without samples. */
  rougeL: number | null;
}

/** ROUGE-L at one evaluation (src/train/rolebench-eval.ts): CUS (general), SPE (role-specific), RAW, per role. */
export interface RoleBenchEvalInfo {
  step: number;
  overall: RougeGroupInfo;
  cus: RougeGroupInfo;
  spe: RougeGroupInfo;
  raw: RougeGroupInfo;
  rawNote: string | null;
  perRole: Record<string, { overall: RougeGroupInfo; cus: RougeGroupInfo; spe: RougeGroupInfo }>;
}

export type S3ftStage = 'discriminator' | 'filter' | 'sft';

export interface S3ftRunOptions {
  /** Keep candidates with P(excellent) ≥ this; default the threshold chosen on the held-out labelled records. */
  threshold?: number | null;
  /** 'discriminator' (default): all three stages; 'sft': stage C only, on the last stage B scores. */
  from?: 'discriminator' | 'sft';
}

/** Excellent vs not at a threshold (src/train/s3ft.ts BinaryMetrics). */
export interface BinaryMetricsInfo {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
}

export interface DiscriminatorInfo {
  /** Training step of the discriminator (0 = before training). */
  step: number;
  /** Held-out labelled records scored. */
  n: number;
  accuracy: number;
  meanTrueProb: number;
  labels: string[];
  /** confusion[true][predicted], in `labels` order. */
  confusion: number[][];
  scoring: 'first-token' | 'sequence';
  /** After training: the threshold chosen on these records (F1 of excellent vs not), with its metrics. */
  chosen: BinaryMetricsInfo | null;
}

export interface S3ftCandidateInfo {
  id: string;
  line: number;
  system: string;
  /** Earlier exchanges kept after fitting the sequence length. */
  history: number;
  prompt: string;
  response: string;
  pExcellent: number;
  predicted: string;
}

export interface S3ftScoresInfo {
  scoring: 'first-token' | 'sequence';
  /** The threshold stage C uses (the chosen one unless S3ftRunOptions.threshold was given). */
  threshold: number;
  /** Chosen on the held-out labelled records; null when none fit. */
  chosenThreshold: number | null;
  candidates: S3ftCandidateInfo[];
  /** Candidates that do not fit the sequence length even without history. */
  skipped: number;
}
