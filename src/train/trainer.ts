// The training loop, independent of where the maths runs: a TrainBackend (our WebGPU engine, or the
// tfjs reference as the fallback engine) does forward/backward/update; the Trainer owns the schedule,
// gradient accumulation, data order, evaluation cadence, NaN guard, pause/stop and checkpoints.
// Deterministic given (data, config, seed): resuming from a checkpoint continues the same trajectory.
import type { Batch } from '../engine/model.ts';
import type { LoraParams } from '../engine/weights.ts';
import type { OptimizerState } from './optimizer.ts';
import { Rng } from '../engine/rng.ts';
import { type Batch as DataBatch, type Example, makeBatches } from '../data/template.ts';
import { lrAt } from './schedule.ts';

export interface TrainBackend {
  /** 'webgpu' (our kernels) or 'tfjs-<backend>' (fallback). */
  readonly name: string;
  readonly trainableParameters: number;
  zeroGrads(): void;
  /** Forward + backward of one micro-batch; ADDS to the gradients; returns its masked-mean loss. */
  forwardBackward(batch: Batch): Promise<number>;
  /** Global gradient norm (grads × gradScale), before clipping. */
  gradNorm(gradScale: number): Promise<number>;
  /** AdamW update with clipping; `step` is the 1-based optimizer step. */
  applyUpdate(lr: number, gradScale: number): Promise<void>;
  evalLoss(batch: Batch): Promise<number>;
  getLora(): Promise<LoraParams>;
  setLora(p: LoraParams): void;
  /** The soft prompt's values (prompt / prefix tuning; layouts in engine/config.ts), null without one. */
  getSoftPrompt(): Promise<Float32Array | null>;
  setSoftPrompt(v: Float32Array): void;
  getOptimizerState(): Promise<OptimizerState>;
  setOptimizerState(s: OptimizerState): void;
}

export interface TrainConfig {
  steps: number;
  batchSize: number;
  gradAccum: number;
  lr: number;
  warmupSteps: number;
  minLrRatio: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
  buckets: number[];
  padId: number;
}

export interface StepEvent {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Trained (loss-bearing) tokens in this step, over all micro-batches. */
  tokens: number;
  tokensPerSecond: number;
  elapsedMs: number;
}

export interface Checkpoint {
  step: number;
  /** Position in the data order: epoch, and index of the next batch within it. */
  epoch: number;
  batchIndex: number;
  lora: LoraParams;
  /** Prompt / prefix tuning values (absent with LoRA). */
  softPrompt?: Float32Array;
  optimizer: OptimizerState;
  history: StepEvent[];
}

/** The data layer's batch in the engine's naming. */
export function toEngineBatch(b: DataBatch): Batch {
  return { tokens: b.inputs, targets: b.targets, lossMask: b.mask, B: b.size, T: b.seqLen };
}

export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

export interface TrainHooks {
  onStep?(e: StepEvent): void;
  /** Called every evalEvery steps (and at the end); may compute val loss and samples. */
  onEval?(step: number): Promise<void>;
  onCheckpoint?(c: Checkpoint): Promise<void>;
  /** Called once the loop has actually paused (after the step under way and the pause checkpoint). */
  onPause?(step: number): void;
}

export class Trainer {
  private stopRequested = false;
  private pauseRequested = false;
  private resumeWaiter: (() => void) | null = null;
  step = 0;
  private epoch = 0;
  private batchIndex = 0;
  private order: DataBatch[];
  readonly history: StepEvent[] = [];
  private lastGood: Checkpoint | null = null;

  constructor(private readonly backend: TrainBackend, private readonly train: Example[], readonly cfg: TrainConfig, private readonly hooks: TrainHooks = {}) {
    if (train.length === 0) throw new Error('no training examples');
    this.order = this.epochOrder(0);
  }

  /** The batches of epoch `e`: deterministic given (examples, buckets, batch size, seed, e). */
  private epochOrder(e: number): DataBatch[] {
    return makeBatches(this.train, { batchSize: this.cfg.batchSize, buckets: this.cfg.buckets, padId: this.cfg.padId, rng: new Rng((this.cfg.seed * 1_000_003 + e * 7919) >>> 0) });
  }

  /** Continue from a checkpoint (same data and config ⇒ same trajectory as an uninterrupted run). */
  resume(c: Checkpoint): void {
    this.backend.setLora(c.lora);
    if (c.softPrompt) this.backend.setSoftPrompt(c.softPrompt);
    this.backend.setOptimizerState(c.optimizer);
    this.step = c.step;
    this.epoch = c.epoch;
    this.batchIndex = c.batchIndex;
    this.order = this.epochOrder(this.epoch);
    this.history.splice(0, this.history.length, ...c.history);
    this.lastGood = c;
  }

  async checkpoint(): Promise<Checkpoint> {
    const softPrompt = await this.backend.getSoftPrompt();
    return {
      step: this.step, epoch: this.epoch, batchIndex: this.batchIndex,
      lora: await this.backend.getLora(), ...(softPrompt ? { softPrompt } : {}), optimizer: await this.backend.getOptimizerState(), history: [...this.history],
    };
  }

  /** The last checkpoint known to be finite (kept when a NaN stops the run). */
  get lastGoodCheckpoint(): Checkpoint | null {
    return this.lastGood;
  }

  stop(): void {
    this.stopRequested = true;
    this.resumeWaiter?.();
  }
  pause(): void {
    this.pauseRequested = true;
  }
  resumeRun(): void {
    this.pauseRequested = false;
    this.resumeWaiter?.();
  }

  private nextBatch(): { batch: Batch; tokens: number } {
    if (this.batchIndex >= this.order.length) {
      this.epoch += 1;
      this.batchIndex = 0;
      this.order = this.epochOrder(this.epoch);
    }
    const b = this.order[this.batchIndex++];
    let tokens = 0;
    for (const m of b.mask) tokens += m;
    return { batch: toEngineBatch(b), tokens };
  }

  private async save(): Promise<void> {
    const c = await this.checkpoint();
    this.lastGood = c;
    await this.hooks.onCheckpoint?.(c);
  }

  /** Train until cfg.steps (or stop). Throws NonFiniteError on a NaN/Inf loss or gradient. */
  async run(): Promise<StepEvent[]> {
    const { cfg, backend } = this;
    const schedule = { lr: cfg.lr, warmupSteps: cfg.warmupSteps, totalSteps: cfg.steps, minLrRatio: cfg.minLrRatio };
    if (!this.lastGood) this.lastGood = await this.checkpoint();
    const t0 = performance.now();
    while (this.step < cfg.steps && !this.stopRequested) {
      if (this.pauseRequested) {
        await this.save();
        if (this.pauseRequested && !this.stopRequested) {
          // The waiter exists before onPause runs, so a resume or stop from inside it is not lost.
          const resumed = new Promise<void>((r) => (this.resumeWaiter = r));
          this.hooks.onPause?.(this.step);
          await resumed;
        }
        this.resumeWaiter = null;
        continue;
      }
      const ts = performance.now();
      backend.zeroGrads();
      let loss = 0, tokens = 0;
      for (let a = 0; a < cfg.gradAccum; a++) {
        const { batch, tokens: n } = this.nextBatch();
        loss += (await backend.forwardBackward(batch)) / cfg.gradAccum;
        tokens += n;
      }
      const step = this.step + 1;
      const gradScale = 1 / cfg.gradAccum;
      const gradNorm = await backend.gradNorm(gradScale);
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        throw new NonFiniteError(`step ${step}: ${!Number.isFinite(loss) ? `loss is ${loss}` : `gradient norm is ${gradNorm}`}; stopped, keeping the checkpoint of step ${this.lastGood?.step ?? 0}`);
      }
      const lr = lrAt(schedule, step);
      await backend.applyUpdate(lr, gradScale);
      this.step = step;
      const ms = performance.now() - ts;
      const e: StepEvent = { step, epoch: this.epoch, loss, lr, gradNorm, tokens, tokensPerSecond: (tokens * 1000) / Math.max(ms, 1e-3), elapsedMs: performance.now() - t0 };
      this.history.push(e);
      this.hooks.onStep?.(e);
      if (cfg.evalEvery > 0 && (step % cfg.evalEvery === 0 || step === cfg.steps)) await this.hooks.onEval?.(step);
      if (cfg.checkpointEvery > 0 && (step % cfg.checkpointEvery === 0 || step === cfg.steps)) await this.save();
    }
    return this.history;
  }
}
