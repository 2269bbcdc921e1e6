// GGUF (v3, and v2 which has the same layout): streaming reader, writer, and the mapping between a
// llama / qwen2 GGUF and the engine's HF-named weights (a BaseWeightMap: linear weights in the requested
// base storage type, converted one tensor at a time as they are read; everything else float32).
//
// Layout [ggml docs/gguf.md]: "GGUF" | u32 version | u64 tensor_count | u64 kv_count | kv* | tensor_info*
// | pad to ALIGNMENT | data. kv = string key, u32 type, value; string = u64 len + UTF-8 bytes;
// array = u32 elem type, u64 count, elems (nestable). tensor_info = string name, u32 n_dims (≤ 4),
// u64 ne[n_dims] (ne0 = innermost / fastest, i.e. REVERSED vs numpy), u32 ggml type, u64 offset
// (relative to the data section, a multiple of ALIGNMENT = general.alignment, default 32).
//
// Untrusted input: every count and length is checked against the bytes left in the file BEFORE anything
// is allocated, every read is bounds-checked, and every problem is a FormatError naming the file.
//
// RoPE layout. convert_hf_to_gguf.py stores the q/k projections of `llama` models permuted
// (LlamaModel.permute: reshape(H, 2, D/2, C).swapaxes(1, 2)), which turns HF's rotate-half pairs
// (i, i + D/2) into Meta's interleaved pairs (2i, 2i + 1). ggufToModel UN-PERMUTES those rows (and
// biases) on load, so the engine always sees HF layout and always uses ropeLayout 'half'. modelToGguf
// applies the permutation on write, so that llama.cpp reads our files correctly and reading one back
// gives the original HF weights exactly. qwen2 is stored un-permuted (NEOX rotate-half) both ways.

import { ConfigError, configFromHf, ropeInvFreq, type ModelConfig } from '../engine/config.ts';
import { blocksPerRow, scalesPerBlock, wordsPerBlock, type BaseDtype, type BaseDtypeChoice, type QuantizedMatrix } from '../engine/quant.ts';
import { expectedTensors, linearWeightNames, storeLinear, validateWeights, type BaseWeightMap, type WeightMap } from '../engine/weights.ts';
import { FormatError, quote } from './errors.ts';
import {
  DECODABLE_GGML_TYPES, GGML_TYPES, dequantize, ggmlByteSize, ggmlTypeByName, isDecodable, quantizeQ4_0, quantizeQ8_0,
  repackGgml, repacksTo, type GgmlTypeInfo,
} from './ggml-quants.ts';
import { encodeBf16, encodeF16, encodeF32 } from './half.ts';
import { readRange, type ByteSource } from './source.ts';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as u32 LE
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS. */
export const GGUF_MAX_DIMS = 4;
/** Tensor names are at most 64 bytes (GGML_MAX_NAME). */
export const GGUF_MAX_NAME = 64;
/** Nested arrays deeper than this are refused (real files never nest; this bounds recursion). */
export const GGUF_MAX_ARRAY_DEPTH = 8;

// --- metadata values --------------------------------------------------------------------------------

export const GGUF_VALUE_TYPES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'] as const;
/** Index in this list = the type id in the file. */
export type GgufValueType = (typeof GGUF_VALUE_TYPES)[number];

/** u64 / i64 values are numbers when they are safe integers, bigints otherwise. */
export type GgufValue = number | bigint | boolean | string | GgufArray;
export interface GgufArray {
  elemType: GgufValueType;
  items: GgufValue[];
}
export interface GgufEntry {
  type: GgufValueType;
  value: GgufValue;
}

const FIXED_SIZE: Partial<Record<GgufValueType, number>> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8 };
/** Smallest encoding of one value of each type (string: its u64 length; array: elem type + count). */
function minSize(t: GgufValueType): number {
  return FIXED_SIZE[t] ?? (t === 'string' ? 8 : 12);
}

export function ggufArray(elemType: GgufValueType, items: GgufValue[]): GgufArray {
  return { elemType, items };
}

// --- reader -----------------------------------------------------------------------------------------

export interface GgufTensorInfo {
  name: string;
  /** numpy / HF order (outermost first): the reverse of `ne`. */
  shape: number[];
  /** ggml order as stored (ne0 = innermost, contiguous). */
  ne: number[];
  /** ggml type name, e.g. 'Q4_K'. */
  type: string;
  typeId: number;
  numElements: number;
  byteLength: number;
  /** Absolute byte offset of the tensor data in the file. */
  offset: number;
}

export interface GgufFile {
  readonly source: ByteSource;
  readonly name: string;
  readonly version: number;
  readonly alignment: number;
  /** Absolute offset of the data section. */
  readonly dataStart: number;
  readonly metadata: ReadonlyMap<string, GgufEntry>;
  readonly tensors: readonly GgufTensorInfo[];
  get(name: string): GgufTensorInfo | undefined;
  /** A metadata value (scalar, or GgufArray), or undefined. */
  meta(key: string): GgufValue | undefined;
  /** The tensor's raw bytes as stored (blocks for quantized types; may alias the source — copy to keep). */
  readRaw(name: string): Promise<Uint8Array>;
  /** Read and decode one tensor to float32 (row-major in `shape` order). Undecodable types are refused by name. */
  readTensor(name: string): Promise<Float32Array>;
}

const CHUNK = 1 << 20;

/** A forward reader over a ByteSource that fetches the header in chunks; all reads bounds-checked. */
class Cursor {
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private bufStart = 0;
  constructor(readonly src: ByteSource) {}
  get remaining(): number {
    return this.src.size - this.pos;
  }
  /** Whether n bytes at pos are already buffered (sync fast path). */
  has(n: number): boolean {
    return this.pos + n <= this.bufStart + this.buf.length && this.pos >= this.bufStart;
  }
  /** Make n bytes at pos available, or fail with "truncated" naming `what`. */
  async fill(n: number, what: string): Promise<void> {
    if (this.has(n)) return;
    if (n > this.remaining) {
      throw new FormatError(this.src.name, `${what}: needs ${n} bytes at offset ${this.pos} but the file has only ${this.remaining} left (truncated or corrupt)`);
    }
    const len = Math.min(this.remaining, Math.max(n, CHUNK));
    const b = await readRange(this.src, this.pos, len, what);
    this.buf = b;
    this.bufStart = this.pos;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private at(n: number): number {
    const o = this.pos - this.bufStart;
    this.pos += n;
    return o;
  }
  u8(): number { return this.dv.getUint8(this.at(1)); }
  i8(): number { return this.dv.getInt8(this.at(1)); }
  u16(): number { return this.dv.getUint16(this.at(2), true); }
  i16(): number { return this.dv.getInt16(this.at(2), true); }
  u32(): number { return this.dv.getUint32(this.at(4), true); }
  i32(): number { return this.dv.getInt32(this.at(4), true); }
  f32(): number { return this.dv.getFloat32(this.at(4), true); }
  f64(): number { return this.dv.getFloat64(this.at(8), true); }
  u64(): bigint { return this.dv.getBigUint64(this.at(8), true); }
  i64(): bigint { return this.dv.getBigInt64(this.at(8), true); }
  bytes(n: number): Uint8Array {
    const o = this.at(n);
    return this.buf.subarray(o, o + n);
  }
}

const utf8 = new TextDecoder('utf-8');

function bigToNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Read a u64 count/length/offset that must be a safe integer ≤ `limit` (checked before any allocation). */
async function readSize(cur: Cursor, what: string, limit: number, unit = 1): Promise<number> {
  cur.has(8) || (await cur.fill(8, what));
  const v = cur.u64();
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || Number(v) * unit > limit) {
    throw new FormatError(cur.src.name, `${what} is ${v}, more than the ${cur.remaining} bytes left in the file can hold (corrupt or not a GGUF file)`);
  }
  return Number(v);
}

async function readString(cur: Cursor, what: string): Promise<string> {
  const n = await readSize(cur, `${what} length`, cur.remaining - 8);
  cur.has(n) || (await cur.fill(n, what));
  return utf8.decode(cur.bytes(n));
}

/** `count` strings; awaits only when the buffer needs refilling (tokenizer arrays hold ~150k strings). */
async function readStrings(cur: Cursor, count: number, items: GgufValue[], what: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    cur.has(8) || (await cur.fill(8, what));
    const v = cur.u64();
    if (v > BigInt(cur.remaining)) {
      throw new FormatError(cur.src.name, `${what} string #${i} length is ${v}, more than the ${cur.remaining} bytes left in the file (corrupt)`);
    }
    const n = Number(v);
    cur.has(n) || (await cur.fill(n, what));
    items[i] = utf8.decode(cur.bytes(n));
  }
}

async function readValueType(cur: Cursor, what: string): Promise<GgufValueType> {
  cur.has(4) || (await cur.fill(4, what));
  const id = cur.u32();
  const t = GGUF_VALUE_TYPES[id];
  if (t === undefined) throw new FormatError(cur.src.name, `${what}: unknown metadata value type ${id}`);
  return t;
}

function readFixed(cur: Cursor, t: GgufValueType): GgufValue {
  switch (t) {
    case 'u8': return cur.u8();
    case 'i8': return cur.i8();
    case 'u16': return cur.u16();
    case 'i16': return cur.i16();
    case 'u32': return cur.u32();
    case 'i32': return cur.i32();
    case 'f32': return cur.f32();
    case 'bool': return cur.u8() !== 0;
    case 'u64': return bigToNumber(cur.u64());
    case 'i64': return bigToNumber(cur.i64());
    case 'f64': return cur.f64();
    default: throw new Error(`not a fixed-size type: ${t}`);
  }
}

async function readValue(cur: Cursor, t: GgufValueType, what: string, depth: number): Promise<GgufValue> {
  const fixed = FIXED_SIZE[t];
  if (fixed !== undefined) {
    cur.has(fixed) || (await cur.fill(fixed, what));
    return readFixed(cur, t);
  }
  if (t === 'string') return readString(cur, what);
  // array
  if (depth >= GGUF_MAX_ARRAY_DEPTH) throw new FormatError(cur.src.name, `${what}: arrays nested deeper than ${GGUF_MAX_ARRAY_DEPTH}`);
  const elemType = await readValueType(cur, `${what} element type`);
  const count = await readSize(cur, `${what} array length`, cur.remaining - 8, minSize(elemType));
  const items: GgufValue[] = new Array(count);
  const fs = FIXED_SIZE[elemType];
  if (fs !== undefined) {
    cur.has(fs * count) || (await cur.fill(fs * count, what));
    for (let i = 0; i < count; i++) items[i] = readFixed(cur, elemType);
  } else if (elemType === 'string') {
    await readStrings(cur, count, items, what);
  } else {
    for (let i = 0; i < count; i++) items[i] = await readValue(cur, elemType, what, depth + 1);
  }
  return { elemType, items };
}

/** Parse the header (metadata and tensor infos) of a GGUF file. Tensor data is read later, on demand. */
export async function openGguf(src: ByteSource): Promise<GgufFile> {
  const file = src.name;
  if (src.size < 4) throw new FormatError(file, `not a GGUF file: only ${src.size} bytes`);
  const cur = new Cursor(src);
  await cur.fill(4, 'magic');
  const magic = cur.u32();
  if (magic !== GGUF_MAGIC) {
    const b = [magic & 0xff, (magic >> 8) & 0xff, (magic >> 16) & 0xff, magic >>> 24];
    throw new FormatError(file, `not a GGUF file: magic bytes are ${quote(String.fromCharCode(...b))}, expected "GGUF"`);
  }
  await cur.fill(4 + 16, 'header');
  const version = cur.u32();
  if (version !== 2 && version !== 3) {
    const hint = version === 1 ? ' (GGUF v1 is obsolete; re-convert the model)' : version === 0x03000000 || version === 0x02000000 ? ' (a big-endian GGUF; only little-endian files are supported)' : '';
    throw new FormatError(file, `unsupported GGUF version ${version}${hint}`);
  }
  // Every tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes and
  // every kv at least 8 (key length) + 4 (type) + 1 (value): so both counts are bounded by the file size.
  const tensorCount = await readSize(cur, 'tensor_count', cur.remaining - 8, 24);
  const kvCount = await readSize(cur, 'metadata_kv_count', cur.remaining - tensorCount * 24, 13);

  const metadata = new Map<string, GgufEntry>();
  for (let i = 0; i < kvCount; i++) {
    const key = await readString(cur, `metadata key #${i}`);
    if (metadata.has(key)) throw new FormatError(file, `duplicate metadata key ${quote(key)}`);
    const what = `metadata ${quote(key)}`;
    const type = await readValueType(cur, what);
    metadata.set(key, { type, value: await readValue(cur, type, what, 0) });
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = metadata.get('general.alignment');
  if (al) {
    const v = al.value;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 30 || (v & (v - 1)) !== 0) {
      throw new FormatError(file, `general.alignment must be a power of two, got ${String(v)}`);
    }
    alignment = v;
  }

  const infos: GgufTensorInfo[] = [];
  const byName = new Map<string, GgufTensorInfo>();
  for (let i = 0; i < tensorCount; i++) {
    const name = await readString(cur, `tensor #${i} name`);
    if (new TextEncoder().encode(name).length > GGUF_MAX_NAME) throw new FormatError(file, `tensor #${i} name ${quote(name)} is longer than ${GGUF_MAX_NAME} bytes`);
    if (byName.has(name)) throw new FormatError(file, `duplicate tensor name ${quote(name)}`);
    const what = `tensor ${quote(name)}`;
    await cur.fill(4, what);
    const nDims = cur.u32();
    if (nDims > GGUF_MAX_DIMS) throw new FormatError(file, `${what}: n_dims ${nDims} is more than ${GGUF_MAX_DIMS}`);
    await cur.fill(8 * nDims + 12, what);
    const ne: number[] = [];
    let n = 1;
    for (let d = 0; d < nDims; d++) {
      const v = cur.u64();
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(file, `${what}: dimension ${v} is absurd`);
      ne.push(Number(v));
      n *= Number(v);
      if (!Number.isSafeInteger(n)) throw new FormatError(file, `${what}: element count of [${ne.join(', ')}…] overflows`);
    }
    const typeId = cur.u32();
    const t = GGML_TYPES.get(typeId);
    if (!t) throw new FormatError(file, `${what}: unknown ggml tensor type id ${typeId}`);
    if (nDims > 0 && ne[0] % t.blockSize !== 0) {
      throw new FormatError(file, `${what}: row length ne0 = ${ne[0]} is not a multiple of the ${t.name} block size ${t.blockSize}`);
    }
    const byteLength = ggmlByteSize(t, n);
    if (byteLength === null) throw new FormatError(file, `${what}: ${n} elements are not a whole number of ${t.name} blocks`);
    const rel = cur.u64();
    if (rel > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(file, `${what}: data offset ${rel} is absurd`);
    const relN = Number(rel);
    if (relN % alignment !== 0) throw new FormatError(file, `${what}: data offset ${relN} is not a multiple of the alignment ${alignment}`);
    const info: GgufTensorInfo = { name, shape: [...ne].reverse(), ne, type: t.name, typeId, numElements: n, byteLength, offset: relN };
    infos.push(info);
    byName.set(name, info);
  }
  const dataStart = cur.pos + ((alignment - (cur.pos % alignment)) % alignment);
  for (const t of infos) {
    t.offset += dataStart;
    if (t.byteLength > 0 && t.offset + t.byteLength > src.size) {
      throw new FormatError(file, `tensor ${quote(t.name)}: data (bytes ${t.offset}..${t.offset + t.byteLength}) lies beyond the end of the file (${src.size} bytes); truncated or corrupt`);
    }
  }
  const sorted = infos.filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].byteLength) {
      throw new FormatError(file, `tensors ${quote(sorted[i - 1].name)} and ${quote(sorted[i].name)} overlap in the data section`);
    }
  }

  const info = (name: string): GgufTensorInfo => {
    const t = byName.get(name);
    if (!t) throw new FormatError(file, `tensor ${quote(name)} is not in this file`);
    return t;
  };
  const readRaw = (name: string) => {
    const t = info(name);
    return readRange(src, t.offset, t.byteLength, `tensor ${quote(name)}`);
  };
  return {
    source: src,
    name: file,
    version,
    alignment,
    dataStart,
    metadata,
    tensors: infos,
    get: (name) => byName.get(name),
    meta: (key) => metadata.get(key)?.value,
    readRaw,
    async readTensor(name) {
      const t = info(name);
      if (!isDecodable(t.type)) {
        throw new FormatError(file, `tensor ${quote(name)}: type ${t.type} is not supported (supported: ${DECODABLE_GGML_TYPES.join(', ')})`);
      }
      return dequantize(t.type, await readRaw(name), t.numElements);
    },
  };
}

// --- writer -----------------------------------------------------------------------------------------

export type GgufWriteType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q4_0';

export interface GgufWriteTensor {
  name: string;
  /** HF / numpy order (outermost first); stored reversed. */
  shape: number[];
  type: GgufWriteType;
  data: Float32Array;
}

export interface GgufWriteInput {
  /** Plain strings and booleans are written as 'string' / 'bool'; numbers need an explicit {type, value}. */
  metadata: Record<string, GgufEntry | string | boolean>;
  tensors: GgufWriteTensor[];
}

const WRITER = '<gguf writer>';

/** A growable little-endian byte buffer for the header. */
class ByteWriter {
  buf = new Uint8Array(4096);
  dv = new DataView(this.buf.buffer);
  len = 0;
  private grow(n: number): number {
    if (this.len + n > this.buf.length) {
      const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      b.set(this.buf.subarray(0, this.len));
      this.buf = b;
      this.dv = new DataView(b.buffer);
    }
    const o = this.len;
    this.len += n;
    return o;
  }
  // (The offset is taken before `this.dv` / `this.buf` are read: grow() may replace them.)
  u8(v: number) { const o = this.grow(1); this.dv.setUint8(o, v); }
  i8(v: number) { const o = this.grow(1); this.dv.setInt8(o, v); }
  u16(v: number) { const o = this.grow(2); this.dv.setUint16(o, v, true); }
  i16(v: number) { const o = this.grow(2); this.dv.setInt16(o, v, true); }
  u32(v: number) { const o = this.grow(4); this.dv.setUint32(o, v, true); }
  i32(v: number) { const o = this.grow(4); this.dv.setInt32(o, v, true); }
  f32(v: number) { const o = this.grow(4); this.dv.setFloat32(o, v, true); }
  f64(v: number) { const o = this.grow(8); this.dv.setFloat64(o, v, true); }
  u64(v: number | bigint) { const o = this.grow(8); this.dv.setBigUint64(o, BigInt(v), true); }
  i64(v: number | bigint) { const o = this.grow(8); this.dv.setBigInt64(o, BigInt(v), true); }
  bytes(b: Uint8Array) { const o = this.grow(b.length); this.buf.set(b, o); }
  string(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
}

function checkInt(what: string, v: GgufValue, lo: number | bigint, hi: number | bigint): void {
  const ok = (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
  if (!ok || BigInt(v as number | bigint) < BigInt(lo) || BigInt(v as number | bigint) > BigInt(hi)) {
    throw new FormatError(WRITER, `${what}: ${String(v)} is not a valid value of its integer type`);
  }
}

function writeValue(w: ByteWriter, t: GgufValueType, v: GgufValue, what: string): void {
  const num = (): number => {
    if (typeof v !== 'number') throw new FormatError(WRITER, `${what}: expected a number for type ${t}, got ${typeof v}`);
    return v;
  };
  switch (t) {
    case 'u8': checkInt(what, v, 0, 255); return w.u8(num());
    case 'i8': checkInt(what, v, -128, 127); return w.i8(num());
    case 'u16': checkInt(what, v, 0, 65535); return w.u16(num());
    case 'i16': checkInt(what, v, -32768, 32767); return w.i16(num());
    case 'u32': checkInt(what, v, 0, 0xffffffff); return w.u32(num());
    case 'i32': checkInt(what, v, -(2 ** 31), 2 ** 31 - 1); return w.i32(num());
    case 'f32': return w.f32(num());
    case 'f64': return w.f64(num());
    case 'u64': checkInt(what, v, 0n, (1n << 64n) - 1n); return w.u64(v as number | bigint);
    case 'i64': checkInt(what, v, -(1n << 63n), (1n << 63n) - 1n); return w.i64(v as number | bigint);
    case 'bool':
      if (typeof v !== 'boolean') throw new FormatError(WRITER, `${what}: expected a boolean`);
      return w.u8(v ? 1 : 0);
    case 'string':
      if (typeof v !== 'string') throw new FormatError(WRITER, `${what}: expected a string`);
      return w.string(v);
    case 'array': {
      if (typeof v !== 'object' || v === null || !Array.isArray((v as GgufArray).items)) throw new FormatError(WRITER, `${what}: expected {elemType, items}`);
      const a = v as GgufArray;
      const id = GGUF_VALUE_TYPES.indexOf(a.elemType);
      if (id < 0) throw new FormatError(WRITER, `${what}: unknown element type ${quote(String(a.elemType))}`);
      w.u32(id);
      w.u64(a.items.length);
      for (const item of a.items) writeValue(w, a.elemType, item, what);
      return;
    }
  }
}

const WRITE_TYPE_IDS: Record<GgufWriteType, number> = { F32: 0, F16: 1, BF16: 30, Q8_0: 8, Q4_0: 2 };

/**
 * Serialize a GGUF v3 file. Quantized types follow ggml's reference quantizers (quantize_row_q8_0_ref,
 * quantize_row_q4_0_ref); their row length (last HF dimension) must be a multiple of 32.
 * general.quantization_version = 2 is added when a tensor is quantized and the caller did not set it.
 */
export function writeGguf(input: GgufWriteInput): Uint8Array {
  const entries: [string, GgufEntry][] = Object.entries(input.metadata).map(([k, v]) => [
    k,
    typeof v === 'string' ? { type: 'string', value: v } : typeof v === 'boolean' ? { type: 'bool', value: v } : v,
  ]);
  const quantized = input.tensors.some((t) => t.type === 'Q8_0' || t.type === 'Q4_0');
  if (quantized && !entries.some(([k]) => k === 'general.quantization_version')) {
    entries.push(['general.quantization_version', { type: 'u32', value: 2 }]);
  }
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = entries.find(([k]) => k === 'general.alignment')?.[1];
  if (al) {
    if (al.type !== 'u32' || typeof al.value !== 'number' || al.value < 1 || (al.value & (al.value - 1)) !== 0) {
      throw new FormatError(WRITER, 'general.alignment must be a u32 power of two');
    }
    alignment = al.value;
  }
  const align = (o: number) => o + ((alignment - (o % alignment)) % alignment);

  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(3);
  w.u64(input.tensors.length);
  w.u64(entries.length);
  for (const [k, e] of entries) {
    const id = GGUF_VALUE_TYPES.indexOf(e.type);
    if (id < 0) throw new FormatError(WRITER, `metadata ${quote(k)}: unknown type ${quote(String(e.type))}`);
    w.string(k);
    w.u32(id);
    writeValue(w, e.type, e.value, `metadata ${quote(k)}`);
  }
  const seen = new Set<string>();
  let offset = 0;
  const layout: { t: GgufWriteTensor; info: GgmlTypeInfo; offset: number; bytes: number }[] = [];
  for (const t of input.tensors) {
    const what = `tensor ${quote(t.name)}`;
    if (new TextEncoder().encode(t.name).length > GGUF_MAX_NAME || t.name === '') throw new FormatError(WRITER, `${what}: name must be 1..${GGUF_MAX_NAME} bytes`);
    if (seen.has(t.name)) throw new FormatError(WRITER, `duplicate tensor name ${quote(t.name)}`);
    seen.add(t.name);
    if (t.shape.length < 1 || t.shape.length > GGUF_MAX_DIMS) throw new FormatError(WRITER, `${what}: ${t.shape.length} dimensions (1..${GGUF_MAX_DIMS} allowed)`);
    const info = ggmlTypeByName(t.type);
    if (!info || !(t.type in WRITE_TYPE_IDS)) throw new FormatError(WRITER, `${what}: cannot write type ${quote(String(t.type))}`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new FormatError(WRITER, `${what}: shape [${t.shape}] has ${n} elements but data has ${t.data.length}`);
    if (t.shape[t.shape.length - 1] % info.blockSize !== 0) {
      throw new FormatError(WRITER, `${what}: row length ${t.shape[t.shape.length - 1]} is not a multiple of the ${t.type} block size ${info.blockSize}`);
    }
    const bytes = ggmlByteSize(info, n)!;
    w.string(t.name);
    w.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) w.u64(t.shape[d]);
    w.u32(WRITE_TYPE_IDS[t.type]);
    w.u64(offset);
    layout.push({ t, info, offset, bytes });
    offset = align(offset + bytes);
  }
  const dataStart = align(w.len);
  const total = dataStart + (layout.length ? layout[layout.length - 1].offset + layout[layout.length - 1].bytes : 0);
  const out = new Uint8Array(align(total));
  out.set(w.buf.subarray(0, w.len));
  for (const { t, offset: o, bytes } of layout) {
    const dst = out.subarray(dataStart + o, dataStart + o + bytes);
    switch (t.type) {
      case 'F32': encodeF32(t.data, dst); break;
      case 'F16': encodeF16(t.data, dst); break;
      case 'BF16': encodeBf16(t.data, dst); break;
      case 'Q8_0': quantizeQ8_0(t.data, dst); break;
      case 'Q4_0': quantizeQ4_0(t.data, dst); break;
    }
  }
  return out;
}

// --- llama q/k permutation ----------------------------------------------------------------------------

/**
 * HF rotate-half rows -> GGUF llama interleaved rows (convert_hf_to_gguf LlamaModel.permute).
 * `w` is [rows, cols] (cols = 1 for a bias), rows = nHead·D. Within each head, HF row j·D/2 + i
 * (j ∈ {0,1}, i < D/2) moves to row 2i + j.
 */
export function permuteLlamaQK(w: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  return permuteRows(w, rows, cols, nHead, false);
}

/** The inverse of permuteLlamaQK: GGUF llama interleaved rows -> HF rotate-half rows. */
export function unpermuteLlamaQK(w: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  return permuteRows(w, rows, cols, nHead, true);
}

function permuteRows(w: Float32Array, rows: number, cols: number, nHead: number, inverse: boolean): Float32Array {
  if (w.length !== rows * cols) throw new Error(`permute: bad shape rows=${rows} cols=${cols} heads=${nHead}`);
  const out = new Float32Array(w.length);
  forEachPermutedRow(rows, nHead, inverse, (src, dst) => out.set(w.subarray(src * cols, (src + 1) * cols), dst * cols));
  return out;
}

/** unpermuteLlamaQK for a quantized weight: whole rows of blocks (quants and scales) move, values untouched. */
export function unpermuteLlamaQKQuantized(q: QuantizedMatrix, nHead: number): QuantizedMatrix {
  const nb = blocksPerRow(q.cols), wq = nb * wordsPerBlock(q.dtype), ws = nb * scalesPerBlock(q.dtype);
  const quants = new Uint32Array(q.quants.length), scales = new Float32Array(q.scales.length);
  forEachPermutedRow(q.rows, nHead, true, (src, dst) => {
    quants.set(q.quants.subarray(src * wq, (src + 1) * wq), dst * wq);
    scales.set(q.scales.subarray(src * ws, (src + 1) * ws), dst * ws);
  });
  return { ...q, quants, scales };
}

/** Calls move(src, dst) for every row of the llama q/k permutation (or its inverse). */
function forEachPermutedRow(rows: number, nHead: number, inverse: boolean, move: (src: number, dst: number) => void): void {
  const D = rows / nHead;
  if (!Number.isInteger(D) || D % 2 !== 0) throw new Error(`permute: bad shape rows=${rows} heads=${nHead}`);
  const half = D / 2;
  for (let h = 0; h < nHead; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const hfRow = h * D + j * half + i;
        const ggRow = h * D + 2 * i + j;
        if (inverse) move(ggRow, hfRow);
        else move(hfRow, ggRow);
      }
    }
  }
}

// --- GGUF <-> HF model mapping ------------------------------------------------------------------------

const LAYER_NAMES: [gguf: string, hf: string][] = [
  ['attn_norm.weight', 'input_layernorm.weight'],
  ['attn_q.weight', 'self_attn.q_proj.weight'],
  ['attn_q.bias', 'self_attn.q_proj.bias'],
  ['attn_k.weight', 'self_attn.k_proj.weight'],
  ['attn_k.bias', 'self_attn.k_proj.bias'],
  ['attn_v.weight', 'self_attn.v_proj.weight'],
  ['attn_v.bias', 'self_attn.v_proj.bias'],
  ['attn_output.weight', 'self_attn.o_proj.weight'],
  ['ffn_norm.weight', 'post_attention_layernorm.weight'],
  ['ffn_gate.weight', 'mlp.gate_proj.weight'],
  ['ffn_up.weight', 'mlp.up_proj.weight'],
  ['ffn_down.weight', 'mlp.down_proj.weight'],
];
const GLOBAL_NAMES: [string, string][] = [
  ['token_embd.weight', 'model.embed_tokens.weight'],
  ['output_norm.weight', 'model.norm.weight'],
  ['output.weight', 'lm_head.weight'],
];
const G2H_LAYER = new Map(LAYER_NAMES);
const H2G_LAYER = new Map(LAYER_NAMES.map(([g, h]) => [h, g]));
const G2H_GLOBAL = new Map(GLOBAL_NAMES);
const H2G_GLOBAL = new Map(GLOBAL_NAMES.map(([g, h]) => [h, g]));

/** GGUF tensor name -> HF name (undefined for tensors the engine does not use, e.g. rope_freqs). */
export function ggufNameToHf(name: string): string | undefined {
  const g = G2H_GLOBAL.get(name);
  if (g) return g;
  const m = /^blk\.(\d+)\.(.+)$/.exec(name);
  if (!m) return undefined;
  const h = G2H_LAYER.get(m[2]);
  return h && String(Number(m[1])) === m[1] ? `model.layers.${m[1]}.${h}` : undefined;
}

/** HF name -> GGUF tensor name. */
export function hfNameToGguf(name: string): string | undefined {
  const g = H2G_GLOBAL.get(name);
  if (g) return g;
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  if (!m) return undefined;
  const h = H2G_LAYER.get(m[2]);
  return h ? `blk.${m[1]}.${h}` : undefined;
}

export const GGUF_ARCHITECTURES = ['llama', 'qwen2'] as const;
export type GgufArchitecture = (typeof GGUF_ARCHITECTURES)[number];

/** The shortest decimal that rounds to the same float32 (so an f32 1e-5 in the file reads back as 1e-5). */
function shortestF32(v: number): number {
  if (!Number.isFinite(v)) return v;
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const c = Number(f.toPrecision(p));
    if (Math.fround(c) === f) return c;
  }
  return f;
}

export interface GgufModel<W extends BaseWeightMap = BaseWeightMap> {
  config: ModelConfig;
  /** Linear weights in `baseDtype` (f32 arrays when it is f32), everything else f32. */
  weights: W;
  /** The storage type `native` maps to for this file (nativeFromGguf of its linear weights' types). */
  nativeDtype: BaseDtype;
  /** The storage type the linear weights were converted to (the request, `native` resolved). */
  baseDtype: BaseDtype;
  /** The parsed file (metadata incl. tokenizer.*, tensor listing). */
  gguf: GgufFile;
  /** ggml type of each loaded HF tensor as stored in the file (e.g. 'Q4_K'). */
  storedTypes: Map<string, string>;
}

/**
 * The engine base type that "native" means for a GGUF whose linear weights are stored as `types`: int4
 * when any is a 4-bit type (Q4_0 repacks losslessly; Q4_K is decoded and requantized), else int8 when
 * any is Q8_0 (lossless repack) / Q6_K / Q5_* (decoded, requantized), else f16 when all are F16/BF16, else
 * f32. One type for the whole model: a Q4_K_M file's Q6_K tensors are requantized to int4 too.
 */
export function nativeFromGguf(types: Iterable<string>): BaseDtype {
  const all = [...types];
  if (all.some((t) => t === 'Q4_0' || t === 'Q4_1' || t === 'Q4_K')) return 'int4';
  if (all.some((t) => t === 'Q8_0' || t === 'Q6_K' || t === 'Q5_K' || t === 'Q5_0')) return 'int8';
  if (all.length > 0 && all.every((t) => t === 'F16' || t === 'BF16')) return 'f16';
  return 'f32';
}

/**
 * Load a llama / qwen2 GGUF as a ModelConfig plus HF-named weights, one tensor at a time: each linear
 * weight is converted to the requested base type right after it is read (Q8_0 → int8 and Q4_0 → int4
 * are repacked without decoding; other types are decoded to f32 and quantized), so the host never holds
 * more than the converted model plus one decoded tensor. The embedding, LM head, norms and biases are
 * decoded to f32. llama q/k rows are un-permuted back to HF rotate-half layout (see the file header), so
 * the config always has ropeLayout 'half'. `baseDtype` defaults to f32 (every tensor decoded).
 */
export function ggufToModel(file: ByteSource | GgufFile, baseDtype?: 'f32'): Promise<GgufModel<WeightMap>>;
export function ggufToModel(file: ByteSource | GgufFile, baseDtype: BaseDtypeChoice): Promise<GgufModel>;
export async function ggufToModel(file: ByteSource | GgufFile, baseDtype: BaseDtypeChoice = 'f32'): Promise<GgufModel> {
  const g = 'readTensor' in file ? file : await openGguf(file);
  const name = g.name;
  const arch = g.meta('general.architecture');
  if (arch === undefined) throw new FormatError(name, 'metadata general.architecture is missing');
  if (typeof arch !== 'string') throw new FormatError(name, 'metadata general.architecture is not a string');
  if (!(GGUF_ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new FormatError(name, `unsupported architecture ${quote(arch)} (supported: ${GGUF_ARCHITECTURES.join(', ')})`);
  }
  const num = (key: string, required: boolean): number | undefined => {
    const v = g.meta(`${arch}.${key}`);
    if (v === undefined) {
      if (required) throw new FormatError(name, `metadata ${arch}.${key} is missing`);
      return undefined;
    }
    if (typeof v !== 'number') throw new FormatError(name, `metadata ${arch}.${key} must be a number, got ${typeof v === 'object' ? 'an array' : typeof v}`);
    return v;
  };
  const tokenId = (key: string): number | undefined => {
    const v = g.meta(`tokenizer.ggml.${key}`);
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
  };

  const byHf = new Map<string, GgufTensorInfo>();
  for (const t of g.tensors) {
    const h = ggufNameToHf(t.name);
    if (h) byHf.set(h, t);
  }
  const embd = byHf.get('model.embed_tokens.weight');
  if (!embd) throw new FormatError(name, 'tensor "token_embd.weight" is missing');
  if (embd.shape.length !== 2) throw new FormatError(name, `tensor "token_embd.weight" has shape [${embd.shape.join(', ')}], expected [vocab, hidden]`);
  const numLayers = num('block_count', true)!;
  // Each layer has ≥ 9 tensors: bound the layer count by the file before building per-layer lists.
  if (!Number.isInteger(numLayers) || numLayers < 1 || numLayers * 9 > g.tensors.length) {
    throw new FormatError(name, `${arch}.block_count ${numLayers} does not fit the ${g.tensors.length} tensors in the file`);
  }
  const hidden = num('embedding_length', true)!;
  const heads = num('attention.head_count', true)!;
  const eos = [tokenId('eos_token_id'), tokenId('eot_token_id'), tokenId('eom_token_id')].filter((x): x is number => x !== undefined);
  const raw: Record<string, unknown> = {
    model_type: arch,
    hidden_size: hidden,
    intermediate_size: num('feed_forward_length', true),
    num_hidden_layers: numLayers,
    num_attention_heads: heads,
    num_key_value_heads: num('attention.head_count_kv', false) ?? heads,
    head_dim: num('attention.key_length', false),
    vocab_size: embd.shape[0],
    rope_theta: shortestF32(num('rope.freq_base', false) ?? (arch === 'qwen2' ? 1e6 : 10000)),
    rms_norm_eps: shortestF32(num('attention.layer_norm_rms_epsilon', false) ?? 1e-5),
    tie_word_embeddings: !byHf.has('lm_head.weight'),
    attention_bias: arch === 'llama' && byHf.has('model.layers.0.self_attn.q_proj.bias'),
    max_position_embeddings: num('context_length', false) ?? 2048,
    bos_token_id: tokenId('bos_token_id'),
    eos_token_id: [...new Set(eos)],
  };
  const vl = num('attention.value_length', false);
  if (vl !== undefined && raw.head_dim !== undefined && vl !== raw.head_dim) {
    throw new FormatError(name, `attention.key_length ${String(raw.head_dim)} ≠ value_length ${vl} is not supported`);
  }
  const ropeFreqs = g.get('rope_freqs.weight');
  let config: ModelConfig;
  try {
    config = configFromHf(raw);
  } catch (e) {
    if (e instanceof ConfigError) throw new FormatError(name, `metadata describes an invalid model: ${e.message.replace(/^config\.json: /, '')}`);
    throw e;
  }
  const rd = num('rope.dimension_count', false);
  if (rd !== undefined && rd !== config.headDim) throw new FormatError(name, `rope.dimension_count ${rd} ≠ head dim ${config.headDim} (partial rotary is not supported)`);
  if (ropeFreqs) config = { ...config, ropeScaling: await ropeScalingFromFreqs(g, ropeFreqs, config, num('rope.scaling.original_context_length', false)) };

  const expected = expectedTensors(config);
  const storedTypes = new Map<string, string>();
  for (const [hf, shape] of expected) {
    const t = byHf.get(hf);
    if (!t) throw new FormatError(name, `tensor ${quote(hfNameToGguf(hf) ?? hf)} (${hf}) is missing`);
    if (t.shape.join(',') !== shape.join(',')) {
      throw new FormatError(name, `tensor ${quote(t.name)} has shape [${t.shape.join(', ')}] but the metadata implies [${shape.join(', ')}]`);
    }
    if (!isDecodable(t.type)) {
      throw new FormatError(name, `tensor ${quote(t.name)}: type ${t.type} is not supported (supported: ${DECODABLE_GGML_TYPES.join(', ')})`);
    }
    storedTypes.set(hf, t.type);
  }
  const linear = linearWeightNames(config);
  const nativeDtype = nativeFromGguf([...linear].map((hf) => storedTypes.get(hf)!));
  const dtype = baseDtype === 'native' ? nativeDtype : baseDtype;
  const weights: BaseWeightMap = new Map();
  for (const [hf, shape] of expected) {
    const t = byHf.get(hf)!;
    const rows = shape[0], cols = shape.length > 1 ? shape[1] : 1;
    const nHead = arch !== 'llama' ? 0 : /q_proj\.(weight|bias)$/.test(hf) ? config.numHeads : /k_proj\.(weight|bias)$/.test(hf) ? config.numKvHeads : 0;
    if (linear.has(hf) && repacksTo(t.type, dtype)) {
      const q = repackGgml(t.type, await g.readRaw(t.name), rows, cols);
      weights.set(hf, { shape: [rows, cols], q: nHead ? unpermuteLlamaQKQuantized(q, nHead) : q });
      continue;
    }
    let data = await g.readTensor(t.name);
    if (nHead) data = unpermuteLlamaQK(data, rows, cols, nHead);
    weights.set(hf, linear.has(hf) ? storeLinear(data, rows, cols, dtype) : { shape: [...shape], data });
  }
  return { config, weights, nativeDtype, baseDtype: dtype, gguf: g, storedTypes };
}

/** Standard llama3 parameters, tried against a file's rope_freqs.weight. */
function llama3Scaling(factor: number, orig: number): NonNullable<ModelConfig['ropeScaling']> {
  return { rope_type: 'llama3', factor, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: orig };
}

/** The per-frequency divisors llama.cpp stores as rope_freqs.weight for a llama3-scaled config. */
export function llama3RopeFreqs(cfg: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float32Array {
  const base = ropeInvFreq({ ...cfg, ropeScaling: null });
  const scaled = ropeInvFreq(cfg);
  return Float32Array.from(base, (b, i) => b / scaled[i]);
}

/**
 * GGUFs of Llama 3.x carry llama3 RoPE scaling only as the rope_freqs.weight tensor. Recover the config
 * parameters by matching it against the standard llama3 form (low 1, high 4); refuse anything else.
 */
async function ropeScalingFromFreqs(g: GgufFile, t: GgufTensorInfo, cfg: ModelConfig, origCtx: number | undefined): Promise<ModelConfig['ropeScaling']> {
  if (t.shape.length !== 1 || t.shape[0] !== cfg.headDim / 2) {
    throw new FormatError(g.name, `tensor "rope_freqs.weight" has shape [${t.shape.join(', ')}], expected [${cfg.headDim / 2}]`);
  }
  if (!isDecodable(t.type)) throw new FormatError(g.name, `tensor "rope_freqs.weight": type ${t.type} is not supported`);
  const f = await g.readTensor(t.name);
  let factor = 1;
  for (const v of f) if (v > factor) factor = v;
  if (f.every((v) => v === 1)) return null;
  for (const orig of [origCtx, 8192].filter((x): x is number => x !== undefined && Number.isInteger(x) && x > 0)) {
    const want = llama3RopeFreqs({ ...cfg, ropeScaling: llama3Scaling(factor, orig) });
    if (want.every((w, i) => Math.abs(w - f[i]) <= 1e-4 * Math.abs(w))) return llama3Scaling(shortestF32(factor), orig);
  }
  throw new FormatError(g.name, 'tensor "rope_freqs.weight" does not match llama3 RoPE scaling (low_freq_factor 1, high_freq_factor 4); unsupported RoPE scaling');
}

export type GgufModelType = 'F32' | 'F16' | 'Q8_0' | 'Q4_0';

export interface ModelToGgufOptions {
  /** general.name (default "tabtune"). */
  name?: string;
  /** Extra metadata (e.g. tokenizer.*), written after the model keys; may override them. */
  metadata?: Record<string, GgufEntry | string | boolean>;
}

/** llama.cpp's LLAMA_FTYPE values for general.file_type. */
const FILE_TYPE: Record<GgufModelType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 };

/**
 * Write an HF-layout model as a llama / qwen2 GGUF (mistral is written as llama, as llama.cpp does;
 * its sliding window is not carried). 1-D tensors (norms, biases) stay F32; matrices get `type`, except
 * that a quantized matrix whose row length is not a multiple of 32 falls back to F16 (as llama.cpp's
 * quantizer falls back for such tensors). llama q/k are permuted to the interleaved layout; llama3 RoPE
 * scaling is written as rope_freqs.weight.
 */
export function modelToGguf(cfg: ModelConfig, weights: WeightMap, type: GgufModelType, opts: ModelToGgufOptions = {}): Uint8Array {
  validateWeights(cfg, weights, 'modelToGguf');
  const arch: GgufArchitecture = cfg.modelType === 'qwen2' ? 'qwen2' : 'llama';
  if (cfg.ropeLayout !== 'half' && arch === 'qwen2') throw new FormatError(WRITER, 'qwen2 weights must be in rotate-half layout');
  const u32 = (value: number): GgufEntry => ({ type: 'u32', value });
  const f32 = (value: number): GgufEntry => ({ type: 'f32', value });
  const md: Record<string, GgufEntry | string | boolean> = {
    'general.architecture': arch,
    'general.name': opts.name ?? 'tabtune',
    'general.file_type': u32(FILE_TYPE[type]),
    [`${arch}.context_length`]: u32(cfg.maxPositionEmbeddings),
    [`${arch}.embedding_length`]: u32(cfg.hiddenSize),
    [`${arch}.block_count`]: u32(cfg.numLayers),
    [`${arch}.feed_forward_length`]: u32(cfg.intermediateSize),
    [`${arch}.rope.dimension_count`]: u32(cfg.headDim),
    [`${arch}.rope.freq_base`]: f32(cfg.ropeTheta),
    [`${arch}.attention.head_count`]: u32(cfg.numHeads),
    [`${arch}.attention.head_count_kv`]: u32(cfg.numKvHeads),
    [`${arch}.attention.layer_norm_rms_epsilon`]: f32(cfg.rmsNormEps),
  };
  if (cfg.headDim * cfg.numHeads !== cfg.hiddenSize) {
    md[`${arch}.attention.key_length`] = u32(cfg.headDim);
    md[`${arch}.attention.value_length`] = u32(cfg.headDim);
  }
  if (cfg.bosTokenId !== null) md['tokenizer.ggml.bos_token_id'] = u32(cfg.bosTokenId);
  if (cfg.eosTokenIds.length > 0) md['tokenizer.ggml.eos_token_id'] = u32(cfg.eosTokenIds[0]);
  Object.assign(md, opts.metadata ?? {});

  const tensors: GgufWriteTensor[] = [];
  for (const [hf, shape] of expectedTensors(cfg)) {
    let data = weights.get(hf)!.data;
    if (arch === 'llama' && cfg.ropeLayout === 'half') {
      const nHead = /q_proj\.(weight|bias)$/.test(hf) ? cfg.numHeads : /k_proj\.(weight|bias)$/.test(hf) ? cfg.numKvHeads : 0;
      if (nHead) data = permuteLlamaQK(data, shape[0], shape.length > 1 ? shape[1] : 1, nHead);
    }
    let t: GgufWriteType = shape.length === 1 ? 'F32' : type;
    if ((t === 'Q8_0' || t === 'Q4_0') && shape[shape.length - 1] % 32 !== 0) t = 'F16';
    tensors.push({ name: hfNameToGguf(hf)!, shape, type: t, data });
  }
  if (cfg.ropeScaling) tensors.push({ name: 'rope_freqs.weight', shape: [cfg.headDim / 2], type: 'F32', data: llama3RopeFreqs(cfg) });
  return writeGguf({ metadata: md, tensors });
}
