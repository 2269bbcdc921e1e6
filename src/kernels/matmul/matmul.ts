// Dispatch for kernels/matmul (see matmul.wgsl for the thread mapping).
import { Gpu, groups } from '../../gpu/gpu.ts';
import code from './matmul.wgsl?raw';

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
}

export const MATMUL_TILE = 64;

/** Record C = alpha·op(A)·op(B) into `pass`. Returns the params buffer (caller may destroy it after submit). */
export function matmul(gpu: Gpu, pass: GPUComputePassEncoder, a: MatmulArgs): GPUBuffer {
  const constants = { TRANS_A: a.transA ? 1 : 0, TRANS_B: a.transB ? 1 : 0, ACCUMULATE: a.accumulate ? 1 : 0 };
  const pipeline = gpu.pipeline('matmul', code, 'main', constants);
  const params = gpu.uniform('matmul.params', [a.M, a.N, a.K, { f: a.alpha ?? 1 }]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.A, a.B, a.C, params]), groups(a.N, MATMUL_TILE), groups(a.M, MATMUL_TILE));
  return params;
}

/** Convenience for tests and self-checks: upload, run one matmul, read back, free everything. */
export async function matmulOnce(gpu: Gpu, A: Float32Array, B: Float32Array, M: number, N: number, K: number, o: { transA?: boolean; transB?: boolean; alpha?: number } = {}): Promise<Float32Array> {
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
