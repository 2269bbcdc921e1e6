// Dispatch for kernels/rmsnorm (thread mapping in rmsnorm.wgsl / rmsnorm.backward.wgsl).
// Forward and backward take the same arguments; the backward adds the d-prefixed gradients.
// Each records one dispatch into `pass` and returns the uniform params buffers it created.
import { Gpu } from '../../gpu/gpu.ts';
import { checkBuffer, checkRowWorkgroupSize, checkSizes, grid1d, rowWorkgroupSize } from '../elementwise/grid.ts';
import backwardCode from './rmsnorm.backward.wgsl?raw';
import forwardCode from './rmsnorm.wgsl?raw';

export interface RmsnormArgs {
  /** [N, C] input rows. */
  x: GPUBuffer;
  /** [C] weight (HF `*_layernorm.weight`). */
  w: GPUBuffer;
  /** [N, C] output, overwritten. Must not be x. */
  y: GPUBuffer;
  /** [N] output: 1/sqrt(mean(x²) + eps) per row, for the backward. */
  rstd: GPUBuffer;
  N: number;
  C: number;
  /** HF rms_norm_eps. */
  eps: number;
  /** Threads per row (power of two ≤ 256); default rowWorkgroupSize(gpu). For tests and benchmarks. */
  workgroupSize?: number;
}

export function rmsnorm(gpu: Gpu, pass: GPUComputePassEncoder, a: RmsnormArgs): GPUBuffer[] {
  const WG = check('rmsnorm', gpu, a.N, a.C, a.workgroupSize);
  checkBuffer('rmsnorm', 'x', a.x, a.N * a.C);
  checkBuffer('rmsnorm', 'w', a.w, a.C);
  checkBuffer('rmsnorm', 'y', a.y, a.N * a.C);
  checkBuffer('rmsnorm', 'rstd', a.rstd, a.N);
  const pipeline = gpu.pipeline('rmsnorm', forwardCode, 'main', { WG });
  const params = gpu.uniform('rmsnorm.params', [a.N, a.C, { f: a.eps }]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.x, a.w, a.y, a.rstd, params]), ...grid1d(a.N, 1));
  return [params];
}

export interface RmsnormBackwardArgs {
  /** [N, C] output: gradient w.r.t. x, overwritten. */
  dx: GPUBuffer;
  /** [N, C] gradient w.r.t. y. */
  dy: GPUBuffer;
  /** [N, C] the forward's input. */
  x: GPUBuffer;
  /** [C] the forward's weight (frozen: no dw). */
  w: GPUBuffer;
  /** [N] saved by the forward. */
  rstd: GPUBuffer;
  N: number;
  C: number;
  /** As in RmsnormArgs. */
  workgroupSize?: number;
}

export function rmsnormBackward(gpu: Gpu, pass: GPUComputePassEncoder, a: RmsnormBackwardArgs): GPUBuffer[] {
  const WG = check('rmsnormBackward', gpu, a.N, a.C, a.workgroupSize);
  for (const [name, buf] of [['dx', a.dx], ['dy', a.dy], ['x', a.x]] as const) checkBuffer('rmsnormBackward', name, buf, a.N * a.C);
  checkBuffer('rmsnormBackward', 'w', a.w, a.C);
  checkBuffer('rmsnormBackward', 'rstd', a.rstd, a.N);
  const pipeline = gpu.pipeline('rmsnorm.backward', backwardCode, 'main', { WG });
  const params = gpu.uniform('rmsnorm.backward.params', [a.N, a.C]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.dy, a.x, a.w, a.rstd, a.dx, params]), ...grid1d(a.N, 1));
  return [params];
}

/** Validate sizes; returns the threads per row. */
function check(op: string, gpu: Gpu, N: number, C: number, workgroupSize?: number): number {
  checkSizes(op, { N, C });
  if (C === 0) throw new RangeError(`${op}: C must be positive`);
  const wg = workgroupSize ?? rowWorkgroupSize(gpu);
  checkRowWorkgroupSize(op, wg);
  return wg;
}
