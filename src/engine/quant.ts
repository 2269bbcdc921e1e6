// Quantized storage of the frozen base weights (int8 = Q8_0-like, int4 = Q4_0-like, f16 = IEEE halves)
// and their CPU dequantization. The GPU never holds a dequantized copy of a whole weight: kernels/qmatmul reads these
// arrays and dequantizes inside the matmul. This file is NOT a GGUF reader (formats/ is); it defines the
// in-memory layout that a GGUF Q8_0/Q4_0 tensor is repacked into, and a quantizer from f32.
//
// Shapes: a linear weight W is [rows = out, cols = in], row-major (Hugging Face / PyTorch layout), and
// it is quantized in blocks of QK = 32 consecutive values along each row (the `in` dimension), like ggml.
// NB = ceil(cols / 32) blocks per row; a row whose `in` is not a multiple of 32 has its last block padded
// with zeros (the padded quants decode to exactly 0, so kernels may include them in sums).
//
// ---- Packing (little-endian u32 words; block (r, b) = row r, block b) -------------------------------
// scales: Float32Array [rows * NB], scales[r*NB + b] = d of block (r, b). (GGUF stores d as f16; a
//         loader converts it to f32 exactly.)
// int8:   quants: Uint32Array [rows * NB * 8]; block (r, b) is the 8 words at (r*NB + b) * 8.
//         Word w holds elements 4w..4w+3 of the block: element 4w+k is byte k (bits 8k..8k+7), as a
//         two's-complement int8 in [-127, 127]. Value = q · d.
//         These 32 bytes are exactly Q8_0's `qs[32]`, so a GGUF block repacks by copying its bytes.
// int4:   quants: Uint32Array [rows * NB * 4]; block (r, b) is the 4 words at (r*NB + b) * 4.
//         Byte j (0..15) of the block = byte k = j % 4 of word w = j / 4. Its LOW nibble (bits 8k..8k+3)
//         is element j and its HIGH nibble (bits 8k+4..8k+7) is element j + 16 (ggml's Q4_0 order:
//         low nibbles are the first half of the block, not interleaved). Nibbles are unsigned q in
//         [0, 15]; value = (q − 8) · d. These 16 bytes are exactly Q4_0's `qs[16]`.
//         So word w carries elements 4w..4w+3 (low nibbles) and 16+4w..16+4w+3 (high nibbles).
// f16:    quants: Uint32Array [rows * NB * 16]; block (r, b) is the 16 words at (r*NB + b) * 16. Word w
//         holds elements 2w (low 16 bits) and 2w+1 (high 16 bits) as IEEE binary16, i.e. exactly a
//         little-endian Uint16Array of the row padded with zeros to NB·32 values (what WGSL's
//         unpack2x16float reads, so no shader-f16 feature is needed). scales: empty (no scale).
//
// ---- Quantization (ggml's reference maths, quantize_row_q8_0_ref / quantize_row_q4_0_ref) -----------
// Computed in f32 (Math.fround) to match ggml bit for bit, except that d is kept in f32 rather than
// rounded to f16 (we quantize from f32 and have no reason to lose scale precision).
//   int8: d = amax / 127, id = d ? 1/d : 0, q = roundf(x · id)   (round half away from zero)
//   int4: max = the signed value with the largest |x| (first one on ties), d = max / −8,
//         id = d ? 1/d : 0, q = min(15, trunc(x · id + 8.5))
//   f16:  round to nearest even (formats/half.ts's f32ToF16, as numpy and PyTorch), overflow to ±Inf.
// Error per element: int8 |x − q·d| ≤ |d|/2; int4 ≤ |d| (the value −max clamps from 16 to 15, an error
// of exactly |d|; every other value is within |d|/2). An all-zero block has d = 0 and decodes to zeros.
// f16: relative error ≤ 2⁻¹¹ in the normal range.
import { f16ToF32, f32ToF16 } from '../formats/half.ts';

export type BaseDtype = 'f32' | 'f16' | 'int8' | 'int4';
export type QuantDtype = Exclude<BaseDtype, 'f32'>;

export const BASE_DTYPES: readonly BaseDtype[] = ['f32', 'f16', 'int8', 'int4'];

/** What a user picks on load: a base storage type, or `native`, the type the checkpoint's own tensor types map to. */
export type BaseDtypeChoice = 'native' | BaseDtype;

/** Values per quantization block, along each row's `in` dimension. */
export const QK = 32;

/** u32 words of quants per block: 64 bytes for f16, 32 bytes for int8, 16 bytes for int4. */
export function wordsPerBlock(dtype: QuantDtype): number {
  return dtype === 'f16' ? 16 : dtype === 'int8' ? 8 : 4;
}

/** f32 scales per block (f16 has none). */
export function scalesPerBlock(dtype: QuantDtype): number {
  return dtype === 'f16' ? 0 : 1;
}

/** Bytes one row of `cols` values occupies on the GPU in `dtype` (quants + scales). */
export function bytesPerRow(dtype: BaseDtype, cols: number): number {
  if (dtype === 'f32') return cols * 4;
  return blocksPerRow(cols) * (wordsPerBlock(dtype) + scalesPerBlock(dtype)) * 4;
}

/** Blocks per row: ceil(cols / 32). */
export function blocksPerRow(cols: number): number {
  return Math.ceil(cols / QK);
}

export interface QuantizedMatrix {
  dtype: QuantDtype;
  /** out */
  rows: number;
  /** in */
  cols: number;
  /** [rows * NB * wordsPerBlock(dtype)], packed as in the file header. */
  quants: Uint32Array;
  /** [rows * NB], one f32 scale d per block (empty for f16). */
  scales: Float32Array;
}

const f = Math.fround;

/** C's roundf: half away from zero (Math.round rounds half toward +∞). */
function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Quantize W [rows, cols] (row-major f32) to int8, int4 or f16. */
export function quantize(w: Float32Array, rows: number, cols: number, dtype: QuantDtype): QuantizedMatrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new Error(`quantize: bad shape [${rows}, ${cols}]`);
  if (w.length !== rows * cols) throw new Error(`quantize: ${w.length} values for shape [${rows}, ${cols}]`);
  if (dtype !== 'int8' && dtype !== 'int4' && dtype !== 'f16') throw new Error(`quantize: unsupported dtype ${String(dtype)}`);
  const nb = blocksPerRow(cols);
  if (dtype === 'f16') {
    const halves = new Uint16Array(rows * nb * QK); // rows padded with zeros to nb·32 values
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) halves[r * nb * QK + k] = f32ToF16(w[r * cols + k]);
    return { dtype, rows, cols, quants: new Uint32Array(halves.buffer), scales: new Float32Array(0) };
  }
  const wpb = wordsPerBlock(dtype);
  const quants = new Uint32Array(rows * nb * wpb);
  const scales = new Float32Array(rows * nb);
  const bytes = new Uint8Array(quants.buffer); // little-endian on every platform WebGPU runs on
  const x = new Float32Array(QK);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < nb; b++) {
      const k0 = b * QK;
      const n = Math.min(QK, cols - k0);
      x.fill(0);
      x.set(w.subarray(r * cols + k0, r * cols + k0 + n));
      const blk = r * nb + b;
      const base = blk * wpb * 4; // byte offset of the block
      if (dtype === 'int8') {
        let amax = 0;
        for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[j]));
        const d = f(amax / 127);
        const id = d ? f(1 / d) : 0;
        scales[blk] = d;
        for (let j = 0; j < QK; j++) bytes[base + j] = roundAway(f(x[j] * id)) & 0xff;
      } else {
        let amax = 0, max = 0;
        for (let j = 0; j < QK; j++) {
          if (amax < Math.abs(x[j])) {
            amax = Math.abs(x[j]);
            max = x[j];
          }
        }
        const d = f(max / -8);
        const id = d ? f(1 / d) : 0;
        scales[blk] = d;
        for (let j = 0; j < QK / 2; j++) {
          const q0 = Math.min(15, Math.trunc(f(f(x[j] * id) + 8.5)));
          const q1 = Math.min(15, Math.trunc(f(f(x[j + 16] * id) + 8.5)));
          bytes[base + j] = q0 | (q1 << 4);
        }
      }
    }
  }
  return { dtype, rows, cols, quants, scales };
}

/** The quantized value q of element j (0..31) of block `blk` (signed for int8, 0..15 for int4). */
export function quantAt(q: QuantizedMatrix, blk: number, j: number): number {
  if (q.dtype === 'f16') throw new Error('quantAt: f16 has no quants (use dequantize)');
  const bytes = new Uint8Array(q.quants.buffer, q.quants.byteOffset, q.quants.byteLength);
  const base = blk * wordsPerBlock(q.dtype) * 4;
  if (q.dtype === 'int8') return (bytes[base + j] << 24) >> 24;
  return j < 16 ? bytes[base + j] & 15 : bytes[base + j - 16] >> 4;
}

/** W [rows, cols] as f32: value = q·d (int8) or (q − 8)·d (int4), each product rounded to f32; f16 exactly. */
export function dequantize(q: QuantizedMatrix): Float32Array {
  const { rows, cols } = q;
  const nb = blocksPerRow(cols);
  const out = new Float32Array(rows * cols);
  if (q.dtype === 'f16') {
    const halves = new Uint16Array(q.quants.buffer, q.quants.byteOffset, q.quants.length * 2);
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[r * cols + k] = f16ToF32(halves[r * nb * QK + k]);
    return out;
  }
  const bytes = new Uint8Array(q.quants.buffer, q.quants.byteOffset, q.quants.byteLength);
  const wpb = wordsPerBlock(q.dtype);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < nb; b++) {
      const blk = r * nb + b;
      const d = q.scales[blk];
      const base = blk * wpb * 4;
      const n = Math.min(QK, cols - b * QK);
      const o = r * cols + b * QK;
      if (q.dtype === 'int8') {
        for (let j = 0; j < n; j++) out[o + j] = ((bytes[base + j] << 24) >> 24) * d;
      } else {
        for (let j = 0; j < n; j++) {
          const v = j < 16 ? bytes[base + j] & 15 : bytes[base + j - 16] >> 4;
          out[o + j] = (v - 8) * d;
        }
      }
    }
  }
  return out;
}

/** Bytes this matrix occupies (quants + scales), i.e. what it costs on the GPU. */
export function bytesOf(q: QuantizedMatrix): number {
  return q.quants.byteLength + q.scales.byteLength;
}

/** Why `q` is not a well-formed [rows, cols] matrix (dtype, shape, array lengths), or null when it is. */
export function quantizedProblem(q: QuantizedMatrix, rows: number, cols: number): string | null {
  if (q.dtype !== 'int8' && q.dtype !== 'int4' && q.dtype !== 'f16') return `unsupported quantized dtype ${String(q.dtype)}`;
  if (q.rows !== rows || q.cols !== cols) return `quantized as [${q.rows}, ${q.cols}]`;
  const nb = blocksPerRow(cols);
  if (q.quants.length !== rows * nb * wordsPerBlock(q.dtype) || q.scales.length !== rows * nb * scalesPerBlock(q.dtype)) {
    return `${q.dtype} arrays of ${q.quants.length} words and ${q.scales.length} scales do not match the layout`;
  }
  return null;
}

/**
 * W [rows, cols] stored as `dtype`: `w` itself when it already is (no copy, no requantization), else
 * converted — quantized from f32, or dequantized to f32 and (for another quantized type) requantized.
 */
export function toBaseDtype(w: Float32Array | QuantizedMatrix, rows: number, cols: number, dtype: BaseDtype): Float32Array | QuantizedMatrix {
  if (w instanceof Float32Array) {
    if (w.length !== rows * cols) throw new Error(`toBaseDtype: ${w.length} values for shape [${rows}, ${cols}]`);
    return dtype === 'f32' ? w : quantize(w, rows, cols, dtype);
  }
  const bad = quantizedProblem(w, rows, cols);
  if (bad) throw new Error(`toBaseDtype: expected [${rows}, ${cols}], ${bad}`);
  if (w.dtype === dtype) return w;
  const f32 = dequantize(w);
  return dtype === 'f32' ? f32 : quantize(f32, rows, cols, dtype);
}

/** Rows r0 .. r0+rows−1 of `q` as a matrix of their own (views, no copy): the unit a split weight uses. */
export function sliceRows(q: QuantizedMatrix, r0: number, rows: number): QuantizedMatrix {
  if (!(r0 >= 0 && rows >= 1 && r0 + rows <= q.rows)) throw new RangeError(`sliceRows: rows ${r0}..${r0 + rows - 1} outside [0, ${q.rows})`);
  const nb = blocksPerRow(q.cols), wq = nb * wordsPerBlock(q.dtype), ws = nb * scalesPerBlock(q.dtype);
  return { dtype: q.dtype, rows, cols: q.cols, quants: q.quants.subarray(r0 * wq, (r0 + rows) * wq), scales: q.scales.subarray(r0 * ws, (r0 + rows) * ws) };
}
