// The tfjs reference as a TrainBackend: the fallback engine where WebGPU is missing or slower (on a
// CPU, tfjs-wasm beats WGSL on SwiftShader several times over). Gradients come from tfjs autograd and
// are accumulated on the CPU; the AdamW update (with clipping) is the same maths as the GPU kernel,
// using its CPU reference, so both engines follow the same optimizer.
import type { Batch } from '../engine/model.ts';
import type { LoraParams } from '../engine/weights.ts';
import { softPromptName } from '../engine/config.ts';
import { adamw_cpu, clipFactor, sumsq_cpu, type AdamWHyper } from '../kernels/adamw/adamw.ref.ts';
import type { OptimizerState } from '../train/optimizer.ts';
import type { TrainBackend } from '../train/trainer.ts';
import { currentBackend } from './backend.ts';
import type { ReferenceModel } from './model.ts';


export class ReferenceTrainBackend implements TrainBackend {
  readonly name: string;
  /** Name of the soft prompt in the gradient / optimizer maps (the engine's trainable name). */
  private readonly soft: string | null;
  private grads = new Map<string, Float32Array>();
  private m = new Map<string, Float32Array>();
  private v = new Map<string, Float32Array>();
  private step = 0;
  /** Micro-batches since zeroGrads (part of the LoRA dropout key). */
  private micro = 0;

  constructor(readonly model: ReferenceModel, public hyper: AdamWHyper, public maxGradNorm: number) {
    this.name = `tfjs-${currentBackend()}`;
    for (const [path, p] of model.getLora()) {
      for (const [k, arr] of [['A', p.A], ['B', p.B]] as const) {
        const key = `${path}.lora_${k}`;
        this.grads.set(key, new Float32Array(arr.length));
        this.m.set(key, new Float32Array(arr.length));
        this.v.set(key, new Float32Array(arr.length));
      }
    }
    const sp = model.getSoftPrompt();
    this.soft = model.softPromptConfig ? softPromptName(model.softPromptConfig) : null;
    if (sp && this.soft) for (const map of [this.grads, this.m, this.v]) map.set(this.soft, new Float32Array(sp.length));
  }

  get trainableParameters(): number {
    let n = 0;
    for (const g of this.grads.values()) n += g.length;
    return n;
  }
  zeroGrads(): void {
    for (const g of this.grads.values()) g.fill(0);
    this.micro = 0;
  }
  async forwardBackward(batch: Batch): Promise<number> {
    // Dropout masks follow the optimizer step (restored on resume) and the micro-batch, as the engine's.
    const { loss, grads, softPrompt } = await this.model.lossAndGradsAsync(batch, { seed: this.model.dropoutSeed, step: this.step, micro: this.micro++ });
    if (softPrompt) {
      const acc = this.grads.get(this.soft!)!;
      for (let i = 0; i < softPrompt.length; i++) acc[i] += softPrompt[i];
    }
    for (const [path, g] of grads) {
      for (const [k, arr] of [['A', g.A], ['B', g.B]] as const) {
        const acc = this.grads.get(`${path}.lora_${k}`)!;
        for (let i = 0; i < arr.length; i++) acc[i] += arr[i];
      }
    }
    return loss;
  }
  async gradNorm(gradScale: number): Promise<number> {
    let sq = 0;
    for (const g of this.grads.values()) sq += sumsq_cpu(g);
    return Math.sqrt(sq) * gradScale;
  }
  async applyUpdate(lr: number, gradScale: number): Promise<void> {
    let sq = 0;
    for (const g of this.grads.values()) sq += sumsq_cpu(g);
    const scale = gradScale * clipFactor(sq, gradScale, this.maxGradNorm);
    this.step += 1;
    const params = this.model.getLora();
    for (const [path, p] of params) {
      adamw_cpu(p.A, this.grads.get(`${path}.lora_A`)!, this.m.get(`${path}.lora_A`)!, this.v.get(`${path}.lora_A`)!, this.step, { ...this.hyper, lr }, scale);
      adamw_cpu(p.B, this.grads.get(`${path}.lora_B`)!, this.m.get(`${path}.lora_B`)!, this.v.get(`${path}.lora_B`)!, this.step, { ...this.hyper, lr }, scale);
    }
    this.model.setLora(params);
    const sp = this.model.getSoftPrompt();
    if (sp) {
      const k = this.soft!;
      adamw_cpu(sp, this.grads.get(k)!, this.m.get(k)!, this.v.get(k)!, this.step, { ...this.hyper, lr }, scale);
      this.model.setSoftPrompt(sp);
    }
  }
  evalLoss(batch: Batch): Promise<number> {
    return this.model.lossAsync(batch);
  }
  async getLora(): Promise<LoraParams> {
    return this.model.getLora();
  }
  setLora(p: LoraParams): void {
    this.model.setLora(p);
  }
  async getSoftPrompt(): Promise<Float32Array | null> {
    return this.model.getSoftPrompt();
  }
  setSoftPrompt(v: Float32Array): void {
    this.model.setSoftPrompt(v);
  }
  async getOptimizerState(): Promise<OptimizerState> {
    const m: Record<string, Float32Array> = {}, v: Record<string, Float32Array> = {};
    for (const [k, a] of this.m) m[k] = a.slice();
    for (const [k, a] of this.v) v[k] = a.slice();
    return { step: this.step, m, v };
  }
  setOptimizerState(s: OptimizerState): void {
    this.step = s.step;
    for (const [k, a] of this.m) {
      const src = s.m[k], vsrc = s.v[k];
      if (!src || !vsrc || src.length !== a.length) throw new Error(`optimizer state for ${k} is missing or has the wrong size`);
      a.set(src);
      this.v.get(k)!.set(vsrc);
    }
  }
}
