import { describe, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { runOnce } from '../elementwise/testkit.ts';
import { embedding, embeddingChunks } from './embedding.ts';
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

  it('a table split into uneven row chunks (7 + 7 + 3 of V = 17) gathers the same rows', async () => {
    const gpu = await testGpu();
    const [N, C, V] = [11, 5, 17];
    const rng = new Rng(99);
    const E = rng.fill(V * C);
    const tok = Uint32Array.from([0, 6, 7, 13, 14, 16, 17, 3, 9, 0xffffffff, 15]);
    const parts = [[0, 7], [7, 7], [14, 3]] as const;
    const inputs: Record<string, Float32Array | Uint32Array> = { tok, x: rng.fill(N * C) };
    parts.forEach(([r0, rows], i) => { inputs[`E${i}`] = E.slice(r0 * C, (r0 + rows) * C); });
    const got = await runOnce(gpu, inputs, (pass, b) => embeddingChunks(gpu, pass, { tok: b.tok, x: b.x, N, C, V, chunks: parts.map(([r0, rows], i) => ({ r0, rows, buf: b[`E${i}`] })) }), ['x']);
    expectClose(got.x, embedding_cpu(E, tok, N, C, V), TOL.exact, 'x (split table)');
  });
});
