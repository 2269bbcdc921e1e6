import { describe, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { runOnce } from '../elementwise/testkit.ts';
import { attention, attentionBackward } from './attention.ts';
import { type AttentionShape, attention_backward_cpu, attention_cpu } from './attention.ref.ts';

// T values that do not divide the 64-row workgroup (70 spans two workgroups), GQA (H = 2·KV, H = 4·KV)
// and plain multi-head (H = KV), sliding windows narrower than, equal to 1 and wider than T, and the
// largest supported sizes: T = 512 (8 workgroups of rows) and D = 128 (full register arrays), apart
// because together they cost ~10 s on SwiftShader.
const CASES: AttentionShape[] = [
  { B: 2, T: 5, H: 4, KV: 2, D: 8 },
  { B: 1, T: 17, H: 4, KV: 4, D: 16 },
  { B: 2, T: 70, H: 4, KV: 1, D: 8 },
  { B: 2, T: 17, H: 4, KV: 2, D: 8, slidingWindow: 4 },
  { B: 1, T: 70, H: 2, KV: 1, D: 16, slidingWindow: 65 },
  { B: 1, T: 6, H: 2, KV: 2, D: 8, slidingWindow: 1 },
  { B: 1, T: 5, H: 2, KV: 1, D: 8, slidingWindow: 100 },
  { B: 1, T: 512, H: 2, KV: 1, D: 8 },
  { B: 1, T: 70, H: 2, KV: 1, D: 128 },
  // The benchmark shapes' head dims, each with its own register tiling (attention.ts headsPerThread /
  // keyRowsPerThread): tiny D = 32 (2 heads per thread, 4 key rows per dk/dv thread on a software
  // adapter) and SmolLM2's D = 64 with 3 query heads per kv head (HG = 1 as 3·64 > 128, 2 key rows).
  { B: 2, T: 70, H: 4, KV: 2, D: 32 },
  { B: 1, T: 33, H: 6, KV: 2, D: 64 },
];

type Inputs = { q: Float32Array; k: Float32Array; v: Float32Array; dO: Float32Array };

function inputs(s: AttentionShape, seed: number): Inputs {
  const rng = new Rng(seed);
  const N = s.B * s.T;
  // q, k in [−2, 2] so that the softmax is far from uniform.
  return { q: rng.fill(N * s.H * s.D, -2, 2), k: rng.fill(N * s.KV * s.D, -2, 2), v: rng.fill(N * s.KV * s.D), dO: rng.fill(N * s.H * s.D) };
}

async function runBoth(s: AttentionShape, x: Inputs) {
  const gpu = await testGpu();
  const N = s.B * s.T;
  return runOnce(gpu, { ...x, o: N * s.H * s.D, lse: s.B * s.H * s.T, dq: N * s.H * s.D, dk: N * s.KV * s.D, dv: N * s.KV * s.D }, (pass, b) => {
    const args = { ...s, q: b.q, k: b.k, v: b.v, o: b.o, lse: b.lse };
    return [...attention(gpu, pass, args), ...attentionBackward(gpu, pass, { ...args, dO: b.dO, dq: b.dq, dk: b.dk, dv: b.dv })];
  }, ['o', 'lse', 'dq', 'dk', 'dv']);
}

// Prefix tuning: P slots (P not a multiple of 64; 70 spans two workgroups of slots) of a 3-layer prefix
// buffer [L, 2, P, KV·D], read at a layer offset; with and without a sliding window.
const PREFIX_CASES: [AttentionShape, number, number][] = [
  [{ B: 2, T: 5, H: 4, KV: 2, D: 8 }, 3, 1],
  [{ B: 3, T: 17, H: 2, KV: 1, D: 16 }, 70, 2],
  [{ B: 2, T: 70, H: 4, KV: 2, D: 8 }, 5, 0],
  [{ B: 2, T: 9, H: 4, KV: 2, D: 8, slidingWindow: 6 }, 4, 1],
];

describe('attention (WebGPU vs CPU reference)', () => {
  for (const s of CASES) {
    it(`forward + backward ${JSON.stringify(s)}`, async () => {
      const x = inputs(s, s.B * 1000 + s.T * 10 + s.H + (s.slidingWindow ?? 0));
      const got = await runBoth(s, x);
      const ref = attention_cpu(x.q, x.k, x.v, s);
      expectClose(got.o, ref.o, TOL.strict, 'o');
      expectClose(got.lse, ref.lse, TOL.strict, 'lse');
      const g = attention_backward_cpu(x.dO, x.q, x.k, x.v, s);
      expectClose(got.dq, g.dq, TOL.strict, 'dq');
      expectClose(got.dk, g.dk, TOL.strict, 'dk');
      expectClose(got.dv, g.dv, TOL.strict, 'dv');
    });
  }

  it('T = 1: o = v of the head group, lse = score, dq = dk = 0, dv = Σ dO over the group', async () => {
    const s = { B: 3, T: 1, H: 4, KV: 2, D: 8 };
    const x = inputs(s, 77);
    const got = await runBoth(s, x);
    const { B, H, KV, D } = s;
    const oWant = new Float32Array(B * H * D), dvWant = new Float64Array(B * KV * D);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / KV));
        for (let d = 0; d < D; d++) {
          oWant[(b * H + h) * D + d] = x.v[(b * KV + g) * D + d];
          dvWant[(b * KV + g) * D + d] += x.dO[(b * H + h) * D + d];
        }
      }
    }
    expectClose(got.o, oWant, TOL.exact, 'o = v');
    expectClose(got.dq, new Float32Array(B * H * D), TOL.strict, 'dq = 0');
    expectClose(got.dk, new Float32Array(B * KV * D), TOL.strict, 'dk = 0');
    expectClose(got.dv, dvWant, TOL.strict, 'dv');
  });

  for (const [s, P, layer] of PREFIX_CASES) {
    it(`with a prefix of ${P} slots (layer ${layer} of 3) ${JSON.stringify(s)}`, async () => {
      const gpu = await testGpu();
      const x = inputs(s, 500 + P * 7 + s.T);
      const rng = new Rng(P * 31 + layer);
      const block = 2 * P * s.KV * s.D, offset = layer * block;
      const pkv = rng.fill(3 * block, -2, 2);
      const dpkv0 = rng.fill(3 * block); // the gradient is ADDED to what is there
      const pre = { P, pk: pkv.subarray(offset, offset + block / 2), pv: pkv.subarray(offset + block / 2, offset + block) };
      const N = s.B * s.T;
      const got = await runOnce(gpu, { ...x, pkv, dpkv: dpkv0, o: N * s.H * s.D, lse: s.B * s.H * s.T, dq: N * s.H * s.D, dk: N * s.KV * s.D, dv: N * s.KV * s.D }, (pass, b) => {
        const args = { ...s, q: b.q, k: b.k, v: b.v, o: b.o, lse: b.lse, prefix: { pkv: b.pkv, P, offset } };
        return [...attention(gpu, pass, args), ...attentionBackward(gpu, pass, { ...args, dO: b.dO, dq: b.dq, dk: b.dk, dv: b.dv, dpkv: b.dpkv })];
      }, ['o', 'lse', 'dq', 'dk', 'dv', 'dpkv']);
      const ref = attention_cpu(x.q, x.k, x.v, s, pre);
      expectClose(got.o, ref.o, TOL.strict, 'o');
      expectClose(got.lse, ref.lse, TOL.strict, 'lse');
      const g = attention_backward_cpu(x.dO, x.q, x.k, x.v, s, pre);
      expectClose(got.dq, g.dq, TOL.strict, 'dq');
      expectClose(got.dk, g.dk, TOL.strict, 'dk');
      expectClose(got.dv, g.dv, TOL.strict, 'dv');
      const want = Float64Array.from(dpkv0);
      for (let i = 0; i < block / 2; i++) { want[offset + i] += g.dpk[i]; want[offset + block / 2 + i] += g.dpv[i]; }
      expectClose(got.dpkv, want, TOL.strict, 'dpkv (+= at the layer offset, other layers untouched)');
    });
  }
});
