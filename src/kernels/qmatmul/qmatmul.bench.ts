// Throughput helper for `npm run bench` (not a test): GFLOP/s of the qmatmul kernels on random weights.
// Validation lives in qmatmul.gpu.test.ts; this only times. Dispatches are recorded `iters` times in one
// compute pass and one submit (how the engine runs a step), after one untimed warm-up run that also
// compiles the pipeline.
import { Rng } from '../../engine/rng.ts';
import { quantize, type QuantDtype } from '../../engine/quant.ts';
import type { Gpu } from '../../gpu/gpu.ts';
import { freeQuantized, qmatmulBackward, qmatmulForward, uploadQuantized, type QmatmulVariant } from './qmatmul.ts';

export interface QmatmulShape {
  /** rows of activations (batch × time) */
  N: number;
  /** in_features */
  IN: number;
  /** out_features */
  OUT: number;
}

/**
 * GFLOP/s (2·N·IN·OUT flops per call) of qmatmulForward, or qmatmulBackward when `direction` says so,
 * with the given variant ('auto' = the adapter's choice).
 */
export async function qmatmulThroughput(gpu: Gpu, shape: QmatmulShape, dtype: QuantDtype, iters: number, direction: 'forward' | 'backward' = 'forward', variant: QmatmulVariant | 'auto' = 'auto'): Promise<number> {
  const { N, IN, OUT } = shape;
  const rng = new Rng(1234);
  const w = uploadQuantized(gpu, quantize(rng.normals(OUT * IN, 0.02), OUT, IN, dtype), 'bench.W');
  const input = gpu.upload('bench.in', rng.fill(direction === 'forward' ? N * IN : N * OUT));
  const output = gpu.createBuffer('bench.out', (direction === 'forward' ? N * OUT : N * IN) * 4);
  const made: GPUBuffer[] = [];
  const v = variant === 'auto' ? undefined : variant;
  const record = (pass: GPUComputePassEncoder, times: number): void => {
    for (let i = 0; i < times; i++) {
      made.push(...(direction === 'forward'
        ? qmatmulForward(gpu, pass, { x: input, w, y: output, N, variant: v })
        : qmatmulBackward(gpu, pass, { dy: input, w, dx: output, N, variant: v })));
    }
  };
  try {
    gpu.run((pass) => record(pass, 1), 'bench.warmup');
    await gpu.read(output, 4);
    const t0 = performance.now();
    gpu.run((pass) => record(pass, iters), 'bench');
    await gpu.read(output, 4); // waits for the submitted work
    const seconds = (performance.now() - t0) / 1000;
    return (2 * N * IN * OUT * iters) / seconds / 1e9;
  } finally {
    gpu.destroyAll([input, output, ...made]);
    freeQuantized(gpu, w);
  }
}
