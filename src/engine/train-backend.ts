// The WebGPU engine as a TrainBackend: GpuModel (forward/backward) + GpuAdamW (update), everything on
// the GPU; per step the CPU reads back only the loss and the gradient norm (the NaN guard needs it).
import type { Gpu } from '../gpu/gpu.ts';
import { GpuAdamW, type OptimizerState } from '../train/optimizer.ts';
import type { TrainBackend } from '../train/trainer.ts';
import type { AdamWHyper } from '../kernels/adamw/adamw.ts';
import type { Batch, GpuModel } from './model.ts';
import { Recorder } from './recorder.ts';
import type { LoraParams } from './weights.ts';

export class GpuTrainBackend implements TrainBackend {
  readonly name = 'webgpu';
  readonly optimizer: GpuAdamW;
  /** Micro-batches since zeroGrads (part of the LoRA dropout key). */
  private micro = 0;

  constructor(private readonly gpu: Gpu, readonly model: GpuModel, hyper: AdamWHyper, maxGradNorm: number) {
    this.optimizer = new GpuAdamW(gpu, model.trainables(), hyper, maxGradNorm);
  }

  get trainableParameters(): number {
    return this.model.trainableParameterCount;
  }
  zeroGrads(): void {
    this.model.zeroGrads();
    this.micro = 0;
  }
  /**
   * LoRA dropout masks are keyed by the optimizer's step count (restored from a checkpoint with the
   * optimizer state) and the micro-batch index, never by how many calls came before: a resumed run
   * draws the masks the uninterrupted run would have drawn.
   */
  forwardBackward(batch: Batch): Promise<number> {
    return this.model.forwardBackward(batch, { seed: this.model.opts.dropoutSeed ?? 0, step: this.optimizer.step, micro: this.micro++ });
  }
  async gradNorm(gradScale: number): Promise<number> {
    const rec = new Recorder(this.gpu, 'grad-norm');
    this.optimizer.recordNorm(rec);
    rec.submit();
    return this.optimizer.gradNorm(gradScale);
  }
  async applyUpdate(lr: number, gradScale: number): Promise<void> {
    const rec = new Recorder(this.gpu, 'adamw');
    this.optimizer.recordUpdate(rec, lr, gradScale);
    rec.submit();
  }
  evalLoss(batch: Batch): Promise<number> {
    return this.model.loss(batch);
  }
  getLora(): Promise<LoraParams> {
    return this.model.readLora();
  }
  setLora(p: LoraParams): void {
    this.model.writeLora(p);
  }
  getSoftPrompt(): Promise<Float32Array | null> {
    return this.model.readSoftPrompt();
  }
  setSoftPrompt(v: Float32Array): void {
    this.model.writeSoftPrompt(v);
  }
  getOptimizerState(): Promise<OptimizerState> {
    return this.optimizer.state();
  }
  setOptimizerState(s: OptimizerState): void {
    this.optimizer.load(s);
  }
  dispose(): void {
    this.optimizer.dispose();
  }
}
