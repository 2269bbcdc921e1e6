// Dispatch for the elementwise helpers of kernels/elementwise: add (a += alpha·b), addBias
// (y[N,M] += bias[M]), scale (x *= s), copy (dst[o2..] = src[o1..]), copyCols (a block of columns
// between row-major matrices). Each records one dispatch into
// `pass` and returns the uniform params buffers it created (destroy them after submit).
// Thread mapping is in each .wgsl; all use one thread per element on a grid1d() grid.
import { Gpu } from '../../gpu/gpu.ts';
import addCode from './add.wgsl?raw';
import addBiasCode from './add_bias.wgsl?raw';
import copyCode from './copy.wgsl?raw';
import copyColsCode from './copy_cols.wgsl?raw';
import { checkBuffer, checkSizes, grid1d } from './grid.ts';
import scaleCode from './scale.wgsl?raw';

const WG = 256;

export interface AddArgs {
  /** [count], updated in place: a += alpha·b. */
  a: GPUBuffer;
  /** [count] */
  b: GPUBuffer;
  count: number;
  /** Default 1. */
  alpha?: number;
}

export function add(gpu: Gpu, pass: GPUComputePassEncoder, a: AddArgs): GPUBuffer[] {
  checkSizes('add', { count: a.count });
  checkBuffer('add', 'a', a.a, a.count);
  checkBuffer('add', 'b', a.b, a.count);
  const pipeline = gpu.pipeline('elementwise.add', addCode);
  const params = gpu.uniform('add.params', [a.count, { f: a.alpha ?? 1 }]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.a, a.b, params]), ...grid1d(a.count, WG));
  return [params];
}

export interface AddBiasArgs {
  /** [N, M], updated in place: y[n, j] += bias[j]. */
  y: GPUBuffer;
  /** [M] */
  bias: GPUBuffer;
  N: number;
  M: number;
}

export function addBias(gpu: Gpu, pass: GPUComputePassEncoder, a: AddBiasArgs): GPUBuffer[] {
  checkSizes('addBias', { N: a.N, M: a.M });
  if (a.M === 0) throw new RangeError('addBias: M must be positive');
  checkBuffer('addBias', 'y', a.y, a.N * a.M);
  checkBuffer('addBias', 'bias', a.bias, a.M);
  const pipeline = gpu.pipeline('elementwise.add_bias', addBiasCode);
  const params = gpu.uniform('add_bias.params', [a.N * a.M, a.M]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.y, a.bias, params]), ...grid1d(a.N * a.M, WG));
  return [params];
}

export interface ScaleArgs {
  /** [count], updated in place: x *= s. */
  x: GPUBuffer;
  count: number;
  s: number;
}

export function scale(gpu: Gpu, pass: GPUComputePassEncoder, a: ScaleArgs): GPUBuffer[] {
  checkSizes('scale', { count: a.count });
  checkBuffer('scale', 'x', a.x, a.count);
  const pipeline = gpu.pipeline('elementwise.scale', scaleCode);
  const params = gpu.uniform('scale.params', [a.count, { f: a.s }]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.x, params]), ...grid1d(a.count, WG));
  return [params];
}

export interface CopyArgs {
  /** Read from element srcOffset on. Must be a different buffer from dst. */
  src: GPUBuffer;
  /** Written from element dstOffset on. */
  dst: GPUBuffer;
  count: number;
  /** In elements; default 0. */
  srcOffset?: number;
  /** In elements; default 0. */
  dstOffset?: number;
}

export function copy(gpu: Gpu, pass: GPUComputePassEncoder, a: CopyArgs): GPUBuffer[] {
  const srcOffset = a.srcOffset ?? 0, dstOffset = a.dstOffset ?? 0;
  checkSizes('copy', { count: a.count, srcOffset, dstOffset });
  checkBuffer('copy', 'src', a.src, srcOffset + a.count);
  checkBuffer('copy', 'dst', a.dst, dstOffset + a.count);
  const pipeline = gpu.pipeline('elementwise.copy', copyCode);
  const params = gpu.uniform('copy.params', [a.count, srcOffset, dstOffset]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.src, a.dst, params]), ...grid1d(a.count, WG));
  return [params];
}

export interface CopyColsArgs {
  /** [rows, srcLd] row-major; must be a different buffer from dst. */
  src: GPUBuffer;
  /** [rows, dstLd] row-major; only columns dstCol .. dstCol+cols−1 are written. */
  dst: GPUBuffer;
  rows: number;
  cols: number;
  srcLd: number;
  srcCol: number;
  dstLd: number;
  dstCol: number;
}

/** dst[n, dstCol + j] = src[n, srcCol + j] for n < rows, j < cols. */
export function copyCols(gpu: Gpu, pass: GPUComputePassEncoder, a: CopyColsArgs): GPUBuffer[] {
  checkSizes('copyCols', { rows: a.rows, cols: a.cols, srcLd: a.srcLd, srcCol: a.srcCol, dstLd: a.dstLd, dstCol: a.dstCol });
  if (a.srcCol + a.cols > a.srcLd || a.dstCol + a.cols > a.dstLd) throw new RangeError('copyCols: the column block is wider than a row');
  checkBuffer('copyCols', 'src', a.src, a.rows * a.srcLd);
  checkBuffer('copyCols', 'dst', a.dst, a.rows * a.dstLd);
  const pipeline = gpu.pipeline('elementwise.copy_cols', copyColsCode);
  const params = gpu.uniform('copy_cols.params', [a.rows, a.cols, a.srcLd, a.srcCol, a.dstLd, a.dstCol]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.src, a.dst, params]), ...grid1d(a.rows * a.cols, WG));
  return [params];
}
