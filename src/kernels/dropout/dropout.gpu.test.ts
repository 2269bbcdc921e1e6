import { describe, expect, it } from 'vitest';
import { dropoutStream } from '../../engine/dropout.ts';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { runOnce } from '../elementwise/testkit.ts';
import { dropout } from './dropout.ts';
import { dropout_cpu } from './dropout.ref.ts';

// Counts that are not multiples of the 256-thread workgroup; p = 0 keeps everything.
const CASES: [number, number][] = [[1, 0.5], [300, 0.1], [1037, 0.5], [777, 0]];

describe('dropout (WebGPU vs CPU reference, the same hash mask)', () => {
  for (const [count, p] of CASES) {
    it(`count=${count} p=${p}, overwrite and accumulate`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(count);
      const x = rng.fill(count), y0 = rng.fill(count);
      const stream = dropoutStream({ seed: 3, step: 7, micro: 1 }, 1, 'v_proj');
      const got = await runOnce(gpu, { x, y: y0 }, (pass, b) => dropout(gpu, pass, { x: b.x, y: b.y, count, stream, p }), ['y']);
      expectClose(got.y, dropout_cpu(x, stream, p), TOL.exact, 'y = mask ⊙ x');
      if (p === 0) expect(got.y).toEqual(x);
      const acc = await runOnce(gpu, { x, y: y0 }, (pass, b) => dropout(gpu, pass, { x: b.x, y: b.y, count, stream, p, accumulate: true }), ['y']);
      expectClose(acc.y, dropout_cpu(x, stream, p, y0), TOL.strict, 'y += mask ⊙ x');
    });
  }
});
