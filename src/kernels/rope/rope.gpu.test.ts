import { describe, it } from 'vitest';
import { ropeInvFreq } from '../../engine/config.ts';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { runOnce } from '../elementwise/testkit.ts';
import { type RopeLayout, rope, ropeBackward } from './rope.ts';
import { rope_backward_cpu, rope_cpu } from './rope.ref.ts';

// [B, T, numHeads, D, posOffset]: pair counts N·numHeads·D/2 = 120, 544, 1344, 12 — none a multiple
// of the 256-thread workgroup. Large offsets exercise the kernel's angle reduction.
const CASES: [number, number, number, number, number][] = [
  [2, 5, 3, 8, 0],
  [1, 17, 4, 16, 4096],
  [3, 7, 2, 64, 0],
  [1, 3, 1, 8, 100_000],
];
const LLAMA3 = { rope_type: 'llama3' as const, factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 };

describe('rope (WebGPU vs CPU reference)', () => {
  for (const [B, T, nH, D, posOffset] of CASES) {
    for (const layout of ['half', 'interleaved'] as RopeLayout[]) {
      it(`B=${B} T=${T} heads=${nH} D=${D} posOffset=${posOffset} ${layout}`, async () => {
        const gpu = await testGpu();
        const N = B * T;
        const rng = new Rng(N * 100 + D + posOffset);
        // llama3-scaled frequencies (small original_max_position_embeddings so that scaling bites at small D).
        const invFreq = Float32Array.from(ropeInvFreq({ headDim: D, ropeTheta: 10000, ropeScaling: D === 16 ? LLAMA3 : null }));
        const x = rng.fill(N * nH * D), dy = rng.fill(N * nH * D);
        const s = { N, T, numHeads: nH, D, posOffset, layout };
        const got = await runOnce(gpu, { x, dy, invFreq, roundTrip: x }, (pass, b) => [
          ...rope(gpu, pass, { ...s, x: b.x, invFreq: b.invFreq }),
          ...ropeBackward(gpu, pass, { ...s, dx: b.dy, invFreq: b.invFreq }),
          ...rope(gpu, pass, { ...s, x: b.roundTrip, invFreq: b.invFreq }),
          ...ropeBackward(gpu, pass, { ...s, dx: b.roundTrip, invFreq: b.invFreq }),
        ], ['x', 'dy', 'roundTrip']);
        expectClose(got.x, rope_cpu(x, invFreq, s), TOL.strict, 'rope(x)');
        expectClose(got.dy, rope_backward_cpu(dy, invFreq, s), TOL.strict, 'ropeBackward(dy)');
        expectClose(got.roundTrip, x, TOL.strict, 'ropeBackward(rope(x)) = x');
      });
    }
  }
});
