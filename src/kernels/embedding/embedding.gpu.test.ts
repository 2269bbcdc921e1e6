import { describe, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { runOnce } from '../elementwise/testkit.ts';
import { embedding } from './embedding.ts';
import { embedding_cpu } from './embedding.ref.ts';

// [N, C, V]: N·C = 1, 21, 1300 — not multiples of the 256-thread workgroup.
const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 7, 11], [13, 100, 50]];

describe('embedding (WebGPU vs CPU reference)', () => {
  for (const [N, C, V] of SHAPES) {
    it(`N=${N} C=${C} V=${V}, with out-of-range ids`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(N * C + V);
      const E = rng.fill(V * C);
      const tok = new Uint32Array(N);
      for (let n = 0; n < N; n++) tok[n] = rng.int(V);
      if (N > 1) tok[1] = V; // first id past the table
      if (N > 2) tok[N - 1] = 0xffffffff;
      // x starts as garbage so that the zero rows must be written, not left over.
      const got = await runOnce(gpu, { E, tok, x: rng.fill(N * C) }, (pass, b) => embedding(gpu, pass, { E: b.E, tok: b.tok, x: b.x, N, C, V }), ['x']);
      expectClose(got.x, embedding_cpu(E, tok, N, C, V), TOL.exact, 'x');
    });
  }
});
