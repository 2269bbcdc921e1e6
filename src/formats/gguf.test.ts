import { describe, expect, it } from 'vitest';
import { type ModelConfig } from '../engine/config.ts';
import { Rng } from '../engine/rng.ts';
import { expectedTensors, randomWeights, tinyConfig, type WeightMap } from '../engine/weights.ts';
import { FormatError } from './errors.ts';
import { dequantizeQ4_K, dequantizeQ6_K } from './ggml-quants.ts';
import {
  ggufNameToHf, ggufToModel, hfNameToGguf, modelToGguf, openGguf, permuteLlamaQK, unpermuteLlamaQK, writeGguf, type GgufArray,
} from './gguf.ts';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './half.ts';
import { blobSource, bytesSource, type ByteSource } from './source.ts';
import { buildRawGguf, kvStr, kvU32, randomQ4KBlocks, randomQ6KBlocks, smallGguf, type RawTensor } from './test-util.ts';

const fr = Math.fround;
const open = (b: Uint8Array, name = 'bad.gguf') => openGguf(bytesSource(b, name));

async function expectFormatError(p: Promise<unknown>, match: RegExp, file = 'bad.gguf'): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err, `expected a FormatError matching ${match}`).toBeInstanceOf(FormatError);
  expect((err as Error).name).toBe('FormatError');
  expect((err as Error).message).toContain(file);
  expect((err as Error).message).toMatch(match);
}

// --- straightforward transcriptions of ggml-quants.c (reference for the tests) ---------------------

const h2f = (b: Uint8Array, o: number) => f16ToF32(b[o] | (b[o + 1] << 8));
const roundf = (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5);

/** quantize_row_q8_0_ref then dequantize_row_q8_0. */
function refQ8_0(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length / 32; i++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[i * 32 + j]));
    const d = fr(amax / 127);
    const id = d !== 0 ? fr(1 / d) : 0;
    const dh = f16ToF32(f32ToF16(d));
    for (let j = 0; j < 32; j++) y[i * 32 + j] = fr((roundf(fr(x[i * 32 + j] * id)) | 0) * dh); // stored as int8: no -0
  }
  return y;
}

/** quantize_row_q4_0_ref then dequantize_row_q4_0. */
function refQ4_0(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  const qk = 32;
  for (let i = 0; i < x.length / qk; i++) {
    let amax = 0, max = 0;
    for (let j = 0; j < qk; j++) {
      const v = x[i * qk + j];
      if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
    }
    const d = fr(max / -8);
    const id = d !== 0 ? fr(1 / d) : 0;
    const dh = f16ToF32(f32ToF16(d));
    for (let j = 0; j < qk; j++) {
      const q = Math.min(15, Math.trunc(fr(fr(x[i * qk + j] * id) + 8.5)));
      y[i * qk + j] = fr((q - 8) * dh);
    }
  }
  return y;
}

function getScaleMinK4(j: number, q: Uint8Array): [number, number] {
  if (j < 4) return [q[j] & 63, q[j + 4] & 63];
  return [(q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4)];
}

/** dequantize_row_q4_K. */
function refQ4_K(x: Uint8Array, k: number): Float32Array {
  const y = new Float32Array(k);
  let yi = 0;
  for (let i = 0; i < k / 256; i++) {
    const blk = x.subarray(i * 144, (i + 1) * 144);
    const d = h2f(blk, 0), min = h2f(blk, 2);
    const scales = blk.subarray(4, 16);
    let q = 16, is = 0;
    for (let j = 0; j < 256; j += 64) {
      let [sc, m] = getScaleMinK4(is + 0, scales);
      const d1 = fr(d * sc), m1 = fr(min * m);
      [sc, m] = getScaleMinK4(is + 1, scales);
      const d2 = fr(d * sc), m2 = fr(min * m);
      for (let l = 0; l < 32; ++l) y[yi++] = fr(fr(d1 * (blk[q + l] & 0xf)) - m1);
      for (let l = 0; l < 32; ++l) y[yi++] = fr(fr(d2 * (blk[q + l] >> 4)) - m2);
      q += 32;
      is += 2;
    }
  }
  return y;
}

/** dequantize_row_q6_K. */
function refQ6_K(x: Uint8Array, k: number): Float32Array {
  const y = new Float32Array(k);
  const i8 = (v: number) => (v > 127 ? v - 256 : v);
  for (let i = 0; i < k / 256; i++) {
    const blk = x.subarray(i * 210, (i + 1) * 210);
    const d = h2f(blk, 208);
    let ql = 0, qh = 128, sc = 192, yo = i * 256;
    for (let n = 0; n < 256; n += 128) {
      for (let l = 0; l < 32; ++l) {
        const is = Math.floor(l / 16);
        const q1 = ((blk[ql + l + 0] & 0xf) | (((blk[qh + l] >> 0) & 3) << 4)) - 32;
        const q2 = ((blk[ql + l + 32] & 0xf) | (((blk[qh + l] >> 2) & 3) << 4)) - 32;
        const q3 = ((blk[ql + l + 0] >> 4) | (((blk[qh + l] >> 4) & 3) << 4)) - 32;
        const q4 = ((blk[ql + l + 32] >> 4) | (((blk[qh + l] >> 6) & 3) << 4)) - 32;
        y[yo + l + 0] = fr(fr(d * i8(blk[sc + is + 0])) * q1);
        y[yo + l + 32] = fr(fr(d * i8(blk[sc + is + 2])) * q2);
        y[yo + l + 64] = fr(fr(d * i8(blk[sc + is + 4])) * q3);
        y[yo + l + 96] = fr(fr(d * i8(blk[sc + is + 6])) * q4);
      }
      yo += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
  return y;
}

const arr = (a: Float32Array) => Array.from(a);

// --- metadata and tensors --------------------------------------------------------------------------

describe('GGUF metadata', () => {
  it('reads every value type, including nested arrays and u64 beyond 2^53', async () => {
    const g = await open(smallGguf(), 'small.gguf');
    expect(g.version).toBe(3);
    expect(g.alignment).toBe(32);
    const m = (k: string) => g.metadata.get(k);
    expect(m('a.u8')).toEqual({ type: 'u8', value: 7 });
    expect(m('a.i8')).toEqual({ type: 'i8', value: -7 });
    expect(m('a.u16')).toEqual({ type: 'u16', value: 700 });
    expect(m('a.i16')).toEqual({ type: 'i16', value: -700 });
    expect(m('a.u32')).toEqual({ type: 'u32', value: 70000 });
    expect(m('a.i32')).toEqual({ type: 'i32', value: -70000 });
    expect(m('a.f32')).toEqual({ type: 'f32', value: 0.5 });
    expect(m('a.bool')).toEqual({ type: 'bool', value: true });
    expect(m('a.u64')).toEqual({ type: 'u64', value: 2n ** 60n });
    expect(m('a.i64')).toEqual({ type: 'i64', value: -5 });
    expect(m('a.f64')).toEqual({ type: 'f64', value: 0.1 });
    expect(g.meta('general.architecture')).toBe('llama');
    expect((g.meta('a.strs') as GgufArray).items).toEqual(['x', 'yy', '']);
    expect(g.meta('a.nested')).toEqual({ elemType: 'array', items: [{ elemType: 'i32', items: [1, 2] }, { elemType: 'string', items: ['z'] }] });
    expect(g.meta('general.quantization_version')).toBe(2); // added by the writer: the file has quantized tensors
  });
  it('round-trips large tokenizer-style arrays (header larger than the writer and reader buffers)', async () => {
    const tokens = Array.from({ length: 20000 }, (_, i) => `tok${i}▁${'é'.repeat(i % 5)}`);
    const scores = tokens.map((_, i) => -i / 4);
    const b = writeGguf({
      metadata: {
        'tokenizer.ggml.tokens': { type: 'array', value: { elemType: 'string', items: tokens } },
        'tokenizer.ggml.scores': { type: 'array', value: { elemType: 'f32', items: scores } },
        'tokenizer.chat_template': 'x'.repeat(3 << 20), // > the reader's 1 MiB chunk
      },
      tensors: [{ name: 't', shape: [2], type: 'F32', data: Float32Array.of(1, 2) }],
    });
    // Through a Blob as well: chunked reads of the header.
    const g = await openGguf(blobSource(new Blob([b as BlobPart]), 'big.gguf'));
    expect((g.meta('tokenizer.ggml.tokens') as GgufArray).items).toEqual(tokens);
    expect((g.meta('tokenizer.ggml.scores') as GgufArray).items).toEqual(scores);
    expect((g.meta('tokenizer.chat_template') as string).length).toBe(3 << 20);
    expect(arr(await g.readTensor('t'))).toEqual([1, 2]);
  });
  it('reads v2 files (same layout)', async () => {
    const b = buildRawGguf({ version: 2, kvs: [kvStr('general.architecture', 'llama')] });
    expect((await open(b, 'v2.gguf')).version).toBe(2);
  });
});

describe('GGUF tensors', () => {
  const rng = new Rng(11);
  const a = rng.fill(3 * 64, -2, 2);
  const bytes = writeGguf({
    metadata: { 'general.architecture': 'llama', 'general.alignment': { type: 'u32', value: 64 } },
    tensors: [
      { name: 'f32', shape: [3, 64], type: 'F32', data: a },
      { name: 'f16', shape: [3, 64], type: 'F16', data: a },
      { name: 'bf16', shape: [3, 64], type: 'BF16', data: a },
      { name: 'q8', shape: [3, 64], type: 'Q8_0', data: a },
      { name: 'q4', shape: [3, 64], type: 'Q4_0', data: a },
      { name: '4d', shape: [2, 1, 3, 32], type: 'Q8_0', data: rng.fill(192) },
    ],
  });

  it('shapes are HF order, dims stored reversed, offsets aligned', async () => {
    const g = await open(bytes, 't.gguf');
    expect(g.alignment).toBe(64);
    const t = g.get('f32')!;
    expect(t.shape).toEqual([3, 64]);
    expect(t.ne).toEqual([64, 3]);
    expect(g.get('4d')!.shape).toEqual([2, 1, 3, 32]);
    expect(g.get('4d')!.ne).toEqual([32, 3, 1, 2]);
    for (const x of g.tensors) expect((x.offset - g.dataStart) % 64).toBe(0);
    expect(g.dataStart % 64).toBe(0);
    expect(g.get('q8')!.byteLength).toBe(6 * 34);
    expect(g.get('q4')!.byteLength).toBe(6 * 18);
  });
  it('F32 exact; F16/BF16 round to nearest even; Q8_0/Q4_0 equal a direct quant -> dequant', async () => {
    const g = await open(bytes, 't.gguf');
    expect(arr(await g.readTensor('f32'))).toEqual(arr(a));
    expect(arr(await g.readTensor('f16'))).toEqual(Array.from(a, (x) => f16ToF32(f32ToF16(x))));
    expect(arr(await g.readTensor('bf16'))).toEqual(Array.from(a, (x) => bf16ToF32(f32ToBf16(x))));
    const q8 = await g.readTensor('q8');
    expect(arr(q8)).toEqual(arr(refQ8_0(a)));
    const q4 = await g.readTensor('q4');
    expect(arr(q4)).toEqual(arr(refQ4_0(a)));
    // Sanity on the error sizes: Q8_0 within d/2 (+ f16 scale rounding), Q4_0 within ~d.
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(q8[i] - a[i])).toBeLessThan((2 / 127) * 0.51 + 2e-3);
      expect(Math.abs(q4[i] - a[i])).toBeLessThan((2 / 8) * 1.01);
    }
  });
  it('quantizes zeros and constant blocks exactly', async () => {
    // Scales chosen so that d is exact in f16: Q8_0 d = amax/127, Q4_0 d = max/−8.
    const z8 = new Float32Array(64).fill(127 / 128, 32);
    const z4 = new Float32Array(64).fill(0.25, 32);
    const g = await open(writeGguf({ metadata: {}, tensors: [{ name: 'q8', shape: [64], type: 'Q8_0', data: z8 }, { name: 'q4', shape: [64], type: 'Q4_0', data: z4 }] }), 'z.gguf');
    expect(arr(await g.readTensor('q8'))).toEqual(arr(z8));
    expect(Array.from(await g.readTensor('q4'), (x) => x + 0)).toEqual(arr(z4)); // + 0: an all-zero block gives d = −0 (as in C)
  });
  it('Q4_K and Q6_K hand-built blocks decode as dequantize_row_q4_K / q6_K', async () => {
    const r = new Rng(5);
    const q4k = randomQ4KBlocks(r, 4);
    const q6k = randomQ6KBlocks(r, 4);
    const b = buildRawGguf({
      kvs: [kvStr('general.architecture', 'llama')],
      tensors: [
        { name: 'q4k', ne: [512, 2], typeId: 12, data: q4k },
        { name: 'q6k', ne: [256, 4], typeId: 14, data: q6k },
      ],
    });
    const g = await open(b, 'k.gguf');
    expect(g.get('q4k')!.type).toBe('Q4_K');
    expect(g.get('q4k')!.shape).toEqual([2, 512]);
    expect(arr(await g.readTensor('q4k'))).toEqual(arr(refQ4_K(q4k, 1024)));
    expect(arr(await g.readTensor('q6k'))).toEqual(arr(refQ6_K(q6k, 1024)));
  });
  it('Q4_K / Q6_K by hand: scale and min packing', () => {
    const b = new Uint8Array(144);
    b.set([0x00, 0x3c, 0x00, 0x38]); // d = 1, dmin = 0.5
    const s = 4;
    b[s + 0] = 2 | (1 << 6); // sc0 = 2; its top bits feed sc4
    b[s + 4] = 3; // m0 = 3
    b[s + 8] = 0x21; // sc4 low = 1, m4 low = 2
    b[16 + 0] = 0x57; // sub-block 0 q = 7, sub-block 1 q = 5
    b[16 + 64] = 0x0a; // sub-block 4 q = 10
    const y = dequantizeQ4_K(b, 256);
    expect(y[0]).toBe(2 * 7 - 0.5 * 3);
    expect(y[32]).toBe(0); // sc1 = m1 = 0
    expect(y[128]).toBe((1 | (1 << 4)) * 10 - 0.5 * 2); // sc4 = 17
    expect(y[129]).toBe(-1);

    const c = new Uint8Array(210);
    c[208] = 0x00; c[209] = 0x38; // d = 0.5
    c[192 + 0] = 3; // sc[0]
    c[192 + 2] = 0xfe; // sc[2] = -2
    c[0] = 0x21; // ql[0]: low nibble 1, high nibble 2
    c[128] = 0b10; // qh[0]: bits 0-1 = 2
    c[32] = 0x05; // ql[32]: low nibble 5
    const z = dequantizeQ6_K(c, 256);
    expect(z[0]).toBe(0.5 * 3 * ((1 | (2 << 4)) - 32));
    expect(z[32]).toBe(0.5 * -2 * (5 - 32));
    expect(Math.abs(z[64])).toBe(0); // sc[4] = 0 (gives -0, as in C)
  });
  it('refuses undecodable types by name', async () => {
    const b = buildRawGguf({ tensors: [{ name: 'q5k', ne: [256], typeId: 13, data: new Uint8Array(176) }] });
    const g = await open(b);
    expect(g.get('q5k')!.type).toBe('Q5_K');
    await expectFormatError(g.readTensor('q5k'), /type Q5_K is not supported/);
    const c = buildRawGguf({ tensors: [{ name: 'i32', ne: [4], typeId: 26, data: new Uint8Array(16) }] });
    await expectFormatError((await open(c)).readTensor('i32'), /type I32 is not supported/);
  });
});

// --- llama permutation ----------------------------------------------------------------------------

describe('llama q/k permutation', () => {
  it('matches convert_hf_to_gguf LlamaModel.permute on a hand example', () => {
    // One head, D = 4, C = 1: HF rows [r0 r1 | r2 r3] -> interleaved [r0 r2 r1 r3].
    expect(arr(permuteLlamaQK(Float32Array.of(0, 1, 2, 3), 4, 1, 1))).toEqual([0, 2, 1, 3]);
    // Two heads, D = 6.
    const w = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(arr(permuteLlamaQK(w, 12, 1, 2))).toEqual([0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]);
    expect(arr(unpermuteLlamaQK(permuteLlamaQK(w, 6, 2, 1), 6, 2, 1))).toEqual(arr(w));
  });
  it('turns rotate-half RoPE into interleaved RoPE: rope_il(P q) = P rope_half(q)', () => {
    const D = 8, H = 2, pos = 5;
    const q = new Rng(3).fill(H * D);
    const theta = (i: number) => pos / Math.pow(10000, (2 * i) / D);
    const ropeHalf = (x: Float32Array) => {
      const y = new Float32Array(x.length);
      for (let h = 0; h < H; h++) for (let i = 0; i < D / 2; i++) {
        const a = x[h * D + i], b = x[h * D + i + D / 2], c = Math.cos(theta(i)), s = Math.sin(theta(i));
        y[h * D + i] = a * c - b * s;
        y[h * D + i + D / 2] = a * s + b * c;
      }
      return y;
    };
    const ropeInterleaved = (x: Float32Array) => {
      const y = new Float32Array(x.length);
      for (let h = 0; h < H; h++) for (let i = 0; i < D / 2; i++) {
        const a = x[h * D + 2 * i], b = x[h * D + 2 * i + 1], c = Math.cos(theta(i)), s = Math.sin(theta(i));
        y[h * D + 2 * i] = a * c - b * s;
        y[h * D + 2 * i + 1] = a * s + b * c;
      }
      return y;
    };
    expect(arr(ropeInterleaved(permuteLlamaQK(q, H * D, 1, H)))).toEqual(arr(permuteLlamaQK(ropeHalf(q), H * D, 1, H)));
  });
  it('name mapping both ways', () => {
    expect(ggufNameToHf('blk.12.attn_output.weight')).toBe('model.layers.12.self_attn.o_proj.weight');
    expect(ggufNameToHf('blk.01.attn_q.weight')).toBeUndefined();
    expect(ggufNameToHf('rope_freqs.weight')).toBeUndefined();
    for (const [hf] of expectedTensors(tinyConfig({ attentionBias: true }))) expect(ggufNameToHf(hfNameToGguf(hf)!)).toBe(hf);
  });
});

// --- model round trips -----------------------------------------------------------------------------

function sameWeights(a: WeightMap, b: WeightMap, expectFn: (name: string, x: Float32Array) => Float32Array = (_, x) => x): void {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [name, t] of a) {
    expect(b.get(name)!.shape, name).toEqual(t.shape);
    const want = expectFn(name, t.data);
    const got = b.get(name)!.data;
    let bad = -1;
    for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) { bad = i; break; }
    expect(bad, `${name}: first mismatch at ${bad}`).toBe(-1);
  }
}

const configFields = (c: ModelConfig) => ({ ...c });

describe('modelToGguf -> ggufToModel', () => {
  it('llama (GQA, untied) in F32 gives the original HF weights and config exactly', async () => {
    const cfg = tinyConfig({ bosTokenId: 1, eosTokenIds: [2] });
    const w = randomWeights(cfg, 9);
    const m = await ggufToModel(bytesSource(modelToGguf(cfg, w, 'F32'), 'tiny.gguf'));
    expect(configFields(m.config)).toEqual(configFields(cfg));
    sameWeights(w, m.weights);
    // In the file, q/k are permuted (so llama.cpp reads them correctly) and the rest is not.
    const raw = await m.gguf.readTensor('blk.0.attn_q.weight');
    expect(arr(raw)).toEqual(arr(permuteLlamaQK(w.get('model.layers.0.self_attn.q_proj.weight')!.data, 32, 32, 4)));
    expect(m.storedTypes.get('model.embed_tokens.weight')).toBe('F32');
  });
  it('llama with q/k/v bias, tied embeddings, head_dim ≠ C/H, llama3 RoPE scaling', async () => {
    const cfg = tinyConfig({
      attentionBias: true, tieWordEmbeddings: true, headDim: 16, numHeads: 4, numKvHeads: 1, ropeTheta: 500000,
      ropeScaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    });
    const w = randomWeights(cfg, 10);
    const m = await ggufToModel(bytesSource(modelToGguf(cfg, w, 'F32'), 'l3.gguf'));
    expect(configFields(m.config)).toEqual(configFields(cfg));
    sameWeights(w, m.weights);
    expect(m.gguf.get('output.weight')).toBeUndefined();
  });
  it('qwen2 is not permuted and keeps its biases', async () => {
    const cfg = tinyConfig({ modelType: 'qwen2', attentionBias: true, tieWordEmbeddings: true, ropeTheta: 1e6, rmsNormEps: 1e-6 });
    const w = randomWeights(cfg, 12);
    const bytes = modelToGguf(cfg, w, 'F32');
    const m = await ggufToModel(bytesSource(bytes, 'q.gguf'));
    expect(configFields(m.config)).toEqual(configFields(cfg));
    sameWeights(w, m.weights);
    expect(arr(await m.gguf.readTensor('blk.1.attn_k.weight'))).toEqual(arr(w.get('model.layers.1.self_attn.k_proj.weight')!.data));
  });
  it('F16 / Q8_0 / Q4_0 give the direct CPU round trip of each tensor (row-wise blocks commute with the row permutation)', async () => {
    const cfg = tinyConfig({ hiddenSize: 64, intermediateSize: 96, headDim: 16 });
    const w = randomWeights(cfg, 13);
    const refs = { F16: (x: Float32Array) => Float32Array.from(x, (v) => f16ToF32(f32ToF16(v))), Q8_0: refQ8_0, Q4_0: refQ4_0 };
    for (const type of ['F16', 'Q8_0', 'Q4_0'] as const) {
      const m = await ggufToModel(bytesSource(modelToGguf(cfg, w, type), `${type}.gguf`));
      sameWeights(w, m.weights, (name, x) => (name.endsWith('norm.weight') ? x : refs[type](x)));
      expect(m.storedTypes.get('model.layers.0.mlp.up_proj.weight')).toBe(type);
      expect(m.storedTypes.get('model.norm.weight')).toBe('F32');
      expect(m.gguf.meta('general.file_type')).toBe({ F16: 1, Q8_0: 7, Q4_0: 2 }[type]);
    }
  });
  it('quantized matrices whose rows are not a multiple of 32 fall back to F16', async () => {
    const cfg = tinyConfig(); // down_proj rows are F = 48 long
    const m = await ggufToModel(bytesSource(modelToGguf(cfg, randomWeights(cfg, 1), 'Q4_0'), 'fb.gguf'));
    expect(m.storedTypes.get('model.layers.0.mlp.down_proj.weight')).toBe('F16');
    expect(m.storedTypes.get('model.layers.0.mlp.up_proj.weight')).toBe('Q4_0');
  });
});

// --- bad input ------------------------------------------------------------------------------------

/** Find `needle` (ASCII) in bytes. */
function indexOf(b: Uint8Array, needle: string, from = 0): number {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = from; i <= b.length - n.length; i++) {
    for (let j = 0; j < n.length; j++) if (b[i + j] !== n[j]) continue outer;
    return i;
  }
  throw new Error(`${needle} not found`);
}
/** Overwrite the u32 value of metadata `key` (type u32) in a written file. */
function patchU32Meta(b: Uint8Array, key: string, v: number): Uint8Array {
  const c = b.slice();
  const at = indexOf(c, key) + key.length + 4;
  new DataView(c.buffer).setUint32(at, v, true);
  return c;
}
/** Overwrite the ggml type id of tensor `name` in a written file. */
function patchTensorType(b: Uint8Array, name: string, typeId: number): Uint8Array {
  const c = b.slice();
  const at = indexOf(c, name) + name.length;
  const nDims = new DataView(c.buffer).getUint32(at, true);
  new DataView(c.buffer).setUint32(at + 4 + 8 * nDims, typeId, true);
  return c;
}

describe('GGUF bad input', () => {
  const t32 = (name: string, extra: Partial<RawTensor> = {}): RawTensor => ({ name, ne: [4], typeId: 0, data: new Uint8Array(16), ...extra });

  it('wrong magic, too short, unsupported versions', async () => {
    await expectFormatError(open(buildRawGguf({ magic: 'GGML' })), /not a GGUF file: magic bytes are "GGML"/);
    await expectFormatError(open(new Uint8Array(2)), /not a GGUF file: only 2 bytes/);
    await expectFormatError(open(buildRawGguf({ version: 1 })), /unsupported GGUF version 1/);
    await expectFormatError(open(buildRawGguf({ version: 0x03000000 })), /big-endian/);
  });
  it('truncated anywhere', async () => {
    const good = smallGguf();
    const last = (await open(good, 'small.gguf')).tensors.reduce((a, t) => Math.max(a, t.offset + t.byteLength), 0);
    for (const cut of [6, 20, 30, 100, 300, good.length - 40, last - 1]) {
      await expectFormatError(open(good.subarray(0, cut)), /truncated|beyond the end|left in the file/);
    }
  });
  it('absurd tensor_count, kv count, string and array lengths are refused before allocating', async () => {
    await expectFormatError(open(buildRawGguf({ tensorCount: 2n ** 63n })), /tensor_count is 9223372036854775808, more than/);
    await expectFormatError(open(buildRawGguf({ tensorCount: 1_000_000 })), /tensor_count is 1000000/);
    await expectFormatError(open(buildRawGguf({ kvCount: 2n ** 40n })), /metadata_kv_count is/);
    await expectFormatError(open(buildRawGguf({ kvs: [{ key: 'k', typeId: 8, value: (w) => w.u64(2n ** 50n) }] })), /metadata "k" length is 1125899906842624/);
    await expectFormatError(open(buildRawGguf({ kvs: [{ key: 'k', typeId: 9, value: (w) => w.u32(4).u64(2 ** 40) }] })), /array length is 1099511627776/);
    await expectFormatError(open(buildRawGguf({ kvs: [{ key: 'k', typeId: 9, value: (w) => w.u32(8).u64(100) }] })), /array length is 100/); // 100 strings need ≥ 800 bytes
    // Key length.
    const b = buildRawGguf({ kvs: [kvU32('abc', 1)] });
    new DataView(b.buffer).setBigUint64(24, 2n ** 62n, true);
    await expectFormatError(open(b), /metadata key #0 length is/);
    // The source is never asked for more than the header chunk.
    const reads: number[] = [];
    const inner = buildRawGguf({ tensorCount: 2 ** 40 });
    const src: ByteSource = { size: 2 ** 45, name: 'bad.gguf', read: async (o, n) => { reads.push(n); const out = new Uint8Array(n); out.set(inner.subarray(o, o + n)); return out; } };
    const err = await openGguf(src).then(() => null, (e: Error) => e);
    expect(err?.name).toBe('FormatError'); // 2^40 infos would fit in 2^45 bytes, so the parse proceeds and hits garbage
    expect(Math.max(...reads)).toBeLessThanOrEqual(1 << 20);
  });
  it('unknown metadata value type, deep nesting, duplicate keys, bad alignment', async () => {
    await expectFormatError(open(buildRawGguf({ kvs: [{ key: 'k', typeId: 13, value: () => {} }] })), /unknown metadata value type 13/);
    await expectFormatError(open(buildRawGguf({ kvs: [{ key: 'k', typeId: 9, value: (w) => { for (let i = 0; i < 20; i++) w.u32(9).u64(1); } }] })), /nested deeper than 8/);
    await expectFormatError(open(buildRawGguf({ kvs: [kvU32('k', 1), kvU32('k', 2)] })), /duplicate metadata key "k"/);
    await expectFormatError(open(buildRawGguf({ kvs: [kvU32('general.alignment', 24)] })), /general.alignment must be a power of two, got 24/);
    await expectFormatError(open(buildRawGguf({ kvs: [kvStr('general.alignment', '32')] })), /general.alignment must be a power of two/);
  });
  it('n_dims > 4, absurd dims, unknown tensor type, partial blocks, long names', async () => {
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { ne: [1, 1, 1, 1, 4] })] })), /n_dims 5 is more than 4/);
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { ne: [2n ** 60n] })] })), /dimension 1152921504606846976 is absurd/);
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { ne: [2 ** 30, 2 ** 30, 2 ** 30] })] })), /overflows/);
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { typeId: 99 })] })), /unknown ggml tensor type id 99/);
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { typeId: 8, ne: [16] })] })), /ne0 = 16 is not a multiple of the Q8_0 block size 32/);
    await expectFormatError(open(buildRawGguf({ tensors: [t32('x'.repeat(65))] })), /longer than 64 bytes/);
  });
  it('duplicate tensor names', async () => {
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t'), t32('t')] })), /duplicate tensor name "t"/);
  });
  it('offsets out of range, misaligned, overlapping; element count vs bytes', async () => {
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { offset: 2 ** 20 })] })), /"t": data .* lies beyond the end of the file/);
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { offset: 4 })] })), /offset 4 is not a multiple of the alignment 32/);
    await expectFormatError(open(buildRawGguf({ tensors: [t32('a'), t32('b', { offset: 0 })] })), /"a" and "b" overlap/);
    // More elements than the bytes present: [4096] F32 needs 16 KiB.
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { ne: [4096] })] })), /lies beyond the end of the file/);
    await expectFormatError(open(buildRawGguf({ tensors: [t32('t', { offset: 2n ** 63n })] })), /data offset 9223372036854775808 is absurd/);
  });
});

describe('ggufToModel bad input', () => {
  const cfg = tinyConfig({ hiddenSize: 256, intermediateSize: 256, headDim: 64 });
  const w = randomWeights(cfg, 2);
  const good = modelToGguf(cfg, w, 'Q8_0');
  it('the unpatched file loads', async () => {
    expect((await ggufToModel(bytesSource(good, 'm.gguf'))).config.hiddenSize).toBe(256);
  });
  it('unsupported architecture', async () => {
    const b = writeGguf({ metadata: { 'general.architecture': 'gemma' }, tensors: [] });
    await expectFormatError(ggufToModel(bytesSource(b, 'bad.gguf')), /unsupported architecture "gemma" \(supported: llama, qwen2\)/);
    await expectFormatError(ggufToModel(bytesSource(writeGguf({ metadata: {}, tensors: [] }), 'bad.gguf')), /general.architecture is missing/);
  });
  it('a tensor of an unsupported quant type is refused by name before anything is read', async () => {
    await expectFormatError(ggufToModel(bytesSource(patchTensorType(good, 'token_embd.weight', 13), 'bad.gguf')), /"token_embd.weight": type Q5_K is not supported/);
  });
  it('missing tensor', async () => {
    const c = good.slice();
    c[indexOf(c, 'output_norm.weight') + 10] = 'X'.charCodeAt(0);
    await expectFormatError(ggufToModel(bytesSource(c, 'bad.gguf')), /"output_norm.weight" \(model.norm.weight\) is missing/);
  });
  it('shape contradicting the metadata', async () => {
    await expectFormatError(ggufToModel(bytesSource(patchU32Meta(good, 'llama.feed_forward_length', 224), 'bad.gguf')), /"blk.0.ffn_gate.weight" has shape \[256, 256\] but the metadata implies \[224, 256\]/);
  });
  it('absurd or invalid hyper-parameters', async () => {
    await expectFormatError(ggufToModel(bytesSource(patchU32Meta(good, 'llama.block_count', 1e9), 'bad.gguf')), /block_count 1000000000 does not fit/);
    await expectFormatError(ggufToModel(bytesSource(patchU32Meta(good, 'llama.attention.head_count_kv', 3), 'bad.gguf')), /not a multiple of num_key_value_heads/);
    await expectFormatError(ggufToModel(bytesSource(patchU32Meta(good, 'llama.rope.dimension_count', 32), 'bad.gguf')), /partial rotary/);
  });
});
