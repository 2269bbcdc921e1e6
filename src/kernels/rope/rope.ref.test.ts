// Checks of the CPU reference itself: the 'half' layout against Hugging Face's formula written out
// (q·cos + rotate_half(q)·sin), and 'interleaved' as 'half' on de-interleaved dimensions.
import { describe, it } from 'vitest';
import { ropeInvFreq } from '../../engine/config.ts';
import { Rng } from '../../engine/rng.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { rope_cpu } from './rope.ref.ts';

const [T, H, D] = [5, 2, 8];
const inv = Float32Array.from(ropeInvFreq({ headDim: D, ropeTheta: 10000, ropeScaling: null }));
const x = new Rng(9).fill(T * H * D);

describe('rope_cpu', () => {
  it("'half' equals HF apply_rotary_pos_emb: q·cos + rotate_half(q)·sin", () => {
    const want = new Float64Array(T * H * D);
    for (let t = 0; t < T; t++) {
      // HF: emb = cat(freqs, freqs); cos = emb.cos(); rotate_half(q) = cat(-q[D/2:], q[:D/2])
      const emb = [...inv, ...inv].map((f) => Math.fround(t * f));
      for (let h = 0; h < H; h++) {
        const q = Array.from(x.subarray((t * H + h) * D, (t * H + h + 1) * D));
        const rot = [...q.slice(D / 2).map((v) => -v), ...q.slice(0, D / 2)];
        for (let d = 0; d < D; d++) want[(t * H + h) * D + d] = q[d] * Math.cos(emb[d]) + rot[d] * Math.sin(emb[d]);
      }
    }
    expectClose(rope_cpu(x, inv, { N: T, T, numHeads: H, D, layout: 'half' }), want, { atol: 1e-12, rtol: 1e-12 }, 'half');
  });

  it("'interleaved' is 'half' on de-interleaved dims (2i → i, 2i+1 → i + D/2)", () => {
    const perm = (v: ArrayLike<number>, inverse: boolean): Float64Array => {
      const out = new Float64Array(v.length);
      for (let r = 0; r < v.length / D; r++) {
        for (let i = 0; i < D / 2; i++) {
          const [a, b] = [r * D + 2 * i, r * D + 2 * i + 1];
          const [c, d] = [r * D + i, r * D + i + D / 2];
          if (inverse) { out[a] = v[c]; out[b] = v[d]; } else { out[c] = v[a]; out[d] = v[b]; }
        }
      }
      return out;
    };
    const s = { N: T, T, numHeads: H, D, posOffset: 3 };
    const viaHalf = perm(rope_cpu(perm(x, false), inv, { ...s, layout: 'half' }), true);
    expectClose(rope_cpu(x, inv, { ...s, layout: 'interleaved' }), viaHalf, TOL.exact, 'interleaved');
  });
});
