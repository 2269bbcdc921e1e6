import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { matmulOnce, matmul } from './matmul.ts';
import { matmul_cpu } from './matmul.ref.ts';

// Shapes chosen so that M, N and K do not divide the 64×64 output tile or the 16-deep k step.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [64, 64, 16],
  [65, 63, 17],
  [130, 70, 33],
  [17, 200, 129],
];

describe('matmul (WebGPU vs CPU reference)', () => {
  for (const [M, N, K] of SHAPES) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`, async () => {
          const gpu = await testGpu();
          const rng = new Rng(M * 1000 + N * 10 + K + (transA ? 7 : 0) + (transB ? 13 : 0));
          const A = rng.fill(M * K);
          const B = rng.fill(K * N);
          const got = await matmulOnce(gpu, A, B, M, N, K, { transA, transB, alpha: 0.5 });
          expectClose(got, matmul_cpu(A, B, M, N, K, { transA, transB, alpha: 0.5 }), TOL.strict, 'C');
        });
      }
    }
  }

  it('accumulates into C', async () => {
    const gpu = await testGpu();
    const rng = new Rng(5);
    const [M, N, K] = [33, 47, 21];
    const A = rng.fill(M * K), B = rng.fill(K * N), C0 = rng.fill(M * N);
    const a = gpu.upload('A', A), b = gpu.upload('B', B), c = gpu.upload('C', C0);
    const before = gpu.liveBufferCount;
    let params: GPUBuffer | undefined;
    gpu.run((pass) => { params = matmul(gpu, pass, { A: a, B: b, C: c, M, N, K, accumulate: true }); });
    expectClose(await gpu.readF32(c, M * N), matmul_cpu(A, B, M, N, K, { accumulate: C0 }), TOL.strict, 'C += A·B');
    gpu.destroyAll([a, b, c, params!]);
    expect(gpu.liveBufferCount).toBe(before - 3);
  });
});
