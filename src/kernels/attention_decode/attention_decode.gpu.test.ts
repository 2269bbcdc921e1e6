import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { attention_cpu } from '../attention/attention.ref.ts';
import { attentionDecode } from './attention_decode.ts';
import { attention_decode_cpu } from './attention_decode.ref.ts';

async function run(q: Float32Array, kc: Float32Array, vc: Float32Array, n: number, pos0: number, H: number, KV: number, D: number, W = 0): Promise<Float32Array> {
  const gpu = await testGpu();
  const before = gpu.liveBufferCount;
  const bq = gpu.upload('q', q), bk = gpu.upload('kc', kc), bv = gpu.upload('vc', vc), bo = gpu.createBuffer('o', n * H * D * 4);
  const temps: GPUBuffer[] = [];
  gpu.run((pass) => temps.push(...attentionDecode(gpu, pass, { q: bq, kc: bk, vc: bv, o: bo, n, pos0, H, KV, D, slidingWindow: W })));
  const out = await gpu.readF32(bo, n * H * D);
  gpu.destroyAll([bq, bk, bv, bo, ...temps]);
  expect(gpu.liveBufferCount).toBe(before);
  return out;
}

describe('attention_decode (KV cache)', () => {
  for (const [n, pos0, H, KV, D, W] of [[1, 0, 4, 2, 8, 0], [1, 9, 4, 2, 8, 0], [3, 5, 4, 1, 16, 0], [70, 0, 2, 2, 8, 0], [2, 11, 4, 2, 8, 4]]) {
    it(`n=${n} pos0=${pos0} H=${H} KV=${KV} D=${D} W=${W}`, async () => {
      const rng = new Rng(n * 31 + pos0);
      const maxT = pos0 + n + 3; // rows past pos0+n hold junk that must not be read
      const q = rng.fill(n * H * D), kc = rng.fill(maxT * KV * D), vc = rng.fill(maxT * KV * D);
      expectClose(await run(q, kc, vc, n, pos0, H, KV, D, W), attention_decode_cpu(q, kc, vc, n, pos0, H, KV, D, W), TOL.strict, 'o');
    });
  }

  it('prefill (pos0 = 0, n = T) equals the training attention kernel reference', async () => {
    const [T, H, KV, D] = [9, 4, 2, 8];
    const rng = new Rng(4);
    const q = rng.fill(T * H * D), k = rng.fill(T * KV * D), v = rng.fill(T * KV * D);
    const ref = attention_cpu(q, k, v, { B: 1, T, H, KV, D });
    expectClose(await run(q, k, v, T, 0, H, KV, D), ref.o, TOL.strict, 'o');
  });
});
