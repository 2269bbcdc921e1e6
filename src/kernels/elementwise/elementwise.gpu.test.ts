import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { add, addBias, copy, copyCols, scale } from './elementwise.ts';
import { add_bias_cpu, add_cpu, copy_cols_cpu, copy_cpu, scale_cpu } from './elementwise.ref.ts';
import { MAX_GROUPS_PER_DIM, grid1d } from './grid.ts';
import { runOnce } from './testkit.ts';

// Lengths that do not divide the 256-thread workgroup.
const COUNTS = [1, 7, 256, 1000, 4099];

describe('grid1d', () => {
  it('stays within 65535 workgroups per dimension and covers every item', () => {
    for (const items of [0, 1, 255, 256, 257, 65535 * 256, 65535 * 256 + 1, 300_000_000]) {
      const [x, y] = grid1d(items, 256);
      expect(x).toBeLessThanOrEqual(MAX_GROUPS_PER_DIM);
      expect(y).toBeLessThanOrEqual(MAX_GROUPS_PER_DIM);
      expect(x * y * 256).toBeGreaterThanOrEqual(items);
    }
  });
});

describe('elementwise (WebGPU vs CPU reference)', () => {
  for (const n of COUNTS) {
    it(`add, scale, copy n=${n}`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(n);
      const a = rng.fill(n), b = rng.fill(n), x = rng.fill(n), src = rng.fill(n + 3), dst = rng.fill(n + 5);
      const got = await runOnce(gpu, { a, b, x, src, dst }, (pass, g) => [
        ...add(gpu, pass, { a: g.a, b: g.b, count: n, alpha: -0.75 }),
        ...scale(gpu, pass, { x: g.x, count: n, s: 1.5 }),
        ...copy(gpu, pass, { src: g.src, dst: g.dst, count: n, srcOffset: 3, dstOffset: 2 }),
      ], ['a', 'x', 'dst']);
      expectClose(got.a, add_cpu(a, b, -0.75), TOL.strict, 'a += alpha·b');
      expectClose(got.x, scale_cpu(x, 1.5), TOL.strict, 'x *= s');
      expectClose(got.dst, copy_cpu(src, dst, n, 3, 2), TOL.exact, 'copy');
    });
  }

  for (const [N, M] of [[1, 1], [3, 5], [17, 300]] as const) {
    // One f32 add per element: the f64 reference rounded to f32 must match bit for bit.
    it(`addBias N=${N} M=${M}`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(N * 31 + M);
      const y = rng.fill(N * M), bias = rng.fill(M);
      const got = await runOnce(gpu, { y, bias }, (pass, g) => addBias(gpu, pass, { y: g.y, bias: g.bias, N, M }), ['y']);
      expectClose(got.y, Float32Array.from(add_bias_cpu(y, bias, N, M)), TOL.exact, 'y += bias');
    });
  }

  // [rows, cols, srcLd, srcCol, dstLd, dstCol]: a chunk into the middle/end of a wider matrix and back.
  for (const [rows, cols, srcLd, srcCol, dstLd, dstCol] of [[1, 1, 1, 0, 3, 2], [7, 23, 23, 0, 61, 23], [13, 15, 61, 46, 15, 0], [300, 5, 9, 4, 5, 0]] as const) {
    it(`copyCols rows=${rows} cols=${cols} src ${srcLd}@${srcCol} → dst ${dstLd}@${dstCol}`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(rows * 7 + cols);
      const src = rng.fill(rows * srcLd), dst = rng.fill(rows * dstLd);
      const got = await runOnce(gpu, { src, dst }, (pass, g) => copyCols(gpu, pass, { src: g.src, dst: g.dst, rows, cols, srcLd, srcCol, dstLd, dstCol }), ['dst']);
      expectClose(got.dst, copy_cols_cpu(src, dst, rows, cols, srcLd, srcCol, dstLd, dstCol), TOL.exact, 'copyCols');
    });
  }

  it('add over more than 65535 workgroups (2-D grid) reaches every element', async () => {
    const gpu = await testGpu();
    const n = MAX_GROUPS_PER_DIM * 256 + 1000;
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) { a[i] = i % 1024; b[i] = (i % 7) - 3; }
    const got = await runOnce(gpu, { a, b }, (pass, g) => add(gpu, pass, { a: g.a, b: g.b, count: n }), ['a']);
    expectClose(got.a, add_cpu(a, b), TOL.exact, 'a += b (2-D grid)');
  });
});
