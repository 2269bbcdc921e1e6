// The CPU reference's backward against float64 finite differences of its own forward.
import { describe, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { dot64, numericGrad } from '../elementwise/testkit.ts';
import { swiglu_backward_cpu, swiglu_cpu } from './swiglu.ref.ts';

describe('swiglu_cpu', () => {
  it('backward matches finite differences', () => {
    const rng = new Rng(4);
    const g = rng.fill(40, -6, 6), u = rng.fill(40), dh = rng.fill(40);
    const { dg, du } = swiglu_backward_cpu(dh, g, u);
    expectClose(dg, numericGrad((x) => dot64(dh, swiglu_cpu(x, u)), g), TOL.finiteDiff, 'dg');
    expectClose(du, numericGrad((x) => dot64(dh, swiglu_cpu(g, x)), u), TOL.finiteDiff, 'du');
  });
});
