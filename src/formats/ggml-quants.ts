// ggml tensor types: the id/name/block table for every type a GGUF file may carry, CPU dequantization
// of the types tabtune loads (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K), and the reference quantizers
// for the types it writes (Q8_0, Q4_0).
//
// The maths is a transcription of ggml-quants.c (dequantize_row_*, quantize_row_*_ref). Float32
// arithmetic is reproduced with Math.fround at every point where C rounds to float, so results are
// bit-identical to a non-FMA C build. Block layouts (ggml_half = IEEE f16, little-endian):
//   Q8_0  32 elems, 34 B: f16 d; i8 qs[32]
//   Q4_0  32 elems, 18 B: f16 d; u8 qs[16]            (low nibbles = first 16, high nibbles = last 16)
//   Q4_K 256 elems, 144 B: f16 d; f16 dmin; u8 scales[12]; u8 qs[128]
//   Q6_K 256 elems, 210 B: u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d
// Quant blocks run along ne0 (the innermost, contiguous dimension = the last HF/numpy dimension).
//
// Q8_0 and Q4_0 blocks are also the engine's int8 / int4 blocks (engine/quant.ts: the same 32 quants in
// the same byte order, value q·d and (q − 8)·d), so `repackGgml` moves them into a QuantizedMatrix
// without decoding: the quant bytes are copied and d is widened from f16 to f32 (exactly).

import type { BaseDtype, QuantizedMatrix } from '../engine/quant.ts';
import { decodeBf16, decodeF16, decodeF32, f16ToF32, f32ToF16 } from './half.ts';

const fr = Math.fround;

export interface GgmlTypeInfo {
  id: number;
  name: string;
  /** Elements per block. */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
}

// (block size, type size) per gguf-py's GGML_QUANT_SIZES. Listed even when tabtune cannot decode a type,
// so that files holding such tensors can still be listed and their layout checked, and the error can
// name the type ("Q5_K is not supported") instead of a number.
const TYPES: [number, string, number, number][] = [
  [0, 'F32', 1, 4], [1, 'F16', 1, 2], [2, 'Q4_0', 32, 18], [3, 'Q4_1', 32, 20],
  [6, 'Q5_0', 32, 22], [7, 'Q5_1', 32, 24], [8, 'Q8_0', 32, 34], [9, 'Q8_1', 32, 36],
  [10, 'Q2_K', 256, 84], [11, 'Q3_K', 256, 110], [12, 'Q4_K', 256, 144], [13, 'Q5_K', 256, 176],
  [14, 'Q6_K', 256, 210], [15, 'Q8_K', 256, 292], [16, 'IQ2_XXS', 256, 66], [17, 'IQ2_XS', 256, 74],
  [18, 'IQ3_XXS', 256, 98], [19, 'IQ1_S', 256, 50], [20, 'IQ4_NL', 32, 18], [21, 'IQ3_S', 256, 110],
  [22, 'IQ2_S', 256, 82], [23, 'IQ4_XS', 256, 136], [24, 'I8', 1, 1], [25, 'I16', 1, 2],
  [26, 'I32', 1, 4], [27, 'I64', 1, 8], [28, 'F64', 1, 8], [29, 'IQ1_M', 256, 56],
  [30, 'BF16', 1, 2], [34, 'TQ1_0', 256, 54], [35, 'TQ2_0', 256, 66], [39, 'MXFP4', 32, 17],
];

export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  TYPES.map(([id, name, blockSize, typeSize]) => [id, { id, name, blockSize, typeSize }]),
);
const BY_NAME = new Map([...GGML_TYPES.values()].map((t) => [t.name, t]));

export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return BY_NAME.get(name);
}

/** The tensor types tabtune can decode to float32. */
export const DECODABLE_GGML_TYPES = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q6_K'] as const;
export type DecodableGgmlType = (typeof DECODABLE_GGML_TYPES)[number];

export function isDecodable(name: string): name is DecodableGgmlType {
  return (DECODABLE_GGML_TYPES as readonly string[]).includes(name);
}

/**
 * Decode `n` elements of type `type` from `bytes` (exactly n/blockSize·typeSize bytes: the readers check
 * sizes and refuse undecodable types, by name, before calling this).
 */
export function dequantize(type: DecodableGgmlType, bytes: Uint8Array, n: number): Float32Array {
  switch (type) {
    case 'F32': return decodeF32(bytes, n);
    case 'F16': return decodeF16(bytes, n);
    case 'BF16': return decodeBf16(bytes, n);
    case 'Q8_0': return dequantizeQ8_0(bytes, n);
    case 'Q4_0': return dequantizeQ4_0(bytes, n);
    case 'Q4_K': return dequantizeQ4_K(bytes, n);
    case 'Q6_K': return dequantizeQ6_K(bytes, n);
  }
}

function half(b: Uint8Array, o: number): number {
  return f16ToF32(b[o] | (b[o + 1] << 8));
}

// --- Q8_0 -----------------------------------------------------------------------------------------

export function dequantizeQ8_0(bytes: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const nb = n / 32;
  for (let i = 0; i < nb; i++) {
    const o = 34 * i;
    const d = half(bytes, o);
    for (let j = 0; j < 32; j++) out[32 * i + j] = ((bytes[o + 2 + j] << 24) >> 24) * d;
  }
  return out;
}

/** quantize_row_q8_0_ref: d = amax/127, q = roundf(x · (1/d)). `x.length` must be a multiple of 32. */
export function quantizeQ8_0(x: Float32Array, out = new Uint8Array((x.length / 32) * 34)): Uint8Array {
  const nb = x.length / 32;
  for (let i = 0; i < nb; i++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * i + j]));
    const d = fr(amax / 127);
    const id = d ? fr(1 / d) : 0;
    const h = f32ToF16(d);
    const o = 34 * i;
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let j = 0; j < 32; j++) out[o + 2 + j] = roundf(fr(x[32 * i + j] * id)) & 0xff;
  }
  return out;
}

/** C roundf: halves away from zero. */
function roundf(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

// --- Q4_0 -----------------------------------------------------------------------------------------

export function dequantizeQ4_0(bytes: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const nb = n / 32;
  for (let i = 0; i < nb; i++) {
    const o = 18 * i;
    const d = half(bytes, o);
    for (let j = 0; j < 16; j++) {
      const q = bytes[o + 2 + j];
      out[32 * i + j] = ((q & 15) - 8) * d;
      out[32 * i + j + 16] = ((q >> 4) - 8) * d;
    }
  }
  return out;
}

/** quantize_row_q4_0_ref: d = max/−8 (max = the value of largest |x|), q = min(15, (int8)(x/d + 8.5)). */
export function quantizeQ4_0(x: Float32Array, out = new Uint8Array((x.length / 32) * 18)): Uint8Array {
  const nb = x.length / 32;
  for (let i = 0; i < nb; i++) {
    let amax = 0, max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[32 * i + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -8);
    const id = d ? fr(1 / d) : 0;
    const h = f32ToF16(d);
    const o = 18 * i;
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let j = 0; j < 16; j++) {
      const x0 = fr(x[32 * i + j] * id);
      const x1 = fr(x[32 * i + 16 + j] * id);
      const q0 = Math.min(15, Math.trunc(fr(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(fr(x1 + 8.5)));
      out[o + 2 + j] = (q0 & 15) | ((q1 & 15) << 4);
    }
  }
  return out;
}

// --- Q4_K -----------------------------------------------------------------------------------------

/** get_scale_min_k4: the 6-bit scale and min of sub-block j (0..7) from the 12 packed scale bytes at s[o..]. */
function scaleMinK4(j: number, s: Uint8Array, o: number): [number, number] {
  if (j < 4) return [s[o + j] & 63, s[o + j + 4] & 63];
  return [(s[o + j + 4] & 0xf) | ((s[o + j - 4] >> 6) << 4), (s[o + j + 4] >> 4) | ((s[o + j] >> 6) << 4)];
}

export function dequantizeQ4_K(bytes: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const nb = n / 256;
  let y = 0;
  for (let i = 0; i < nb; i++) {
    const o = 144 * i;
    const d = half(bytes, o);
    const dmin = half(bytes, o + 2);
    const sc = o + 4; // scales[12]
    let q = o + 16; // qs[128]
    for (let c = 0; c < 4; c++) {
      const [s1, m1] = scaleMinK4(2 * c, bytes, sc);
      const [s2, m2] = scaleMinK4(2 * c + 1, bytes, sc);
      const d1 = fr(d * s1), mm1 = fr(dmin * m1);
      const d2 = fr(d * s2), mm2 = fr(dmin * m2);
      for (let l = 0; l < 32; l++) out[y++] = fr(d1 * (bytes[q + l] & 0xf)) - mm1;
      for (let l = 0; l < 32; l++) out[y++] = fr(d2 * (bytes[q + l] >> 4)) - mm2;
      q += 32;
    }
  }
  return out;
}

// --- Q6_K -----------------------------------------------------------------------------------------

export function dequantizeQ6_K(bytes: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const nb = n / 256;
  for (let i = 0; i < nb; i++) {
    const o = 210 * i;
    const d = half(bytes, o + 208);
    let ql = o, qh = o + 128, sc = o + 192;
    let y = 256 * i;
    for (let half128 = 0; half128 < 2; half128++) {
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = bytes[qh + l];
        const q1 = ((bytes[ql + l] & 0xf) | (((h >> 0) & 3) << 4)) - 32;
        const q2 = ((bytes[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((bytes[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((bytes[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
        out[y + l] = fr(d * i8(bytes[sc + is])) * q1;
        out[y + l + 32] = fr(d * i8(bytes[sc + is + 2])) * q2;
        out[y + l + 64] = fr(d * i8(bytes[sc + is + 4])) * q3;
        out[y + l + 96] = fr(d * i8(bytes[sc + is + 6])) * q4;
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
  return out;
}

function i8(b: number): number {
  return (b << 24) >> 24;
}

// --- Q8_0 / Q4_0 -> engine int8 / int4 ----------------------------------------------------------------

/** The engine dtype a ggml type repacks into without loss: Q8_0 → int8, Q4_0 → int4; else null. */
export function repackTarget(type: string): 'int8' | 'int4' | null {
  return type === 'Q8_0' ? 'int8' : type === 'Q4_0' ? 'int4' : null;
}

/**
 * A [rows, cols] Q8_0 or Q4_0 tensor (`bytes` as stored: rows × cols/32 blocks, row-major) as the engine's
 * int8 / int4 QuantizedMatrix, bit for bit the same values (dequantize() of both agree exactly).
 * `cols` must be a multiple of 32 (GGUF guarantees it: ne0 is a whole number of blocks).
 */
export function repackGgml(type: 'Q8_0' | 'Q4_0', bytes: Uint8Array, rows: number, cols: number): QuantizedMatrix {
  const t = ggmlTypeByName(type)!;
  const nBlocks = (rows * cols) / 32;
  if (cols % 32 !== 0 || bytes.length !== nBlocks * t.typeSize) throw new Error(`repackGgml: ${bytes.length} bytes of ${type} for [${rows}, ${cols}]`);
  const qBytes = t.typeSize - 2; // 32 for Q8_0, 16 for Q4_0: the u32 words of one engine block
  const quants = new Uint32Array((nBlocks * qBytes) / 4);
  const qb = new Uint8Array(quants.buffer);
  const scales = new Float32Array(nBlocks);
  for (let b = 0; b < nBlocks; b++) {
    const o = b * t.typeSize;
    scales[b] = half(bytes, o);
    qb.set(bytes.subarray(o + 2, o + t.typeSize), b * qBytes);
  }
  return { dtype: type === 'Q8_0' ? 'int8' : 'int4', rows, cols, quants, scales };
}

/** Whether a tensor stored as ggml `type` goes to `dtype` by repackGgml (no decode, no requantization). */
export function repacksTo(type: string, dtype: BaseDtype): type is 'Q8_0' | 'Q4_0' {
  return repackTarget(type) === dtype;
}

/** Bytes for `n` elements of a type, or null when n is not a whole number of blocks. */
export function ggmlByteSize(t: GgmlTypeInfo, n: number): number | null {
  if (n % t.blockSize !== 0) return null;
  return (n / t.blockSize) * t.typeSize;
}

