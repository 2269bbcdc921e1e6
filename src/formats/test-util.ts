// Test helpers for src/formats: a raw little-endian byte builder and a GGUF builder that lays out
// whatever it is given WITHOUT validation (for hand-built quant blocks and malformed files), plus the
// small valid files the fuzz test mutates. Not used by production code.

import { Rng } from '../engine/rng.ts';
import { f32ToF16 } from './half.ts';
import { writeGguf, type GgufWriteTensor } from './gguf.ts';
import { writeSafetensors } from './safetensors.ts';

export class RawWriter {
  private parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  u8(v: number): this { this.parts.push(v & 0xff); return this; }
  u16(v: number): this { return this.le(BigInt(v), 2); }
  u32(v: number): this { return this.le(BigInt(v >>> 0), 4); }
  i32(v: number): this { return this.le(BigInt.asUintN(32, BigInt(v)), 4); }
  u64(v: number | bigint): this { return this.le(BigInt.asUintN(64, BigInt(v)), 8); }
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    b.forEach((x) => this.parts.push(x));
    return this;
  }
  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    b.forEach((x) => this.parts.push(x));
    return this;
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    return this.bytes(b);
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i] & 0xff);
    return this;
  }
  pad(align: number): this {
    while (this.parts.length % align) this.parts.push(0);
    return this;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
  private le(v: bigint, n: number): this {
    for (let i = 0; i < n; i++) this.parts.push(Number((v >> BigInt(8 * i)) & 0xffn));
    return this;
  }
}

export interface RawKv {
  key: string;
  typeId: number;
  value: (w: RawWriter) => void;
}
export interface RawTensor {
  name: string;
  /** ggml order (ne0 first). */
  ne: (number | bigint)[];
  typeId: number;
  data: Uint8Array;
  /** Relative offset; default: sequential, aligned. */
  offset?: number | bigint;
  /** Override the written n_dims. */
  nDims?: number;
}
export interface RawGguf {
  magic?: string;
  version?: number;
  tensorCount?: number | bigint;
  kvCount?: number | bigint;
  kvs?: RawKv[];
  tensors?: RawTensor[];
  alignment?: number;
}

/** Lay out a GGUF byte for byte as told (no checks). */
export function buildRawGguf(g: RawGguf): Uint8Array {
  const A = g.alignment ?? 32;
  const kvs = g.kvs ?? [];
  const tensors = g.tensors ?? [];
  const w = new RawWriter();
  w.bytes(new TextEncoder().encode(g.magic ?? 'GGUF'));
  w.u32(g.version ?? 3);
  w.u64(g.tensorCount ?? tensors.length);
  w.u64(g.kvCount ?? kvs.length);
  for (const kv of kvs) {
    w.str(kv.key).u32(kv.typeId);
    kv.value(w);
  }
  let off = 0;
  for (const t of tensors) {
    w.str(t.name).u32(t.nDims ?? t.ne.length);
    for (const d of t.ne) w.u64(d);
    w.u32(t.typeId);
    w.u64(t.offset ?? off);
    off += t.data.length;
    off += (A - (off % A)) % A;
  }
  w.pad(A);
  for (const t of tensors) {
    w.pad(A); // data laid out sequentially, each tensor aligned (matching the default offsets)
    w.bytes(t.data);
  }
  return w.build();
}

export const kvU32 = (key: string, v: number): RawKv => ({ key, typeId: 4, value: (w) => w.u32(v) });
export const kvF32 = (key: string, v: number): RawKv => ({ key, typeId: 6, value: (w) => w.f32(v) });
export const kvStr = (key: string, v: string): RawKv => ({ key, typeId: 8, value: (w) => w.str(v) });

/** Random but finite f16 bits with |value| in a sane range (for block scales). */
export function randomHalfBits(rng: Rng, lo = 1e-3, hi = 0.1): number {
  const v = rng.uniform(lo, hi) * (rng.next() < 0.5 ? -1 : 1);
  return f32ToF16(v);
}

/** Random Q4_K / Q6_K blocks: random quant bytes, finite f16 scales. */
export function randomQ4KBlocks(rng: Rng, nBlocks: number): Uint8Array {
  const b = new Uint8Array(144 * nBlocks);
  for (let i = 0; i < b.length; i++) b[i] = rng.int(256);
  for (let k = 0; k < nBlocks; k++) {
    const d = randomHalfBits(rng), dmin = randomHalfBits(rng, 1e-3, 0.05);
    b[144 * k] = d & 0xff; b[144 * k + 1] = d >> 8;
    b[144 * k + 2] = dmin & 0xff; b[144 * k + 3] = dmin >> 8;
  }
  return b;
}
export function randomQ6KBlocks(rng: Rng, nBlocks: number): Uint8Array {
  const b = new Uint8Array(210 * nBlocks);
  for (let i = 0; i < b.length; i++) b[i] = rng.int(256);
  for (let k = 0; k < nBlocks; k++) {
    const d = randomHalfBits(rng, 1e-4, 1e-2);
    b[210 * k + 208] = d & 0xff; b[210 * k + 209] = d >> 8;
  }
  return b;
}

/** A small valid safetensors file (F32, F16, BF16 tensors, metadata). */
export function smallSafetensors(seed = 1): Uint8Array {
  const rng = new Rng(seed);
  return writeSafetensors(
    [
      { name: 'a.weight', dtype: 'F32', shape: [3, 4], data: rng.fill(12) },
      { name: 'b.weight', dtype: 'F16', shape: [5], data: rng.fill(5) },
      { name: 'c.bias', dtype: 'BF16', shape: [2, 2, 2], data: rng.fill(8) },
    ],
    { format: 'pt' },
  );
}

/** A small valid GGUF: metadata of every value type (incl. nested arrays) and tensors of several types. */
export function smallGguf(seed = 1): Uint8Array {
  const rng = new Rng(seed);
  const tensors: GgufWriteTensor[] = [
    { name: 'f32', shape: [2, 3], type: 'F32', data: rng.fill(6) },
    { name: 'f16', shape: [4], type: 'F16', data: rng.fill(4) },
    { name: 'q8', shape: [2, 32], type: 'Q8_0', data: rng.fill(64) },
    { name: 'q4', shape: [1, 32], type: 'Q4_0', data: rng.fill(32) },
  ];
  return writeGguf({
    metadata: {
      'general.architecture': 'llama',
      'a.u8': { type: 'u8', value: 7 },
      'a.i8': { type: 'i8', value: -7 },
      'a.u16': { type: 'u16', value: 700 },
      'a.i16': { type: 'i16', value: -700 },
      'a.u32': { type: 'u32', value: 70000 },
      'a.i32': { type: 'i32', value: -70000 },
      'a.f32': { type: 'f32', value: 0.5 },
      'a.bool': true,
      'a.u64': { type: 'u64', value: 2n ** 60n },
      'a.i64': { type: 'i64', value: -5 },
      'a.f64': { type: 'f64', value: 0.1 },
      'a.strs': { type: 'array', value: { elemType: 'string', items: ['x', 'yy', ''] } },
      'a.nested': { type: 'array', value: { elemType: 'array', items: [{ elemType: 'i32', items: [1, 2] }, { elemType: 'string', items: ['z'] }] } },
    },
    tensors,
  });
}
