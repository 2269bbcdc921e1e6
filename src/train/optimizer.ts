// AdamW over the engine's trainable GPU buffers (LoRA A/B, soft prompt), with gradient-norm clipping
// done on the GPU: one batched sum-of-squares over every gradient tensor (sumsqMany: a dispatch per 7
// tensors and one final reduction) into a shared slot, then the update reads it. No read-back.
import type { Gpu } from '../gpu/gpu.ts';
import { adamw, sumsqMany, sumsqManyPlan, type AdamWHyper } from '../kernels/adamw/adamw.ts';
import type { Recorder } from '../engine/recorder.ts';

export interface Trainable {
  name: string;
  param: GPUBuffer;
  grad: GPUBuffer;
  size: number;
}

export interface OptimizerState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export class GpuAdamW {
  private m: GPUBuffer[];
  private v: GPUBuffer[];
  /** Squared global grad norm of the last step (slot 0). */
  readonly sq: GPUBuffer;
  /** Scratch of the batched norm's partial sums. */
  private readonly partials: GPUBuffer;
  step = 0;

  constructor(private readonly gpu: Gpu, private readonly params: Trainable[], public hyper: AdamWHyper, public maxGradNorm = 1) {
    this.m = params.map((p) => gpu.createBuffer(`${p.name}.adam_m`, p.size * 4));
    this.v = params.map((p) => gpu.createBuffer(`${p.name}.adam_v`, p.size * 4));
    this.sq = gpu.createBuffer('grad_sqnorm', 4);
    this.partials = gpu.createBuffer('grad_sqnorm.partials', sumsqManyPlan(params.map((p) => p.size)).partialFloats * 4);
  }

  /** Record the squared global norm of the gradients into `sq` (read it with gradNorm after submit). */
  recordNorm(rec: Recorder): void {
    this.gpu.write(this.sq, new Float32Array(1));
    rec.keep(sumsqMany(this.gpu, rec.pass, { xs: this.params.map((p) => ({ x: p.grad, n: p.size })), partials: this.partials, out: this.sq, slot: 0 }));
  }

  /**
   * Record one update with learning rate `lr`; grads are scaled by gradScale (e.g. 1/accumulation) and
   * clipped to maxGradNorm using the norm recordNorm left in `sq` (record that first, same or earlier pass).
   */
  recordUpdate(rec: Recorder, lr: number, gradScale: number): void {
    this.step += 1;
    this.params.forEach((p, i) => {
      rec.keep(adamw(this.gpu, rec.pass, { p: p.param, g: p.grad, m: this.m[i], v: this.v[i], n: p.size, t: this.step, hyper: { ...this.hyper, lr }, gradScale, sq: this.sq, maxNorm: this.maxGradNorm }));
    });
  }

  /** Global norm of the gradients scaled by gradScale, from the last recordNorm. */
  async gradNorm(gradScale: number): Promise<number> {
    return Math.sqrt((await this.gpu.readF32(this.sq, 1))[0]) * gradScale;
  }

  async state(): Promise<OptimizerState> {
    const m: Record<string, Float32Array> = {}, v: Record<string, Float32Array> = {};
    for (let i = 0; i < this.params.length; i++) {
      m[this.params[i].name] = await this.gpu.readF32(this.m[i], this.params[i].size);
      v[this.params[i].name] = await this.gpu.readF32(this.v[i], this.params[i].size);
    }
    return { step: this.step, m, v };
  }

  load(s: OptimizerState): void {
    this.step = s.step;
    this.params.forEach((p, i) => {
      const m = s.m[p.name], v = s.v[p.name];
      if (!m || !v || m.length !== p.size || v.length !== p.size) throw new Error(`optimizer state for ${p.name} is missing or has the wrong size`);
      this.gpu.write(this.m[i], m);
      this.gpu.write(this.v[i], v);
    });
  }

  dispose(): void {
    this.gpu.destroyAll([...this.m, ...this.v, this.sq, this.partials]);
  }
}
