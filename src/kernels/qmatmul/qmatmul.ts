// Dispatch for kernels/qmatmul: frozen-base linear layers whose weight W [OUT, IN] is stored int8,
// int4 or f16 (src/engine/quant.ts layout) and dequantized inside the kernel (see qmatmul.wgsl and
// qmatmul.backward.wgsl for the thread mappings). f32 weights use kernels/matmul with transB instead.
//
// Shapes: N = rows of activations (batch × time), IN = in_features, OUT = out_features.
//   forward   y[N, OUT]  = alpha · x[N, IN] · Wᵀ (+ bias) (+ y when accumulate)
//   backward  dx[N, IN]  = alpha · dy[N, OUT] · W (+ dx when accumulate)
// There is no weight gradient: the quantized base is frozen.
import { Gpu, GpuError, groups } from '../../gpu/gpu.ts';
import { blocksPerRow, scalesPerBlock, wordsPerBlock, type QuantDtype, type QuantizedMatrix } from '../../engine/quant.ts';
import forwardCode from './qmatmul.wgsl?raw';
import backwardCode from './qmatmul.backward.wgsl?raw';

/** A QuantizedMatrix living on the GPU (the two buffers of quant.ts's layout). */
export interface GpuQuantized {
  dtype: QuantDtype;
  /** out */
  rows: number;
  /** in */
  cols: number;
  /** u32 words [rows * NB * wordsPerBlock(dtype)] */
  quants: GPUBuffer;
  /** f32 [rows * NB] (a 4-byte placeholder for f16, never read) */
  scales: GPUBuffer;
}

/** Create the quants and scales buffers of `q` (caller owns them; free with freeQuantized). */
export function uploadQuantized(gpu: Gpu, q: QuantizedMatrix, label: string): GpuQuantized {
  const nb = blocksPerRow(q.cols);
  if (q.quants.length !== q.rows * nb * wordsPerBlock(q.dtype) || q.scales.length !== q.rows * nb * scalesPerBlock(q.dtype)) {
    throw new GpuError(`uploadQuantized "${label}": arrays do not match ${q.dtype} [${q.rows}, ${q.cols}]`);
  }
  return {
    dtype: q.dtype,
    rows: q.rows,
    cols: q.cols,
    quants: gpu.upload(`${label}.quants`, q.quants),
    scales: gpu.upload(`${label}.scales`, q.scales),
  };
}

export function freeQuantized(gpu: Gpu, w: GpuQuantized): void {
  gpu.destroyAll([w.quants, w.scales]);
}

export interface QmatmulForwardArgs {
  /** x [N, IN] */
  x: GPUBuffer;
  /** W [OUT, IN], quantized */
  w: GpuQuantized;
  /** y [N, OUT], overwritten (or added to when accumulate) */
  y: GPUBuffer;
  N: number;
  /** bias [OUT], added after alpha */
  bias?: GPUBuffer;
  accumulate?: boolean;
  alpha?: number;
}

export interface QmatmulBackwardArgs {
  /** dy [N, OUT] */
  dy: GPUBuffer;
  /** W [OUT, IN], quantized (the same as the forward's) */
  w: GpuQuantized;
  /** dx [N, IN], overwritten (or added to when accumulate) */
  dx: GPUBuffer;
  N: number;
  accumulate?: boolean;
  alpha?: number;
}

/**
 * Register tiles; must match the consts WG/TO/TN in the .wgsl files (a test checks). The forward has a
 * second entry point with one row per thread, used when N < row1Below (generation), where 8-row tiles
 * would spend most of their arithmetic on clamped rows.
 */
export const QMATMUL_FORWARD_TILE = { wg: 64, outs: 8, rows: 8, row1Below: 4 } as const;
export const QMATMUL_BACKWARD_TILE = { wg: 64, rows: 8 } as const;

const MAX_GROUPS = 65535;

function checkGroups(what: string, x: number, y: number): void {
  if (x > MAX_GROUPS || y > MAX_GROUPS) throw new GpuError(`${what}: dispatch ${x}×${y} workgroups exceeds ${MAX_GROUPS} per dimension; split N`);
}

function params(gpu: Gpu, label: string, N: number, w: GpuQuantized, alpha: number | undefined): GPUBuffer {
  if (!Number.isInteger(N) || N < 1) throw new GpuError(`${label}: N must be a positive integer, got ${N}`);
  return gpu.uniform(label, [N, w.cols, w.rows, blocksPerRow(w.cols), { f: alpha ?? 1 }]);
}

/** Record y = alpha·x·Wᵀ (+ bias) (+ y) into `pass`. Returns the buffers it created (free after submit). */
export function qmatmulForward(gpu: Gpu, pass: GPUComputePassEncoder, a: QmatmulForwardArgs): GPUBuffer[] {
  const t = QMATMUL_FORWARD_TILE;
  const row1 = a.N < t.row1Below;
  const gx = groups(a.w.rows, t.wg * t.outs), gy = row1 ? a.N : groups(a.N, t.rows);
  checkGroups('qmatmulForward', gx, gy);
  const constants = { INT4: a.w.dtype === 'int4' ? 1 : 0, F16: a.w.dtype === 'f16' ? 1 : 0, HAS_BIAS: a.bias ? 1 : 0, ACCUMULATE: a.accumulate ? 1 : 0 };
  const entry = row1 ? 'main_row1' : 'main';
  const pipeline = gpu.pipeline(`qmatmul.forward.${entry}`, forwardCode, entry, constants);
  const p = params(gpu, 'qmatmul.forward.params', a.N, a.w, a.alpha);
  // Without a bias the binding is still declared: bind the (read-only) scales again, never read.
  const bias = a.bias ?? a.w.scales;
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.x, a.w.quants, a.w.scales, bias, a.y, p], 'qmatmul.forward'), gx, gy);
  return [p];
}

/** Record dx = alpha·dy·W (+ dx) into `pass`. Returns the buffers it created (free after submit). */
export function qmatmulBackward(gpu: Gpu, pass: GPUComputePassEncoder, a: QmatmulBackwardArgs): GPUBuffer[] {
  const t = QMATMUL_BACKWARD_TILE;
  const gx = groups(blocksPerRow(a.w.cols) * 4, t.wg), gy = groups(a.N, t.rows);
  checkGroups('qmatmulBackward', gx, gy);
  const constants = { INT4: a.w.dtype === 'int4' ? 1 : 0, F16: a.w.dtype === 'f16' ? 1 : 0, ACCUMULATE: a.accumulate ? 1 : 0 };
  const pipeline = gpu.pipeline('qmatmul.backward', backwardCode, 'main', constants);
  const p = params(gpu, 'qmatmul.backward.params', a.N, a.w, a.alpha);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.dy, a.w.quants, a.w.scales, a.dx, p], 'qmatmul.backward'), gx, gy);
  return [p];
}
