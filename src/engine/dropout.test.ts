import { describe, expect, it } from 'vitest';
import { dropoutMask, dropoutScale, dropoutStream, pcgHash } from './dropout.ts';

describe('LoRA dropout masks', () => {
  it('pcgHash matches the published pcg_hash values', () => {
    // Values from the u32 formula evaluated with BigInt arithmetic (mod 2³²), independent of Math.imul.
    expect(pcgHash(0)).toBe(129708002);
    expect(pcgHash(1)).toBe(2831084092);
    expect(pcgHash(123456789)).toBe(4272394698);
    expect(pcgHash(4294967295)).toBe(3861530882);
    for (const v of [0, 1, 2 ** 31, 2 ** 32 - 1]) expect(Number.isInteger(pcgHash(v)) && pcgHash(v) >= 0 && pcgHash(v) < 2 ** 32).toBe(true);
  });

  it('drops a fraction p, scales kept values by 1/(1−p), and depends on every part of the key', () => {
    const n = 20_000;
    for (const p of [0.1, 0.5]) {
      const m = dropoutMask(dropoutStream({ seed: 1, step: 0, micro: 0 }, 0, 'q_proj'), p, n);
      const kept = m.filter((v) => v !== 0);
      expect(Math.abs(1 - kept.length / n - p)).toBeLessThan(0.02);
      expect(new Set(kept)).toEqual(new Set([dropoutScale(p)]));
    }
    const base = { seed: 1, step: 5, micro: 0 };
    const streams = [
      dropoutStream(base, 0, 'q_proj'), dropoutStream({ ...base, seed: 2 }, 0, 'q_proj'), dropoutStream({ ...base, step: 6 }, 0, 'q_proj'),
      dropoutStream({ ...base, micro: 1 }, 0, 'q_proj'), dropoutStream(base, 1, 'q_proj'), dropoutStream(base, 0, 'k_proj'),
    ];
    expect(new Set(streams).size).toBe(streams.length);
    expect(dropoutMask(streams[0], 0.5, 64)).toEqual(dropoutMask(dropoutStream(base, 0, 'q_proj'), 0.5, 64)); // reproducible
  });

  it('p = 0 keeps everything with scale exactly 1', () => {
    expect([...dropoutMask(12345, 0, 100)].every((v) => v === 1)).toBe(true);
  });
});
