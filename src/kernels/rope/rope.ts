// Dispatch for kernels/rope (thread mapping in rope.wgsl). Forward rotates q or k in place by
// +θ; the backward rotates their gradients in place by −θ (same shader, sign = −1). One dispatch per
// tensor: call it for q (numHeads = H) and for k (numHeads = KV).
import { Gpu } from '../../gpu/gpu.ts';
import { checkBuffer, checkSizes, grid1d } from '../elementwise/grid.ts';
import code from './rope.wgsl?raw';

export type RopeLayout = 'half' | 'interleaved';

interface RopeShape {
  /** [D/2] f32 inverse frequencies: Float32Array.from(ropeInvFreq(cfg)). */
  invFreq: GPUBuffer;
  /** Rows N = B·T. */
  N: number;
  /** Sequence length: row n is at position posOffset + n % T. */
  T: number;
  /** H for q, KV for k. */
  numHeads: number;
  /** Head dim, even. */
  D: number;
  /** Position of t = 0 (e.g. the KV-cache length when generating); default 0. */
  posOffset?: number;
  /** 'half' = HF rotate_half (pairs i, i+D/2); 'interleaved' = pairs (2i, 2i+1). */
  layout: RopeLayout;
}

export interface RopeArgs extends RopeShape {
  /** [N, numHeads·D], rotated in place. */
  x: GPUBuffer;
}

export interface RopeBackwardArgs extends RopeShape {
  /** [N, numHeads·D]: on entry the gradient w.r.t. the rotated tensor, on exit w.r.t. its input. */
  dx: GPUBuffer;
}

export function rope(gpu: Gpu, pass: GPUComputePassEncoder, a: RopeArgs): GPUBuffer[] {
  return dispatch(gpu, pass, 'rope', a.x, a, 1);
}

export function ropeBackward(gpu: Gpu, pass: GPUComputePassEncoder, a: RopeBackwardArgs): GPUBuffer[] {
  return dispatch(gpu, pass, 'ropeBackward', a.dx, a, -1);
}

function dispatch(gpu: Gpu, pass: GPUComputePassEncoder, op: string, x: GPUBuffer, a: RopeShape, sign: 1 | -1): GPUBuffer[] {
  const posOffset = a.posOffset ?? 0;
  checkSizes(op, { N: a.N, T: a.T, numHeads: a.numHeads, D: a.D, posOffset });
  if (a.D === 0 || a.D % 2 !== 0) throw new RangeError(`${op}: D must be even and positive, got ${a.D}`);
  if (a.T === 0 || a.N % a.T !== 0) throw new RangeError(`${op}: N (${a.N}) must be a multiple of T (${a.T})`);
  checkBuffer(op, 'x', x, a.N * a.numHeads * a.D);
  checkBuffer(op, 'invFreq', a.invFreq, a.D / 2);
  const pipeline = gpu.pipeline('rope', code);
  const params = gpu.uniform(`${op}.params`, [a.N, a.T, a.numHeads, a.D, posOffset, a.layout === 'interleaved' ? 1 : 0, { f: sign }]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [x, a.invFreq, params]), ...grid1d((a.N * a.numHeads * a.D) / 2, 256));
  return [params];
}
