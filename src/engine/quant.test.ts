import { describe, expect, it } from 'vitest';
import { Rng } from './rng.ts';
import { quantizeQ4_0, quantizeQ8_0 } from '../formats/ggml-quants.ts';
import { f16ToF32, f32ToF16 } from '../formats/half.ts';
import { QK, blocksPerRow, bytesOf, dequantize, quantAt, quantize, sliceRows, wordsPerBlock, type QuantDtype } from './quant.ts';

/** Check |x − deq| ≤ bound(d) for every element, block by block. */
function expectBlockBounds(w: Float32Array, rows: number, cols: number, dtype: QuantDtype, bound: (d: number) => number): void {
  const q = quantize(w, rows, cols, dtype);
  const deq = dequantize(q);
  const nb = blocksPerRow(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = q.scales[r * nb + Math.floor(c / QK)];
      const err = Math.abs(w[r * cols + c] - deq[r * cols + c]);
      // 1e-6 relative slack: id = 1/d and q·d are rounded to f32.
      if (!(err <= bound(Math.abs(d)) * (1 + 1e-6))) throw new Error(`${dtype} [${r},${c}]: |${w[r * cols + c]} − ${deq[r * cols + c]}| = ${err} > bound ${bound(Math.abs(d))} (d = ${d})`);
    }
  }
}

describe('quantize / dequantize', () => {
  it('int8 round-trip error ≤ |d|/2 per block', () => {
    const rng = new Rng(1);
    expectBlockBounds(rng.normals(37 * 200, 0.05), 37, 200, 'int8', (d) => d / 2);
    expectBlockBounds(rng.fill(3 * 96, -3, 3), 3, 96, 'int8', (d) => d / 2);
  });

  it('int4 round-trip error ≤ |d| per block (and ≤ |d|/2 except the clamped −max)', () => {
    const rng = new Rng(2);
    expectBlockBounds(rng.normals(37 * 200, 0.05), 37, 200, 'int4', (d) => d);
    // Without a value near −max in a block, nothing clamps: every error ≤ |d|/2.
    const w = rng.fill(4 * 64, 0, 1); // all positive: max > 0, and −max is absent
    expectBlockBounds(w, 4, 64, 'int4', (d) => d / 2);
  });

  it('int8: hand-computed block (d = 1, ties round away from zero, byte packing)', () => {
    const x = new Float32Array(QK);
    x.set([127, -1, 2, -127, -63.5, 0.5, -0.5, 0.49]);
    const q = quantize(x, 1, QK, 'int8');
    expect(q.scales[0]).toBe(1);
    expect(q.quants.length).toBe(8);
    expect(q.quants[0]).toBe(0x8102ff7f); // bytes 127, −1, 2, −127 (two's complement), element 4w+k in byte k
    expect([4, 5, 6, 7].map((j) => quantAt(q, 0, j))).toEqual([-64, 1, -1, 0]);
    expect(q.quants[1]).toBe(0x00ff01c0);
    for (let w = 2; w < 8; w++) expect(q.quants[w]).toBe(0);
    expect(Array.from(dequantize(q).subarray(0, 8))).toEqual([127, -1, 2, -127, -64, 1, -1, 0]);
  });

  it('int4: hand-computed block (d = max/−8 with negative max, ggml nibble order)', () => {
    const x = new Float32Array(QK);
    x.set([-8, -7, 0, 7], 0);
    x.set([1, 2, -1, 3], 16);
    x[31] = 8; // |8| ties |−8|: the first one (−8) stays max; 8 → trunc(16.5) = 16 → clamped to 15 → 7
    const q = quantize(x, 1, QK, 'int4');
    expect(q.scales[0]).toBe(1);
    expect(q.quants.length).toBe(4);
    // q: x0..3 → 0, 1, 8, 15 (low nibbles of bytes 0..3); x16..19 → 9, 10, 7, 11 (high nibbles).
    expect(q.quants[0]).toBe(0xbf78a190);
    expect(q.quants[1]).toBe(0x88888888); // zeros are q = 8 in both halves
    expect(q.quants[3]).toBe(0xf8888888); // byte 15: element 15 (q 8) low, element 31 (q 15) high
    const deq = dequantize(q);
    expect(Array.from(deq.subarray(0, 4))).toEqual([-8, -7, 0, 7]);
    expect(Array.from(deq.subarray(16, 20))).toEqual([1, 2, -1, 3]);
    expect(deq[31]).toBe(7); // error exactly |d|
  });

  it('int4: positive max gives negative d; −max clamps to 7·d', () => {
    const x = new Float32Array(QK);
    x[0] = 16; x[1] = -16; x[2] = 3; x[3] = -3;
    const q = quantize(x, 1, QK, 'int4');
    expect(q.scales[0]).toBe(-2);
    expect([0, 1, 2, 3].map((j) => quantAt(q, 0, j))).toEqual([0, 15, 7, 10]); // trunc(x/−2 + 8.5)
    expect(Array.from(dequantize(q).subarray(0, 4))).toEqual([16, -14, 2, -4]); // errors 0, |d|, |d|/2, |d|/2
  });

  it('all-zero blocks: d = 0, decode to exact zeros (no NaN)', () => {
    for (const dtype of ['int8', 'int4'] as const) {
      const q = quantize(new Float32Array(2 * 40), 2, 40, dtype);
      expect(q.scales.length).toBe(4);
      expect(q.scales.every((d) => d === 0)).toBe(true); // int4: 0 / −8 = −0, as in ggml
      const deq = dequantize(q);
      expect(deq.every((v) => v === 0)).toBe(true);
    }
  });

  it('cols not a multiple of 32: the last block is zero-padded and shapes/bytes are right', () => {
    const rng = new Rng(3);
    for (const dtype of ['int8', 'int4'] as const) {
      for (const cols of [1, 31, 33, 200]) {
        const rows = 3;
        const w = rng.normals(rows * cols, 0.1);
        const q = quantize(w, rows, cols, dtype);
        const nb = Math.ceil(cols / 32);
        expect(q.scales.length).toBe(rows * nb);
        expect(q.quants.length).toBe(rows * nb * wordsPerBlock(dtype));
        expect(bytesOf(q)).toBe(rows * nb * (wordsPerBlock(dtype) * 4 + 4));
        // Padding elements decode to exactly 0 (int8 q = 0; int4 q = 8).
        for (let r = 0; r < rows; r++) {
          for (let j = cols - (nb - 1) * 32; j < 32; j++) expect(quantAt(q, r * nb + nb - 1, j)).toBe(dtype === 'int8' ? 0 : 8);
        }
        expectBlockBounds(w, rows, cols, dtype, dtype === 'int8' ? (d) => d / 2 : (d) => d);
      }
    }
  });

  it('quantizing the dequantized weights is a fixed point (int8)', () => {
    const rng = new Rng(4);
    const q1 = quantize(rng.normals(5 * 70, 0.1), 5, 70, 'int8');
    const q2 = quantize(dequantize(q1), 5, 70, 'int8');
    expect(Array.from(q2.quants)).toEqual(Array.from(q1.quants));
  });

  it('quants are byte-identical to GGUF Q8_0/Q4_0 qs (ggml reference quantizers in formats/)', () => {
    const rng = new Rng(5);
    const [rows, cols] = [4, 96];
    const w = rng.normals(rows * cols, 0.3);
    for (let i = 0; i < 32; i++) w[i] = (i - 16) * 0.5; // a block full of rounding ties
    for (const [dtype, ggml, blockBytes] of [['int8', quantizeQ8_0, 34], ['int4', quantizeQ4_0, 18]] as const) {
      const q = quantize(w, rows, cols, dtype);
      const ref = ggml(w);
      const mine = new Uint8Array(q.quants.buffer);
      const qsBytes = blockBytes - 2;
      for (let blk = 0; blk < rows * blocksPerRow(cols); blk++) {
        const o = blk * blockBytes;
        expect(Array.from(mine.subarray(blk * qsBytes, (blk + 1) * qsBytes)), `${dtype} block ${blk}`).toEqual(Array.from(ref.subarray(o + 2, o + blockBytes)));
        // ggml stores d as f16; ours is the same d before that rounding.
        const d16 = f16ToF32(ref[o] | (ref[o + 1] << 8));
        expect(Math.abs(d16 - q.scales[blk])).toBeLessThanOrEqual(Math.abs(q.scales[blk]) * 2 ** -11);
      }
    }
  });

  it('f16: halves packed two per word, rows zero-padded to 32, round to nearest even; sliceRows views', () => {
    const rng = new Rng(6);
    const [rows, cols] = [3, 33];
    const w = rng.normals(rows * cols, 0.3);
    w[0] = 1 + 2 ** -11; // a tie: rounds to even (1.0)
    w[1] = 70000; // overflow → +Inf
    w[2] = -1.5;
    const q = quantize(w, rows, cols, 'f16');
    expect(q.scales.length).toBe(0);
    expect(q.quants.length).toBe(rows * 2 * wordsPerBlock('f16')); // 2 blocks of 16 words per row
    expect(bytesOf(q)).toBe(rows * 64 * 2);
    expect(q.quants[0]).toBe(0x3c00 | (0x7c00 << 16)); // elements 0 (low half) and 1 (high half)
    expect(q.quants[1] & 0xffff).toBe(0xbe00);
    expect(q.quants[16] >>> 16).toBe(0); // element 33 of row 0: padding
    const deq = dequantize(q);
    for (let i = 3; i < w.length; i++) {
      expect(deq[i]).toBe(f16ToF32(f32ToF16(w[i])));
      expect(Math.abs(deq[i] - w[i])).toBeLessThanOrEqual(Math.abs(w[i]) * 2 ** -11);
    }
    const mid = sliceRows(q, 1, 2);
    expect(dequantize(mid)).toEqual(deq.subarray(cols, 3 * cols));
    const i8 = quantize(w.map((v) => (Number.isFinite(v) && Math.abs(v) < 10 ? v : 0)), rows, cols, 'int8');
    expect(dequantize(sliceRows(i8, 2, 1))).toEqual(dequantize(i8).subarray(2 * cols));
  });

  it('rejects bad shapes', () => {
    expect(() => quantize(new Float32Array(10), 2, 4, 'int8')).toThrow(/10 values/);
    expect(() => quantize(new Float32Array(0), 0, 4, 'int4')).toThrow(/bad shape/);
  });
});
