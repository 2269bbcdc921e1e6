// Throughput helper for kernels/matmul (not a test): GFLOP/s of each matmul variant on random inputs.
// Validation lives in matmul.gpu.test.ts; this only times. Dispatches are recorded `iters` times in one
// compute pass and one submit (how the engine runs a step), after one untimed warm-up run that also
// compiles the pipeline.
import { Rng } from '../../engine/rng.ts';
import type { Gpu } from '../../gpu/gpu.ts';
import { matmul, type MatmulVariant } from './matmul.ts';

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
}

/** GFLOP/s (2·M·N·K flops per call) of `matmul` with the given variant ('auto' = the adapter's choice). */
export async function matmulThroughput(gpu: Gpu, s: MatmulShape, variant: MatmulVariant | 'auto', iters: number): Promise<number> {
  const { M, N, K } = s;
  const rng = new Rng(1234);
  const a = gpu.upload('bench.A', rng.fill(M * K));
  const b = gpu.upload('bench.B', rng.fill(K * N));
  const c = gpu.createBuffer('bench.C', M * N * 4);
  const made: GPUBuffer[] = [];
  const record = (pass: GPUComputePassEncoder, times: number): void => {
    for (let i = 0; i < times; i++) {
      made.push(matmul(gpu, pass, { A: a, B: b, C: c, M, N, K, transA: s.transA, transB: s.transB, accumulate: s.accumulate, variant: variant === 'auto' ? undefined : variant }));
    }
  };
  try {
    gpu.run((pass) => record(pass, 1), 'bench.warmup');
    await gpu.read(c, 4);
    const t0 = performance.now();
    gpu.run((pass) => record(pass, iters), 'bench');
    await gpu.read(c, 4); // waits for the submitted work
    const seconds = (performance.now() - t0) / 1000;
    return (2 * M * N * K * iters) / seconds / 1e9;
  } finally {
    gpu.destroyAll([a, b, c, ...made]);
  }
}
