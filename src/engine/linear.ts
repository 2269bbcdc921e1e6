// One linear layer of the frozen base with an optional LoRA adapter on a separate low-rank path:
//   forward   xd = dropout(x)  (training only, when LoRA dropout p > 0; else xd = x)
//             y  = x·Wᵀ (+ b) + s·(xd·Aᵀ)·Bᵀ      x [N,in], W [out,in], A [R,in], B [out,R], s = loraScale
//   backward  dB += s·dYᵀ·h        h = xd·Aᵀ [N,R] (saved by the forward)
//             dh  = s·dY·B          [N,R]
//             dA += dhᵀ·xd          [R,in]
//             dX (+)= dY·deq(W) + mask ⊙ (dh·A)
// The dropout mask is never stored: kernels/dropout recomputes it from its hash stream (engine/dropout.ts)
// in the backward, into the same scratch xd [N,in] the forward used.
//
// W is never rebuilt and never dequantized as a whole: f16/int8/int4 weights are dequantized inside the
// qmatmul kernels. W arrives as f32 or already quantized (the loaders quantize while streaming); a W
// already in the requested dtype is uploaded as is, any other is converted here (quant.ts toBaseDtype).
// A W larger than the device's storage binding limit is held as row chunks W_c (see split.ts): the
// forward computes each chunk's y_c [N, rows_c] into a scratch buffer and copies it into y's columns;
// the backward copies dY's columns out and accumulates dY_c·W_c into dX. The embedding
// table and the LM head are Linear objects too (f32, no bias, no LoRA), so they split the same way.
// Parameter grads use += (accumulation over micro-batches); dX uses = or += as asked.
import type { Gpu } from '../gpu/gpu.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { qmatmulBackward, qmatmulForward, uploadQuantized, type GpuQuantized } from '../kernels/qmatmul/qmatmul.ts';
import { addBias, copyCols } from '../kernels/elementwise/elementwise.ts';
import { dropout } from '../kernels/dropout/dropout.ts';
import { bytesPerRow, sliceRows, toBaseDtype, type BaseDtype, type QuantizedMatrix } from './quant.ts';
import type { Recorder } from './recorder.ts';
import { PlanError, planRowChunks } from './split.ts';

export interface LoraBuffers {
  A: GPUBuffer; // [R, in]
  B: GPUBuffer; // [out, R]
  dA: GPUBuffer; // [R, in]
  dB: GPUBuffer; // [out, R]
  rank: number;
  scale: number;
}

/** LoRA dropout of one call: the mask's hash stream, p, and scratch xd [N, in]. */
export interface LinearDropout {
  stream: number;
  p: number;
  xd: GPUBuffer;
}

export interface LinearCallOpts {
  /** [N, maxChunkRows] scratch, required when the weight is split into more than one chunk. */
  scratch?: GPUBuffer | null;
  /** LoRA dropout (training); absent or null: none. */
  dropout?: LinearDropout | null;
}

/** Rows r0 .. r0+rows−1 of W in one buffer: f32 [rows, in] (w) or quantized (q). */
interface WeightChunk {
  r0: number;
  rows: number;
  w: GPUBuffer | null;
  q: GpuQuantized | null;
}

export class Linear {
  readonly dtype: BaseDtype;
  /** W by row chunks, in order (one chunk when W fits one binding). */
  private readonly chunks: WeightChunk[];
  readonly bias: GPUBuffer | null;
  lora: LoraBuffers | null = null;
  readonly baseBytes: number;

  /** `maxBindingBytes`: the storage binding limit the chunks must fit (default: the device's). */
  constructor(
    private readonly gpu: Gpu,
    readonly name: string,
    readonly out: number,
    readonly inn: number,
    weight: Float32Array | QuantizedMatrix,
    bias: Float32Array | null,
    dtype: BaseDtype,
    maxBindingBytes = gpu.device.limits.maxStorageBufferBindingSize,
  ) {
    this.dtype = dtype;
    const plan = planRowChunks(`${name}.weight`, out, bytesPerRow(dtype, inn), maxBindingBytes);
    const stored = toBaseDtype(weight, out, inn, dtype);
    const label = (i: number) => (plan.length === 1 ? name : `${name}.rows${i}`);
    this.chunks = plan.map(({ r0, rows }, i) => (stored instanceof Float32Array
      ? { r0, rows, w: this.gpu.upload(`${label(i)}.weight`, stored.subarray(r0 * inn, (r0 + rows) * inn)), q: null }
      : { r0, rows, w: null, q: uploadQuantized(this.gpu, sliceRows(stored, r0, rows), label(i)) }));
    this.baseBytes = stored instanceof Float32Array ? stored.byteLength : stored.quants.byteLength + stored.scales.byteLength;
    this.bias = bias ? gpu.upload(`${name}.bias`, bias) : null;
  }

  /** True when W is held in more than one buffer (calls then need `scratch`). */
  get isSplit(): boolean {
    return this.chunks.length > 1;
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  /** Rows of the largest chunk (the scratch a split call needs is [N, maxChunkRows]). */
  get maxChunkRows(): number {
    return Math.max(...this.chunks.map((c) => c.rows));
  }

  /** The f32 chunks of W, { r0, rows, buf [rows, in] } (the embedding gather reads the table this way). */
  f32Chunks(): { r0: number; rows: number; buf: GPUBuffer }[] {
    return this.chunks.map((c) => {
      if (!c.w) throw new PlanError(`${this.name} is stored ${this.dtype}, not f32`);
      return { r0: c.r0, rows: c.rows, buf: c.w };
    });
  }

  /** y_c [N, rows_c] = x·W_cᵀ */
  private chunkForward(rec: Recorder, c: WeightChunk, x: GPUBuffer, yc: GPUBuffer, N: number): void {
    if (c.q) rec.keep(qmatmulForward(this.gpu, rec.pass, { x, w: c.q, y: yc, N }));
    else rec.keep(matmul(this.gpu, rec.pass, { A: x, B: c.w!, C: yc, M: N, N: c.rows, K: this.inn, transB: true }));
  }

  /** dx (+)= dy_c·W_c : [N, rows_c]·[rows_c, in] */
  private chunkBackward(rec: Recorder, c: WeightChunk, dyc: GPUBuffer, dx: GPUBuffer, N: number, accumulate: boolean): void {
    if (c.q) rec.keep(qmatmulBackward(this.gpu, rec.pass, { dy: dyc, w: c.q, dx, N, accumulate }));
    else rec.keep(matmul(this.gpu, rec.pass, { A: dyc, B: c.w!, C: dx, M: N, N: this.inn, K: c.rows, accumulate }));
  }

  private scratchFor(o: LinearCallOpts, N: number): GPUBuffer {
    const s = o.scratch;
    if (!s || s.size < N * this.maxChunkRows * 4) throw new PlanError(`${this.name} is split into ${this.chunks.length} row chunks and needs a scratch buffer of ${N}×${this.maxChunkRows} floats`);
    return s;
  }

  /** y [N,out] = x·Wᵀ (+ b) + LoRA path. `h` [N,R] receives xd·Aᵀ when LoRA is attached. */
  forward(rec: Recorder, x: GPUBuffer, y: GPUBuffer, N: number, h: GPUBuffer | null, o: LinearCallOpts = {}): void {
    const { gpu } = this;
    if (!this.isSplit) this.chunkForward(rec, this.chunks[0], x, y, N);
    else {
      const s = this.scratchFor(o, N);
      for (const c of this.chunks) {
        this.chunkForward(rec, c, x, s, N);
        rec.keep(copyCols(gpu, rec.pass, { src: s, dst: y, rows: N, cols: c.rows, srcLd: c.rows, srcCol: 0, dstLd: this.out, dstCol: c.r0 }));
      }
    }
    if (this.bias) rec.keep(addBias(gpu, rec.pass, { y, bias: this.bias, N, M: this.out }));
    const l = this.lora;
    if (l && h) {
      const d = o.dropout;
      if (d) rec.keep(dropout(gpu, rec.pass, { x, y: d.xd, count: N * this.inn, stream: d.stream, p: d.p }));
      const xd = d ? d.xd : x;
      rec.keep(matmul(gpu, rec.pass, { A: xd, B: l.A, C: h, M: N, N: l.rank, K: this.inn, transB: true }));
      rec.keep(matmul(gpu, rec.pass, { A: h, B: l.B, C: y, M: N, N: this.out, K: l.rank, transB: true, accumulate: true, alpha: l.scale }));
    }
  }

  /**
   * dX (= or += when `accumulateDx`) from dY; LoRA grads accumulated into dA, dB.
   * `dh` is scratch [N,R]; `x` and `h` are the forward's input and saved xd·Aᵀ; `o.dropout` must be the
   * forward's (same stream, same p).
   */
  backward(rec: Recorder, dy: GPUBuffer, x: GPUBuffer, h: GPUBuffer | null, dx: GPUBuffer, dh: GPUBuffer | null, N: number, accumulateDx: boolean, o: LinearCallOpts = {}): void {
    const { gpu } = this;
    if (!this.isSplit) this.chunkBackward(rec, this.chunks[0], dy, dx, N, accumulateDx);
    else {
      const s = this.scratchFor(o, N);
      this.chunks.forEach((c, i) => {
        rec.keep(copyCols(gpu, rec.pass, { src: dy, dst: s, rows: N, cols: c.rows, srcLd: this.out, srcCol: c.r0, dstLd: c.rows, dstCol: 0 }));
        this.chunkBackward(rec, c, s, dx, N, accumulateDx || i > 0);
      });
    }
    const l = this.lora;
    if (l && h && dh) {
      const d = o.dropout;
      // dB += s·dYᵀ·h : [out,N]·[N,R]
      rec.keep(matmul(gpu, rec.pass, { A: dy, B: h, C: l.dB, M: this.out, N: l.rank, K: N, transA: true, accumulate: true, alpha: l.scale }));
      // dh = s·dY·B : [N,out]·[out,R]
      rec.keep(matmul(gpu, rec.pass, { A: dy, B: l.B, C: dh, M: N, N: l.rank, K: this.out, alpha: l.scale }));
      if (!d) {
        // dA += dhᵀ·x : [R,N]·[N,in]
        rec.keep(matmul(gpu, rec.pass, { A: dh, B: x, C: l.dA, M: l.rank, N: this.inn, K: N, transA: true, accumulate: true }));
        // dX += dh·A : [N,R]·[R,in]
        rec.keep(matmul(gpu, rec.pass, { A: dh, B: l.A, C: dx, M: N, N: this.inn, K: l.rank, accumulate: true }));
      } else {
        // xd = mask ⊙ x again (the same hash stream), then dA += dhᵀ·xd
        rec.keep(dropout(gpu, rec.pass, { x, y: d.xd, count: N * this.inn, stream: d.stream, p: d.p }));
        rec.keep(matmul(gpu, rec.pass, { A: dh, B: d.xd, C: l.dA, M: l.rank, N: this.inn, K: N, transA: true, accumulate: true }));
        // dX += mask ⊙ (dh·A), with dh·A [N,in] staged in the same scratch
        rec.keep(matmul(gpu, rec.pass, { A: dh, B: l.A, C: d.xd, M: N, N: this.inn, K: l.rank }));
        rec.keep(dropout(gpu, rec.pass, { x: d.xd, y: dx, count: N * this.inn, stream: d.stream, p: d.p, accumulate: true }));
      }
    }
  }

  dispose(): void {
    const bufs = [...this.chunks.flatMap((c) => [c.w, c.q?.quants, c.q?.scales]), this.bias, this.lora?.A, this.lora?.B, this.lora?.dA, this.lora?.dB];
    this.gpu.destroyAll(bufs.filter((b): b is GPUBuffer => !!b));
  }
}
