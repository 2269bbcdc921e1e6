import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { runOnce } from '../elementwise/testkit.ts';
import { swiglu, swigluBackward } from './swiglu.ts';
import { swiglu_backward_cpu, swiglu_cpu } from './swiglu.ref.ts';

// [N, F]: element counts 1, 15, 256, 5·300 — around and not dividing the 256-thread workgroup.
const SHAPES: [number, number][] = [[1, 1], [3, 5], [1, 256], [5, 300]];

describe('swiglu (WebGPU vs CPU reference)', () => {
  for (const [N, F] of SHAPES) {
    it(`forward + backward N=${N} F=${F}`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(N * 1000 + F);
      const n = N * F;
      const g = rng.fill(n, -8, 8), u = rng.fill(n), dh = rng.fill(n);
      const got = await runOnce(gpu, { g, u, dh, h: n, dg: n, du: n }, (pass, b) => [
        ...swiglu(gpu, pass, { g: b.g, u: b.u, h: b.h, count: n }),
        ...swigluBackward(gpu, pass, { dg: b.dg, du: b.du, dh: b.dh, g: b.g, u: b.u, count: n }),
      ], ['h', 'dg', 'du']);
      expectClose(got.h, swiglu_cpu(g, u), TOL.strict, 'h');
      const ref = swiglu_backward_cpu(dh, g, u);
      expectClose(got.dg, ref.dg, TOL.strict, 'dg');
      expectClose(got.du, ref.du, TOL.strict, 'du');
    });
  }

  it('stays finite for gates of ±100 (no exp overflow)', async () => {
    const gpu = await testGpu();
    const g = Float32Array.from([-100, -50, 0, 50, 100]), u = new Float32Array(5).fill(1), dh = new Float32Array(5).fill(1);
    const got = await runOnce(gpu, { g, u, dh, h: 5, dg: 5, du: 5 }, (pass, b) => [
      ...swiglu(gpu, pass, { g: b.g, u: b.u, h: b.h, count: 5 }),
      ...swigluBackward(gpu, pass, { dg: b.dg, du: b.du, dh: b.dh, g: b.g, u: b.u, count: 5 }),
    ], ['h', 'dg', 'du']);
    for (const v of [...got.h, ...got.dg, ...got.du]) expect(Number.isFinite(v)).toBe(true);
    expectClose(got.h, swiglu_cpu(g, u), TOL.strict, 'h');
    expectClose(got.dg, swiglu_backward_cpu(dh, g, u).dg, TOL.strict, 'dg');
  });
});
