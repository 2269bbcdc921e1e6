// The CPU reference's backward against float64 finite differences of its own forward.
import { describe, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { dot64, numericGrad } from '../elementwise/testkit.ts';
import { rmsnorm_backward_cpu, rmsnorm_cpu } from './rmsnorm.ref.ts';

describe('rmsnorm_cpu', () => {
  it('backward matches finite differences', () => {
    const rng = new Rng(1);
    const [N, C, eps] = [3, 7, 1e-5];
    const x = rng.fill(N * C), w = rng.fill(C, 0.5, 1.5), dy = rng.fill(N * C);
    const num = numericGrad((xs) => dot64(dy, rmsnorm_cpu(xs, w, N, C, eps).y), x);
    expectClose(rmsnorm_backward_cpu(dy, x, w, N, C, eps), num, TOL.finiteDiff, 'dx');
  });
});
