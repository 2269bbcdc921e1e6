import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { runOnce } from '../elementwise/testkit.ts';
import { crossEntropy, crossEntropyAndGrad } from './cross_entropy.ts';
import { cross_entropy_cpu } from './cross_entropy.ref.ts';

// [N, V, workgroupSize]: V around and not dividing the row workgroup, one real vocabulary size
// (GPT-2's 50257), and the real-GPU workgroup of 256 threads on small shapes (slow on SwiftShader).
const CASES: [number, number, number | undefined][] = [
  [1, 1, undefined],
  [5, 7, undefined],
  [6, 1000, undefined],
  [3, 50257, undefined],
  [5, 7, 256],
  [4, 1000, 256],
];

function fixture(N: number, V: number, seed: number) {
  const rng = new Rng(seed);
  const logits = rng.fill(N * V, -8, 8);
  const targets = new Uint32Array(N);
  const mask = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    targets[n] = rng.int(V);
    mask[n] = n % 3 === 1 ? 0 : 1; // every third row masked
  }
  if (N >= 5) targets[N - 1] = V + 3; // an out-of-range id on a masked row must be harmless...
  if (N >= 5) mask[N - 1] = 0;
  const count = mask.reduce((a, b) => a + b, 0);
  return { logits, targets, mask, invCount: count > 0 ? 1 / count : 0 };
}

describe('cross_entropy (WebGPU vs CPU reference)', () => {
  for (const [N, V, workgroupSize] of CASES) {
    it(`loss + in-place dlogits N=${N} V=${V} workgroupSize=${workgroupSize ?? 'default'}`, async () => {
      const gpu = await testGpu();
      const f = fixture(N, V, N * 100_000 + V);
      const got = await runOnce(gpu, { logits: f.logits, kept: f.logits, targets: f.targets, mask: f.mask, loss: N, lossOnly: N }, (pass, b) => [
        ...crossEntropy(gpu, pass, { logits: b.kept, targets: b.targets, mask: b.mask, loss: b.lossOnly, N, V, workgroupSize }),
        ...crossEntropyAndGrad(gpu, pass, { logits: b.logits, targets: b.targets, mask: b.mask, loss: b.loss, N, V, invCount: f.invCount, workgroupSize }),
      ], ['logits', 'kept', 'loss', 'lossOnly']);
      const ref = cross_entropy_cpu(f.logits, f.targets, f.mask, N, V, f.invCount);
      expectClose(got.loss, ref.loss, TOL.strict, 'loss');
      expectClose(got.lossOnly, ref.loss, TOL.strict, 'loss (forward only)');
      expectClose(got.kept, f.logits, TOL.exact, 'forward-only keeps logits');
      expectClose(got.logits, ref.dlogits, TOL.strict, 'dlogits');

      for (let n = 0; n < N; n++) {
        const row = got.logits.subarray(n * V, (n + 1) * V);
        if (f.mask[n] === 0) {
          // Masked rows: exactly zero, not merely small.
          expect(got.loss[n]).toBe(0);
          expect(row.every((x) => x === 0)).toBe(true);
        } else {
          // softmax − onehot sums to 0 over the vocabulary, up to f32 summation error, which grows
          // like sqrt(V)·ε (measured ~2.5e-6 of Σ|g| at V = 50257 on SwiftShader).
          const sum = row.reduce((a, x) => a + x, 0), abs = row.reduce((a, x) => a + Math.abs(x), 0);
          expect(Math.abs(sum)).toBeLessThanOrEqual(1e-5 * abs);
        }
      }
    });
  }

  it('an out-of-range target on an unmasked row gives zero loss and gradient, not an out-of-bounds read', async () => {
    const gpu = await testGpu();
    const [N, V] = [2, 5];
    const logits = new Rng(1).fill(N * V);
    const got = await runOnce(gpu, { logits, targets: Uint32Array.from([1, 99]), mask: Float32Array.from([1, 1]), loss: N }, (pass, b) =>
      crossEntropyAndGrad(gpu, pass, { logits: b.logits, targets: b.targets, mask: b.mask, loss: b.loss, N, V, invCount: 0.5 }), ['logits', 'loss']);
    expect(got.loss[1]).toBe(0);
    expect([...got.logits.subarray(V)].every((x) => x === 0)).toBe(true);
    expectClose(got.loss, cross_entropy_cpu(logits, [1, 99], [1, 1], N, V, 0.5).loss, TOL.strict, 'loss');
  });
});
