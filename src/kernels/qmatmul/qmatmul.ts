// Dispatch for kernels/qmatmul: frozen-base linear layers whose weight W [OUT, IN] is stored int8,
// int4 or f16 (src/engine/quant.ts layout) and dequantized inside the kernel (see qmatmul.wgsl and
// qmatmul.backward.wgsl for the thread mappings, qmatmul.common.wgsl for the dequantization they share).
// f32 weights use kernels/matmul with transB instead.
// Two kernel variants per direction, one contract — kernels/matmul's register-tiled ones with W
// dequantized once per 8-element step and reused over 16 rows of activations:
//   'regtile'  qmatmul.wgsl / qmatmul.backward.wgsl — 16 rows × 8 outputs (forward) or 16 rows × 8
//              columns (backward) per thread, no workgroup memory.
//   'quad'     + qmatmul_quad.wgsl / qmatmul.backward_quad.wgsl (needs `subgroups`) — the 4 lanes of a
//              quad share the 16 rows and pass x (dy) around with quadBroadcast instead of each loading it.
// Selection ('auto', as kernels/matmul): a software adapter with subgroups gets 'quad', anything else
// 'regtile' (a real GPU would want a shared-memory kernel; nothing here was measured on one). The
// forward with N < 4 (generation) always runs regtile's one-row entry point. `args.variant` overrides.
//
// Shapes: N = rows of activations (batch × time), IN = in_features, OUT = out_features.
//   forward   y[N, OUT]  = alpha · x[N, IN] · Wᵀ (+ bias) (+ y when accumulate)
//   backward  dx[N, IN]  = alpha · dy[N, OUT] · W (+ dx when accumulate)
// There is no weight gradient: the quantized base is frozen.
import { Gpu, GpuError, groups, isSoftwareAdapter } from '../../gpu/gpu.ts';
import { blocksPerRow, scalesPerBlock, wordsPerBlock, type QuantDtype, type QuantizedMatrix } from '../../engine/quant.ts';
import commonCode from './qmatmul.common.wgsl?raw';
import forwardCode from './qmatmul.wgsl?raw';
import backwardCode from './qmatmul.backward.wgsl?raw';
import backwardQuadCode from './qmatmul.backward_quad.wgsl?raw';
import forwardQuadCode from './qmatmul_quad.wgsl?raw';

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

export type QmatmulVariant = 'regtile' | 'quad';
export const QMATMUL_VARIANTS: readonly QmatmulVariant[] = ['regtile', 'quad'];

/** The variant a call runs (see the file header for the rule). */
export function chooseQmatmulVariant(gpu: Gpu, forced?: QmatmulVariant): QmatmulVariant {
  if (forced) {
    if (forced === 'quad' && !gpu.hasSubgroups) throw new GpuError("qmatmul: variant 'quad' needs a device with the 'subgroups' feature");
    return forced;
  }
  return isSoftwareAdapter(gpu.adapter) && gpu.hasSubgroups ? 'quad' : 'regtile';
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
  /** Force a kernel variant (tests, benchmarks); default 'auto'. */
  variant?: QmatmulVariant;
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
  /** Force a kernel variant (tests, benchmarks); default 'auto'. */
  variant?: QmatmulVariant;
}

/**
 * Register tiles; must match the consts TM/TO in the .wgsl files (a test checks). The forward has a
 * second entry point with one row per thread, used when N < row1Below (generation), where 16-row tiles
 * would spend most of their arithmetic on clamped rows. Workgroups are `workgroup` threads, or
 * `softwareWorkgroup` on CPU adapters (one SwiftShader SIMD group, as matmul's MATMUL_REGTILE: spreads a
 * small dispatch over every core).
 */
export const QMATMUL_FORWARD_TILE = { rows: 16, outs: 8, row1Below: 4, workgroup: 64, softwareWorkgroup: 4 } as const;
/** Backward: 16 rows × 8 columns (one quant step of one block) per thread. */
export const QMATMUL_BACKWARD_TILE = { rows: 16, cols: 8, workgroup: 64, softwareWorkgroup: 4 } as const;

const MAX_GROUPS = 65535;

/**
 * Workgroups for `threads` threads numbered linearly (the kernels' g), folded into x·y to stay under the
 * per-dimension limit, and the workgroup size to compile with.
 */
function grid(gpu: Gpu, threads: number, t: { workgroup: number; softwareWorkgroup: number }): { wg: number; gx: number; gy: number } {
  const wg = isSoftwareAdapter(gpu.adapter) ? t.softwareWorkgroup : t.workgroup;
  const wgs = groups(threads, wg);
  const gx = Math.min(wgs, MAX_GROUPS), gy = groups(wgs, gx);
  if (gy > MAX_GROUPS) throw new GpuError(`qmatmul: ${threads} threads exceed ${MAX_GROUPS}² workgroups; split N`);
  return { wg, gx, gy };
}

function params(gpu: Gpu, label: string, N: number, w: GpuQuantized, alpha: number | undefined, tiles: [number, number]): GPUBuffer {
  if (!Number.isInteger(N) || N < 1) throw new GpuError(`${label}: N must be a positive integer, got ${N}`);
  return gpu.uniform(label, [N, w.cols, w.rows, blocksPerRow(w.cols), { f: alpha ?? 1 }, ...tiles]);
}

// Both kernels are compiled after the shared head (bindings 1, 2 and dequantization); the quad files
// after the kernel they extend. Directives must come first in a module.
const forwardFull = `${commonCode}\n${forwardCode}`;
const backwardFull = `${commonCode}\n${backwardCode}`;
const QUAD_HEAD = 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n';
const forwardQuadFull = `${QUAD_HEAD}${forwardFull}\n${forwardQuadCode}`;
const backwardQuadFull = `${QUAD_HEAD}${backwardFull}\n${backwardQuadCode}`;

/** Record y = alpha·x·Wᵀ (+ bias) (+ y) into `pass`. Returns the buffers it created (free after submit). */
export function qmatmulForward(gpu: Gpu, pass: GPUComputePassEncoder, a: QmatmulForwardArgs): GPUBuffer[] {
  const t = QMATMUL_FORWARD_TILE;
  const row1 = a.N < t.row1Below;
  const quad = !row1 && chooseQmatmulVariant(gpu, a.variant) === 'quad';
  // quad: 4 lanes per 16 rows × 32 outputs, tilesO counts quads
  const tilesO = groups(a.w.rows, t.outs * (quad ? 4 : 1)), tilesN = row1 ? a.N : groups(a.N, t.rows);
  const { wg, gx, gy } = grid(gpu, tilesO * tilesN * (quad ? 4 : 1), t);
  const constants = { INT4: a.w.dtype === 'int4' ? 1 : 0, F16: a.w.dtype === 'f16' ? 1 : 0, HAS_BIAS: a.bias ? 1 : 0, ACCUMULATE: a.accumulate ? 1 : 0, WG: wg };
  const entry = row1 ? 'main_row1' : quad ? 'main_quad' : 'main';
  const pipeline = gpu.pipeline(`qmatmul.forward.${entry}`, quad ? forwardQuadFull : forwardFull, entry, constants);
  const p = params(gpu, 'qmatmul.forward.params', a.N, a.w, a.alpha, [tilesO, tilesN]);
  // Without a bias the binding is still declared: bind the (read-only) scales again, never read.
  const bias = a.bias ?? a.w.scales;
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.x, a.w.quants, a.w.scales, bias, a.y, p], 'qmatmul.forward'), gx, gy);
  return [p];
}

/** Record dx = alpha·dy·W (+ dx) into `pass`. Returns the buffers it created (free after submit). */
export function qmatmulBackward(gpu: Gpu, pass: GPUComputePassEncoder, a: QmatmulBackwardArgs): GPUBuffer[] {
  const t = QMATMUL_BACKWARD_TILE;
  const quad = chooseQmatmulVariant(gpu, a.variant) === 'quad';
  // 4 column tiles (steps) per block: a quad is one block
  const tilesC = blocksPerRow(a.w.cols) * 4, tilesN = groups(a.N, t.rows);
  const { wg, gx, gy } = grid(gpu, tilesC * tilesN, t);
  const constants = { INT4: a.w.dtype === 'int4' ? 1 : 0, F16: a.w.dtype === 'f16' ? 1 : 0, ACCUMULATE: a.accumulate ? 1 : 0, WG: wg };
  const entry = quad ? 'main_quad' : 'main';
  const pipeline = gpu.pipeline(`qmatmul.backward.${entry}`, quad ? backwardQuadFull : backwardFull, entry, constants);
  const p = params(gpu, 'qmatmul.backward.params', a.N, a.w, a.alpha, [tilesC, tilesN]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.dy, a.w.quants, a.w.scales, a.dx, p], 'qmatmul.backward'), gx, gy);
  return [p];
}
