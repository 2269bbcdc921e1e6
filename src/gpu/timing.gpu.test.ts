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
    // Timestamps may be quantized (Dawn rounds them to 100 µs unless developer features are on), so
    // kernels this small read 0 ms on a fast GPU (seen on an H100); never negative or NaN.
    for (const t of times) expect(t.ms).toBeGreaterThanOrEqual(0);
    // off again: a later pass is a plain one
    expect(await gpu.stopKernelProfile()).toEqual([]);
  });

  it('times a kernel long enough to span several timestamp quanta on any adapter as > 0 ms', async () => {
    const gpu = await testGpu();
    if (!gpu.hasTimestamps) return; // covered by the test above
    const S = 512; // 2·512³ = 268 MFLOP: ~1 ms on an H100 at our kernel's speed, ~50 ms on SwiftShader
    const rng = new Rng(22);
    const a = gpu.upload('A', rng.fill(S * S)), b = gpu.upload('B', rng.fill(S * S)), c = gpu.createBuffer('C', S * S * 4);
    const temps: GPUBuffer[] = [];
    gpu.startKernelProfile();
    gpu.run((pass) => temps.push(matmul(gpu, pass, { A: a, B: b, C: c, M: S, N: S, K: S, variant: 'regtile' })));
    await gpu.readF32(c, 1);
    const times = await gpu.stopKernelProfile();
    gpu.destroyAll([a, b, c, ...temps]);
    expect(times.map((t) => [t.name, t.calls])).toEqual([['matmul.regtile', 1]]);
    expect(times[0].ms).toBeGreaterThan(0.05);
  });
});
