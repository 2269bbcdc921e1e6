import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { adamw, sumsq, sumsqMany, sumsqManyPlan } from './adamw.ts';
import { adamw_cpu, clipFactor, sumsq_cpu, type AdamWHyper } from './adamw.ref.ts';

const H: AdamWHyper = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };

describe('adamw (WebGPU vs CPU reference)', () => {
  for (const [n, maxNorm] of [[1, 0], [255, 0], [257, 0], [1000, 0], [1000, 2]] as const) {
    it(`three steps on ${n} parameters, maxNorm ${maxNorm}`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(n);
      const p = rng.fill(n), m = new Float32Array(n), v = new Float32Array(n);
      const bp = gpu.upload('p', p), bm = gpu.upload('m', m), bv = gpu.upload('v', v);
      for (let t = 1; t <= 3; t++) {
        const g = rng.fill(n);
        const bg = gpu.upload('g', g);
        const sq = gpu.upload('sq', new Float32Array(1));
        const temps: GPUBuffer[] = [];
        gpu.run((pass) => {
          temps.push(...sumsq(gpu, pass, { x: bg, out: sq, n, slot: 0 }));
          temps.push(...adamw(gpu, pass, { p: bp, g: bg, m: bm, v: bv, n, t, hyper: H, gradScale: 0.5, sq, maxNorm }));
        });
        gpu.destroyAll(temps);
        const clip = clipFactor(sumsq_cpu(g), 0.5, maxNorm);
        if (maxNorm > 0) expect(clip).toBeLessThan(1); // the clipping branch is really exercised
        adamw_cpu(p, g, m, v, t, H, 0.5 * clip);
        gpu.destroyAll([bg, sq]);
      }
      expectClose(await gpu.readF32(bp, n), p, TOL.strict, 'p');
      expectClose(await gpu.readF32(bm, n), m, TOL.strict, 'm');
      expectClose(await gpu.readF32(bv, n), v, TOL.strict, 'v');
      gpu.destroyAll([bp, bm, bv]);
    });
  }

  it('sumsq accumulates squared norms of several tensors into slots', async () => {
    const gpu = await testGpu();
    const rng = new Rng(3);
    const xs = [rng.fill(1), rng.fill(300), rng.fill(1025)];
    const out = gpu.upload('out', new Float32Array(2));
    const bufs = xs.map((x, i) => gpu.upload(`x${i}`, x));
    const temps: GPUBuffer[] = [];
    gpu.run((pass) => bufs.forEach((b, i) => temps.push(...sumsq(gpu, pass, { x: b, out, n: xs[i].length, slot: i === 0 ? 0 : 1 }))));
    gpu.destroyAll(temps);
    const got = await gpu.readF32(out, 2);
    expectClose(got, [sumsq_cpu(xs[0]), sumsq_cpu(xs[1]) + sumsq_cpu(xs[2])], TOL.strict, 'sum of squares');
    expect(got[1]).toBeGreaterThan(0);
    gpu.destroyAll([out, ...bufs]);
  });

  // Lengths: 16 tensors (three first-stage dispatches, the last one partly filled), one long enough
  // for several chunks per tensor, lengths that are not multiples of the 64-thread workgroup.
  for (const count of [1, 7, 16]) {
    it(`sumsqMany adds the squared norm of ${count} tensors into a slot`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(40 + count);
      const sizes = Array.from({ length: count }, (_, i) => [1, 63, 64, 65, 300, 1025, 9001][i % 7] + i);
      const xs = sizes.map((n) => rng.fill(n));
      const plan = sumsqManyPlan(sizes);
      if (count === 16) expect(plan.dispatches).toBe(3);
      expect(plan.chunks).toBeGreaterThan(count >= 7 ? 1 : 0);
      const out = gpu.upload('out', new Float32Array([5, 0.25]));
      const partials = gpu.upload('partials', new Float32Array(plan.partialFloats).fill(123)); // stale values must not leak in
      const bufs = xs.map((x, i) => gpu.upload(`x${i}`, x));
      const temps: GPUBuffer[] = [];
      gpu.run((pass) => temps.push(...sumsqMany(gpu, pass, { xs: bufs.map((x, i) => ({ x, n: sizes[i] })), partials, out, slot: 1 })));
      gpu.destroyAll(temps);
      const want = xs.reduce((s, x) => s + sumsq_cpu(x), 0.25);
      expectClose(await gpu.readF32(out, 2), [5, want], TOL.strict, 'sum of squares');
      gpu.destroyAll([out, partials, ...bufs]);
    });
  }
});
