// Dispatch for kernels/matmul: C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] (+ C when accumulate), f32,
// any M, N, K (see the .wgsl files for the thread mappings). Three kernel variants, one contract:
//   'shared'   matmul.wgsl — 64×64 output tiles staged through workgroup memory, 4×4 per thread. The
//              classic GPU kernel: real GPUs reward shared-memory reuse.
//   'regtile'  matmul_regtile.wgsl — no workgroup memory; each thread keeps a 16×8 tile of C in
//              registers and threads are packed over ceil(M/16)·ceil(N/8) tiles, so skinny shapes
//              (N or M = LoRA rank) waste no 64-wide tile. 15–60× 'shared' on SwiftShader, where
//              barriers and workgroup memory are slow and every computed-index load is a gather.
//   'quad'     matmul_regtile_quad.wgsl (needs the `subgroups` feature) — 'regtile' where the 4 lanes
//              of a quad share one block of rows and pass A around with quadBroadcast instead of each
//              loading it: 1.0–1.6× (typically ~1.15×) 'regtile' on SwiftShader when N ≥ 32.
// Selection ('auto'): a software adapter (isSoftwareAdapter: SwiftShader, lavapipe, …) gets 'quad'
// when the device has subgroups and N ≥ 32, else 'regtile'; a real GPU gets 'shared' for every shape
// (its skinny-shape alternative, split-K, does not exist yet, and nothing here was measured on one).
// On software adapters 'regtile' and 'quad' run 4-thread workgroups (see MATMUL_REGTILE).
// Overrides, for tests and benchmarks: `args.variant` for one call, setMatmulVariant() for all calls.
import { Gpu, GpuError, groups, isSoftwareAdapter } from '../../gpu/gpu.ts';
import sharedCode from './matmul.wgsl?raw';
import regtileCode from './matmul_regtile.wgsl?raw';
import quadCode from './matmul_regtile_quad.wgsl?raw';

export type MatmulVariant = 'shared' | 'regtile' | 'quad';
export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['shared', 'regtile', 'quad'];

export interface MatmulArgs {
  /** op(A) is [M,K]: A stored [M,K], or [K,M] when transA. */
  A: GPUBuffer;
  /** op(B) is [K,N]: B stored [K,N], or [N,K] when transB. */
  B: GPUBuffer;
  /** C [M,N], overwritten (or added to when accumulate). */
  C: GPUBuffer;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
  alpha?: number;
  /** Force a kernel variant for this call (tests, benchmarks); default: setMatmulVariant's, else 'auto'. */
  variant?: MatmulVariant;
}

/** Output tile of 'shared' (matmul.wgsl). */
export const MATMUL_TILE = 64;
/**
 * 'regtile' and 'quad': rows × cols of C per thread (must match TM, TN in matmul_regtile.wgsl; a test
 * checks) and threads per workgroup. On CPU adapters a workgroup is 4 threads (one SIMD group of
 * SwiftShader, and one quad): measured no slower than 64 on large shapes, and it lets a LoRA-rank
 * matmul of 16 threads spread over 4 workgroups, i.e. over every core, instead of 1.
 */
export const MATMUL_REGTILE = { rows: 16, cols: 8, workgroup: 64, softwareWorkgroup: 4 } as const;

let forced: MatmulVariant | 'auto' = 'auto';

/** Use `v` for every later matmul call that does not name a variant ('auto' restores the default). */
export function setMatmulVariant(v: MatmulVariant | 'auto'): void {
  forced = v;
}

/** The variant a call with these arguments runs (see the file header for the rule). */
export function chooseMatmulVariant(gpu: Gpu, a: Pick<MatmulArgs, 'M' | 'N' | 'K' | 'variant'>): MatmulVariant {
  if (a.variant) return a.variant;
  if (forced !== 'auto') return forced;
  if (!isSoftwareAdapter(gpu.adapter)) return 'shared';
  return gpu.hasSubgroups && a.N >= 32 ? 'quad' : 'regtile';
}

const MAX_GROUPS = 65535;

/** Record C = alpha·op(A)·op(B) into `pass`. Returns the params buffer (caller may destroy it after submit). */
export function matmul(gpu: Gpu, pass: GPUComputePassEncoder, a: MatmulArgs): GPUBuffer {
  const constants = { TRANS_A: a.transA ? 1 : 0, TRANS_B: a.transB ? 1 : 0 };
  const alpha = { f: a.alpha ?? 1 }, accumulate = a.accumulate ? 1 : 0;
  const variant = chooseMatmulVariant(gpu, a);
  if (variant === 'shared') {
    const pipeline = gpu.pipeline('matmul', sharedCode, 'main', constants);
    const params = gpu.uniform('matmul.params', [a.M, a.N, a.K, alpha, accumulate]);
    Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.A, a.B, a.C, params]), groups(a.N, MATMUL_TILE), groups(a.M, MATMUL_TILE));
    return params;
  }
  if (variant === 'quad' && !gpu.hasSubgroups) throw new GpuError("matmul: variant 'quad' needs a device with the 'subgroups' feature");

  // Threads are numbered linearly over the tiles (quad: 4 lanes per 16×32 tile); the 1-D count of
  // workgroups is folded into x·y to stay under the per-dimension limit.
  const t = MATMUL_REGTILE;
  const lanes = variant === 'quad' ? 4 : 1;
  const tilesN = groups(a.N, t.cols * lanes), tilesM = groups(a.M, t.rows);
  const threads = tilesN * tilesM * lanes;
  const wg = isSoftwareAdapter(gpu.adapter) ? t.softwareWorkgroup : t.workgroup;
  const wgs = groups(threads, wg);
  const gx = Math.min(wgs, MAX_GROUPS), gy = groups(wgs, gx);
  const pipeline = variant === 'quad'
    ? gpu.pipeline('matmul.quad', quadFullCode, 'main_quad', { ...constants, WG: wg })
    : gpu.pipeline('matmul.regtile', regtileCode, 'main', { ...constants, WG: wg });
  const params = gpu.uniform('matmul.params', [a.M, a.N, a.K, alpha, accumulate, tilesN, tilesM]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.A, a.B, a.C, params]), gx, gy);
  return params;
}

// The quad kernel reuses matmul_regtile.wgsl's declarations; directives must come first in a module.
const quadFullCode = `enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n${regtileCode}\n${quadCode}`;

/** Convenience for tests and self-checks: upload, run one matmul, read back, free everything. */
export async function matmulOnce(gpu: Gpu, A: Float32Array, B: Float32Array, M: number, N: number, K: number, o: { transA?: boolean; transB?: boolean; alpha?: number; variant?: MatmulVariant } = {}): Promise<Float32Array> {
  const a = gpu.upload('A', A);
  const b = gpu.upload('B', B);
  const c = gpu.createBuffer('C', M * N * 4);
  let params: GPUBuffer | undefined;
  gpu.run((pass) => {
    params = matmul(gpu, pass, { A: a, B: b, C: c, M, N, K, ...o });
  });
  const out = await gpu.readF32(c, M * N);
  gpu.destroyAll([a, b, c, params!]);
  return out;
}
