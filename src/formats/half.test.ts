import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './half.ts';

describe('f16', () => {
  it('known values', () => {
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-2)).toBe(0xc000);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00); // rounds up to Inf
    expect(f32ToF16(65519)).toBe(0x7bff);
    expect(f32ToF16(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16(2 ** -25)).toBe(0x0000); // tie -> even (0)
    expect(f32ToF16(1.5 * 2 ** -25)).toBe(0x0001);
    expect(f32ToF16(3 * 2 ** -25)).toBe(0x0002); // 1.5 ulp tie -> even (2)
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(Infinity)).toBe(0x7c00);
    expect(Number.isNaN(f16ToF32(f32ToF16(NaN)))).toBe(true);
    expect(f16ToF32(0x3555)).toBeCloseTo(0.333251953125, 12);
  });
  it('every half survives f16 -> f32 -> f16', () => {
    const bad: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const x = f16ToF32(h);
      if (!Number.isNaN(x) && f32ToF16(x) !== h) bad.push(h);
    }
    expect(bad).toEqual([]);
  });
  it('rounds to the nearest half (checked against neighbours)', () => {
    let s = 12345;
    const bad: number[] = [];
    for (let k = 0; k < 20000; k++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const x = Math.fround(((s / 2 ** 32) * 2 - 1) * 2 ** ((k % 40) - 26));
      const h = f32ToF16(x);
      const y = f16ToF32(h);
      const up = f16ToF32(h + 1), down = f16ToF32(h - 1);
      if (Math.abs(y - x) > Math.abs(up - x)) bad.push(x);
      if ((h & 0x7fff) !== 0 && Math.abs(y - x) > Math.abs(down - x)) bad.push(x);
    }
    expect(bad).toEqual([]);
  });
});

describe('bf16', () => {
  it('round to nearest even', () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(bf16ToF32(0x3f80)).toBe(1);
    const f = new Float32Array(1), u = new Uint32Array(f.buffer);
    u[0] = 0x3f808000; // exactly halfway between 0x3f80 and 0x3f81 -> even
    expect(f32ToBf16(f[0])).toBe(0x3f80);
    u[0] = 0x3f818000; // halfway, odd below -> up
    expect(f32ToBf16(f[0])).toBe(0x3f82);
    u[0] = 0x3f808001;
    expect(f32ToBf16(f[0])).toBe(0x3f81);
    expect(Number.isNaN(bf16ToF32(f32ToBf16(NaN)))).toBe(true);
    expect(bf16ToF32(f32ToBf16(-Infinity))).toBe(-Infinity);
  });
});
