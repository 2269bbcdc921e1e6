// The CPU reference's backward against float64 finite differences of its own forward.
import { describe, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { dot64, numericGrad } from '../elementwise/testkit.ts';
import { type AttentionShape, attention_backward_cpu, attention_cpu } from './attention.ref.ts';

describe('attention_cpu', () => {
  for (const s of [
    { B: 2, T: 4, H: 4, KV: 2, D: 3 },
    { B: 1, T: 5, H: 2, KV: 2, D: 2, slidingWindow: 2 },
  ] as AttentionShape[]) {
    it(`backward matches finite differences ${JSON.stringify(s)}`, () => {
      const rng = new Rng(2);
      const N = s.B * s.T;
      const q = rng.fill(N * s.H * s.D), k = rng.fill(N * s.KV * s.D), v = rng.fill(N * s.KV * s.D), dO = rng.fill(N * s.H * s.D);
      const g = attention_backward_cpu(dO, q, k, v, s);
      expectClose(g.dq, numericGrad((x) => dot64(dO, attention_cpu(x, k, v, s).o), q), TOL.finiteDiff, 'dq');
      expectClose(g.dk, numericGrad((x) => dot64(dO, attention_cpu(q, x, v, s).o), k), TOL.finiteDiff, 'dk');
      expectClose(g.dv, numericGrad((x) => dot64(dO, attention_cpu(q, k, x, s).o), v), TOL.finiteDiff, 'dv');
    });
  }
});
