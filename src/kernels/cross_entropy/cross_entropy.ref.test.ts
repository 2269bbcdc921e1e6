// The CPU reference's gradient against float64 finite differences of the mean loss it defines.
import { describe, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { numericGrad } from '../elementwise/testkit.ts';
import { cross_entropy_cpu } from './cross_entropy.ref.ts';

describe('cross_entropy_cpu', () => {
  it('dlogits is the gradient of invCount · Σ loss', () => {
    const rng = new Rng(6);
    const [N, V] = [4, 9];
    const logits = rng.fill(N * V, -3, 3), targets = Uint32Array.from([2, 8, 0, 5]), mask = Float32Array.from([1, 0, 1, 1]);
    const invCount = 1 / 3;
    const mean = (x: Float64Array) => cross_entropy_cpu(x, targets, mask, N, V, invCount).loss.reduce((a, b) => a + b, 0) * invCount;
    expectClose(cross_entropy_cpu(logits, targets, mask, N, V, invCount).dlogits, numericGrad(mean, logits), TOL.finiteDiff, 'dlogits');
  });
});
