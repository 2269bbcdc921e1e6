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

describe('attention_cpu with a key/value prefix', () => {
  for (const [s, P] of [
    [{ B: 2, T: 3, H: 4, KV: 2, D: 3 }, 2],
    [{ B: 1, T: 4, H: 2, KV: 1, D: 2, slidingWindow: 3 }, 3],
  ] as [AttentionShape, number][]) {
    it(`backward (prefix included) matches finite differences ${JSON.stringify(s)} P=${P}`, () => {
      const rng = new Rng(3);
      const N = s.B * s.T;
      const q = rng.fill(N * s.H * s.D), k = rng.fill(N * s.KV * s.D), v = rng.fill(N * s.KV * s.D), dO = rng.fill(N * s.H * s.D);
      const pk = rng.fill(P * s.KV * s.D), pv = rng.fill(P * s.KV * s.D);
      const pre = { P, pk, pv };
      const g = attention_backward_cpu(dO, q, k, v, s, pre);
      expectClose(g.dq, numericGrad((x) => dot64(dO, attention_cpu(x, k, v, s, pre).o), q), TOL.finiteDiff, 'dq');
      expectClose(g.dk, numericGrad((x) => dot64(dO, attention_cpu(q, x, v, s, pre).o), k), TOL.finiteDiff, 'dk');
      expectClose(g.dv, numericGrad((x) => dot64(dO, attention_cpu(q, k, x, s, pre).o), v), TOL.finiteDiff, 'dv');
      expectClose(g.dpk, numericGrad((x) => dot64(dO, attention_cpu(q, k, v, s, { P, pk: x, pv }).o), pk), TOL.finiteDiff, 'dpk');
      expectClose(g.dpv, numericGrad((x) => dot64(dO, attention_cpu(q, k, v, s, { P, pk, pv: x }).o), pv), TOL.finiteDiff, 'dpv');
    });
  }

  it('P = 0 is plain causal attention', () => {
    const s = { B: 1, T: 4, H: 2, KV: 1, D: 2 };
    const rng = new Rng(4);
    const q = rng.fill(16), k = rng.fill(8), v = rng.fill(8);
    expectClose(attention_cpu(q, k, v, s, { P: 0, pk: [], pv: [] }).o, attention_cpu(q, k, v, s).o, TOL.exact, 'o');
  });
});
