// One linear layer of the frozen base with an optional LoRA adapter on a separate low-rank path:
//   forward   y = x·Wᵀ (+ b) + s·(x·Aᵀ)·Bᵀ            x [N,in], W [out,in], A [R,in], B [out,R], s = loraScale
//   backward  dB += s·dYᵀ·h        h = x·Aᵀ [N,R] (saved by the forward)
//             dh  = s·dY·B          [N,R]
//             dA += dhᵀ·x           [R,in]
//             dX (+)= dY·deq(W) + dh·A
// W is never rebuilt and never dequantized as a whole: int8/int4 weights are dequantized inside the
// qmatmul kernels. Parameter grads use += (accumulation over micro-batches); dX uses = or += as asked.
import type { Gpu } from '../gpu/gpu.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { qmatmulBackward, qmatmulForward, uploadQuantized, type GpuQuantized } from '../kernels/qmatmul/qmatmul.ts';
import { addBias } from '../kernels/elementwise/elementwise.ts';
import { quantize, type BaseDtype } from './quant.ts';
import type { Recorder } from './recorder.ts';

export interface LoraBuffers {
  A: GPUBuffer; // [R, in]
  B: GPUBuffer; // [out, R]
  dA: GPUBuffer; // [R, in]
  dB: GPUBuffer; // [out, R]
  rank: number;
  scale: number;
}

export class Linear {
  readonly dtype: BaseDtype;
  private readonly w: GPUBuffer | null; // f32 [out, in]
  private readonly q: GpuQuantized | null;
  readonly bias: GPUBuffer | null;
  lora: LoraBuffers | null = null;
  readonly baseBytes: number;

  constructor(
    private readonly gpu: Gpu,
    readonly name: string,
    readonly out: number,
    readonly inn: number,
    weight: Float32Array,
    bias: Float32Array | null,
    dtype: BaseDtype,
  ) {
    this.dtype = dtype;
    if (dtype === 'f32') {
      this.w = gpu.upload(`${name}.weight`, weight);
      this.q = null;
      this.baseBytes = weight.byteLength;
    } else {
      const qm = quantize(weight, out, inn, dtype);
      this.q = uploadQuantized(gpu, qm, name);
      this.w = null;
      this.baseBytes = qm.quants.byteLength + qm.scales.byteLength;
    }
    this.bias = bias ? gpu.upload(`${name}.bias`, bias) : null;
  }

  /** y [N,out] = x·Wᵀ (+ b) + LoRA path. `h` [N,R] receives x·Aᵀ when LoRA is attached. */
  forward(rec: Recorder, x: GPUBuffer, y: GPUBuffer, N: number, h: GPUBuffer | null): void {
    const { gpu } = this;
    if (this.q) rec.keep(qmatmulForward(gpu, rec.pass, { x, w: this.q, y, N }));
    else rec.keep(matmul(gpu, rec.pass, { A: x, B: this.w!, C: y, M: N, N: this.out, K: this.inn, transB: true }));
    if (this.bias) rec.keep(addBias(gpu, rec.pass, { y, bias: this.bias, N, M: this.out }));
    const l = this.lora;
    if (l && h) {
      rec.keep(matmul(gpu, rec.pass, { A: x, B: l.A, C: h, M: N, N: l.rank, K: this.inn, transB: true }));
      rec.keep(matmul(gpu, rec.pass, { A: h, B: l.B, C: y, M: N, N: this.out, K: l.rank, transB: true, accumulate: true, alpha: l.scale }));
    }
  }

  /**
   * dX (= or += when `accumulateDx`) from dY; LoRA grads accumulated into dA, dB.
   * `dh` is scratch [N,R]; `x` and `h` are the forward's input and saved x·Aᵀ.
   */
  backward(rec: Recorder, dy: GPUBuffer, x: GPUBuffer, h: GPUBuffer | null, dx: GPUBuffer, dh: GPUBuffer | null, N: number, accumulateDx: boolean): void {
    const { gpu } = this;
    if (this.q) rec.keep(qmatmulBackward(gpu, rec.pass, { dy, w: this.q, dx, N, accumulate: accumulateDx }));
    else rec.keep(matmul(gpu, rec.pass, { A: dy, B: this.w!, C: dx, M: N, N: this.inn, K: this.out, accumulate: accumulateDx }));
    const l = this.lora;
    if (l && h && dh) {
      // dB += s·dYᵀ·h : [out,N]·[N,R]
      rec.keep(matmul(gpu, rec.pass, { A: dy, B: h, C: l.dB, M: this.out, N: l.rank, K: N, transA: true, accumulate: true, alpha: l.scale }));
      // dh = s·dY·B : [N,out]·[out,R]
      rec.keep(matmul(gpu, rec.pass, { A: dy, B: l.B, C: dh, M: N, N: l.rank, K: this.out, alpha: l.scale }));
      // dA += dhᵀ·x : [R,N]·[N,in]
      rec.keep(matmul(gpu, rec.pass, { A: dh, B: x, C: l.dA, M: l.rank, N: this.inn, K: N, transA: true, accumulate: true }));
      // dX += dh·A : [N,R]·[R,in]
      rec.keep(matmul(gpu, rec.pass, { A: dh, B: l.A, C: dx, M: N, N: this.inn, K: l.rank, accumulate: true }));
    }
  }

  /** The dequantized/original base weight is not kept on the CPU; this is for merging exports later. */
  dispose(): void {
    const bufs = [this.w, this.bias, this.q?.quants, this.q?.scales, this.lora?.A, this.lora?.B, this.lora?.dA, this.lora?.dB];
    this.gpu.destroyAll(bufs.filter((b): b is GPUBuffer => !!b));
  }
}
