import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { matmul_cpu } from '../kernels/matmul/matmul.ref.ts';
import { testGpu } from '../testing/gpu.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';

describe('per-kernel timing (timestamp queries)', () => {
  it('groups dispatches by kernel, leaves results and buffers as without it', async () => {
    const gpu = await testGpu();
    if (!gpu.hasTimestamps) {
      expect(() => gpu.startKernelProfile()).toThrow(/timestamp-query/);
      return;
    }
    const [M, N, K] = [9, 40, 17];
    const rng = new Rng(21);
    const A = rng.fill(M * K), B = rng.fill(K * N);
    const before = gpu.liveBufferCount;
    const a = gpu.upload('A', A), b = gpu.upload('B', B), c = gpu.createBuffer('C', M * N * 4);
    const temps: GPUBuffer[] = [];
    gpu.startKernelProfile();
    gpu.run((pass) => {
      temps.push(matmul(gpu, pass, { A: a, B: b, C: c, M, N, K, variant: 'regtile' }));
      temps.push(matmul(gpu, pass, { A: a, B: b, C: c, M, N, K, variant: 'regtile', accumulate: true, alpha: -0.5 }));
      temps.push(matmul(gpu, pass, { A: a, B: b, C: c, M, N, K, variant: 'shared', accumulate: true }));
    });
    const got = await gpu.readF32(c, M * N);
    const times = await gpu.stopKernelProfile();
    gpu.destroyAll([a, b, c, ...temps]);
    expect(gpu.liveBufferCount).toBe(before);
    expectClose(got, matmul_cpu(A, B, M, N, K, { alpha: 1.5 }), TOL.strict, 'C = A·B − 0.5·A·B + A·B');
    expect(times.map((t) => [t.name, t.calls]).sort()).toEqual([['matmul', 1], ['matmul.regtile', 2]]);
    for (const t of times) expect(t.ms).toBeGreaterThan(0);
    // off again: a later pass is a plain one
    expect(await gpu.stopKernelProfile()).toEqual([]);
  });
});
