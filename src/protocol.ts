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

export type BaseDtypeChoice = 'native' | 'f32' | 'int8' | 'int4';

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
  baseDtype: 'f32' | 'int8' | 'int4';
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
}

export interface TrainSettings {
  recipe: 'self-prompt' | 'sft';
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
  | { type: 'error'; name: string; message: string; advice: string | null };

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
}
