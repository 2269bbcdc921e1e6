// IEEE half (f16) and bfloat16 <-> float32 conversion, bit-exact, round-to-nearest-even (as numpy,
// PyTorch and ggml's GGML_FP32_TO_FP16 / F16C). Data in every format here is little-endian.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

let f16Table: Float32Array | null = null;

/** All 65536 half values as float32 (256 KiB, built on first use). */
function table(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 31) t[h] = mant ? NaN : sign * Infinity;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  f16Table = t;
  return t;
}

export function f16ToF32(h: number): number {
  return table()[h & 0xffff];
}

/** float32 bits -> half bits, round to nearest even; overflow -> ±Inf, NaN stays NaN. */
export function f32ToF16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Result is subnormal (or zero): value = m · 2^(e−38), half mantissa = m · 2^(e−14).
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let hm = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && hm & 1)) hm++;
    return sign | hm;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is correct (up to Inf)
  return sign | h;
}

export function bf16ToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** float32 -> bfloat16 bits, round to nearest even (PyTorch); NaN -> quiet NaN. */
export function f32ToBf16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return ((b >>> 16) & 0x8000) | 0x7fc0;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Decode `n` little-endian halves starting at bytes[0]. */
export function decodeF16(bytes: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const t = table();
  for (let i = 0; i < n; i++) out[i] = t[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  return out;
}

export function decodeBf16(bytes: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const o32 = new Uint32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) o32[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16;
  return out;
}

/** Decode `n` little-endian float32s (works at any byte alignment). */
export function decodeF32(bytes: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(bytes.subarray(0, 4 * n));
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, 4 * n);
    for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  }
  return out;
}

export function encodeF16(data: Float32Array, out: Uint8Array): void {
  for (let i = 0; i < data.length; i++) {
    const h = f32ToF16(data[i]);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
}

export function encodeBf16(data: Float32Array, out: Uint8Array): void {
  for (let i = 0; i < data.length; i++) {
    const h = f32ToBf16(data[i]);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
}

export function encodeF32(data: Float32Array, out: Uint8Array): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } else {
    const dv = new DataView(out.buffer, out.byteOffset, 4 * data.length);
    for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  }
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
