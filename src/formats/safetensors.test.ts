import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.ts';
import { expectedTensors, randomWeights, tinyConfig } from '../engine/weights.ts';
import { FormatError } from './errors.ts';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './half.ts';
import { openFileSource, withFileSource } from './node-source.ts';
import { loadHfModel, openSafetensors, openShardedSafetensors, writeSafetensors } from './safetensors.ts';
import { blobSource, bytesSource, type ByteSource } from './source.ts';

/** Build a safetensors file from a raw header object and data bytes (no validation: for bad inputs). */
function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

async function expectFormatError(p: Promise<unknown>, match: RegExp, file = 'bad.safetensors'): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err, 'expected a FormatError').toBeInstanceOf(FormatError);
  expect((err as Error).name).toBe('FormatError');
  expect((err as Error).message).toContain(file);
  expect((err as Error).message).toMatch(match);
}

const open = (b: Uint8Array, name = 'bad.safetensors') => openSafetensors(bytesSource(b, name));

describe('safetensors write -> read', () => {
  const rng = new Rng(7);
  const a = rng.fill(6 * 5, -3, 3);
  const b = rng.normals(17, 10);
  const c = rng.fill(8, -1e-3, 1e-3);
  const bytes = writeSafetensors(
    [
      { name: 'a', dtype: 'F32', shape: [6, 5], data: a },
      { name: 'b', dtype: 'F16', shape: [17], data: b },
      { name: 'c', dtype: 'BF16', shape: [2, 4], data: c },
    ],
    { format: 'pt' },
  );

  it('pads the header to a multiple of 8 and writes metadata', async () => {
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().length).toBeLessThanOrEqual(n);
    expect(/ *$/.exec(text)![0].length).toBeLessThan(8);
    const f = await open(bytes, 'ok.safetensors');
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(f.dataStart).toBe(8 + n);
    expect(f.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['a', 'F32', [6, 5]],
      ['b', 'F16', [17]],
      ['c', 'BF16', [2, 4]],
    ]);
  });

  it('F32 is exact, F16/BF16 are round-to-nearest-even', async () => {
    const f = await open(bytes, 'ok.safetensors');
    expect(Array.from(await f.readTensor('a'))).toEqual(Array.from(a));
    const rb = await f.readTensor('b');
    expect(Array.from(rb)).toEqual(Array.from(b, (x) => f16ToF32(f32ToF16(x))));
    for (let i = 0; i < b.length; i++) expect(Math.abs(rb[i] - b[i])).toBeLessThanOrEqual(Math.abs(b[i]) * 2 ** -11 + 2 ** -25);
    const rc = await f.readTensor('c');
    expect(Array.from(rc)).toEqual(Array.from(c, (x) => bf16ToF32(f32ToBf16(x))));
    for (let i = 0; i < c.length; i++) expect(Math.abs(rc[i] - c[i])).toBeLessThanOrEqual(Math.abs(c[i]) * 2 ** -8);
  });

  it('reads I8 and U8, refuses other dtypes by name', async () => {
    const data = Uint8Array.from([0xff, 0x80, 0x7f, 1, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const buf = rawSafetensors(
      {
        i: { dtype: 'I8', shape: [4], data_offsets: [0, 4] },
        u: { dtype: 'U8', shape: [1], data_offsets: [4, 5] },
        d: { dtype: 'F64', shape: [1], data_offsets: [8, 16] },
      },
      data,
    );
    const f = await open(buf);
    expect(Array.from(await f.readTensor('i'))).toEqual([-1, -128, 127, 1]);
    expect(Array.from(await f.readTensor('u'))).toEqual([200]);
    await expectFormatError(f.readTensor('d'), /dtype F64 is not supported/);
    await expectFormatError(f.readTensor('nope'), /"nope" is not in this file/);
  });

  it('empty file and zero-size tensors', async () => {
    const f = await open(writeSafetensors([]), 'empty.safetensors');
    expect(f.tensors).toEqual([]);
    const g = await open(writeSafetensors([{ name: 'z', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) }]), 'z.safetensors');
    expect((await g.readTensor('z')).length).toBe(0);
  });

  it('works over a Blob and a file path', async () => {
    const fb = await openSafetensors(blobSource(new Blob([bytes as BlobPart]), 'blob.safetensors'));
    expect(Array.from(await fb.readTensor('a'))).toEqual(Array.from(a));
    const dir = mkdtempSync(join(tmpdir(), 'tabtune-st-'));
    try {
      const p = join(dir, 'm.safetensors');
      writeFileSync(p, bytes);
      await withFileSource(p, async (src) => {
        expect(src.name).toBe('m.safetensors');
        const f = await openSafetensors(src);
        expect(Array.from(await f.readTensor('a'))).toEqual(Array.from(a));
      });
      // A file that is shorter than its header says.
      writeFileSync(p, bytes.subarray(0, bytes.length - 3));
      const src = await openFileSource(p);
      await expectFormatError(openSafetensors(src), /beyond the data buffer|truncated/, 'm.safetensors');
      await src.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('safetensors bad input', () => {
  const ok = { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const data8 = new Uint8Array(8);
  it('too short / no header', async () => {
    await expectFormatError(open(new Uint8Array(5)), /shorter than the 8-byte header length/);
  });
  it('header length beyond the file', async () => {
    const b = rawSafetensors(ok, data8);
    new DataView(b.buffer).setBigUint64(0, 1000n, true);
    await expectFormatError(open(b), /header length 1000 lies beyond the end of the file/);
  });
  it('header over 100,000,000 bytes (checked before reading or allocating)', async () => {
    const b = rawSafetensors(ok, data8);
    new DataView(b.buffer).setBigUint64(0, 100_000_001n, true);
    await expectFormatError(open(b), /exceeds the safetensors limit of 100000000/);
    new DataView(b.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
    await expectFormatError(open(b), /exceeds the safetensors limit/);
  });
  it('a source that would allocate is never asked for a huge range', async () => {
    const reads: number[] = [];
    const src: ByteSource = { size: 2 ** 40, name: 'huge.safetensors', read: async (o, n) => { reads.push(n); return new Uint8Array(n); } };
    await expectFormatError(openSafetensors(src), /header length 0 is too short/, 'huge.safetensors');
    expect(Math.max(...reads)).toBe(8);
  });
  it('non-JSON, non-UTF-8, non-object header', async () => {
    await expectFormatError(open(rawSafetensors(null, data8, '{"t": [1,2')), /not valid JSON/);
    await expectFormatError(open(rawSafetensors(null, data8, 'GGUF....')), /does not start with "\{"/);
    const b = rawSafetensors(null, data8, '{"\u00e9":1}');
    b[10] = 0xff;
    await expectFormatError(open(b), /not valid UTF-8/);
    await expectFormatError(open(rawSafetensors({ t: 5 }, data8)), /entry is not an object/);
    await expectFormatError(open(rawSafetensors({ __metadata__: { a: 1 } }, data8)), /"__metadata__" value "a" is not a string/);
  });
  it('offsets out of range, reversed, overlapping', async () => {
    await expectFormatError(open(rawSafetensors({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }, data8)), /beyond the data buffer/);
    await expectFormatError(open(rawSafetensors({ t: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, data8)), /end before they begin/);
    await expectFormatError(open(rawSafetensors({ t: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, data8)), /data_offsets/);
    await expectFormatError(
      open(rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8)),
      /"a" and "b" overlap/,
    );
  });
  it('element count does not match the byte count', async () => {
    await expectFormatError(open(rawSafetensors({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data8)), /needs 12 bytes but data_offsets span 8/);
    await expectFormatError(open(rawSafetensors({ t: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 8] } }, data8)), /overflows/);
    await expectFormatError(open(rawSafetensors({ t: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, data8)), /non-negative integers/);
  });
  it('unknown dtype', async () => {
    await expectFormatError(open(rawSafetensors({ t: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, data8)), /unknown dtype "Q4"/);
    await expectFormatError(open(rawSafetensors({ t: { dtype: 'constructor', shape: [2], data_offsets: [0, 8] } }, data8)), /unknown dtype/);
  });
  it('duplicate tensor names', async () => {
    const text = '{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    await expectFormatError(open(rawSafetensors(null, data8, text)), /duplicate tensor name "t"/);
    // Same name inside a value is not a duplicate key.
    const okText = '{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"t":"x"}}';
    expect((await open(rawSafetensors(null, data8, okText))).tensors.length).toBe(1);
  });
  it('writer refuses inconsistent input', () => {
    expect(() => writeSafetensors([{ name: 'x', dtype: 'F32', shape: [3], data: new Float32Array(2) }])).toThrow(FormatError);
    expect(() => writeSafetensors([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) }, { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) }])).toThrow(/duplicate/);
  });
});

describe('sharded checkpoints', () => {
  const s1 = writeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) }]);
  const s2 = writeSafetensors([{ name: 'b', dtype: 'F16', shape: [1], data: Float32Array.of(3) }]);
  const files: Record<string, Uint8Array> = { 'model-00001-of-00002.safetensors': s1, 'model-00002-of-00002.safetensors': s2 };
  const opener = async (f: string) => {
    if (!files[f]) throw new Error(`no such file ${f}`);
    return bytesSource(files[f], f);
  };
  it('opens each shard once and routes reads', async () => {
    const opened: string[] = [];
    const idx = JSON.stringify({ metadata: { total_size: 10 }, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } });
    const st = await openShardedSafetensors(idx, (f) => { opened.push(f); return opener(f); });
    expect(opened.sort()).toEqual(Object.keys(files).sort());
    expect(Array.from(await st.readTensor('a'))).toEqual([1, 2]);
    expect(Array.from(await st.readTensor('b'))).toEqual([3]);
    expect(st.get('b')?.dtype).toBe('F16');
  });
  it('refuses a tensor missing from its shard, bad JSON, and unsafe paths', async () => {
    const idx = JSON.stringify({ weight_map: { a: 'model-00002-of-00002.safetensors' } });
    await expectFormatError(openShardedSafetensors(idx, opener), /"a" is listed in model.safetensors.index.json but not present/, 'model-00002-of-00002.safetensors');
    await expectFormatError(openShardedSafetensors('{', opener), /not valid JSON/, 'model.safetensors.index.json');
    await expectFormatError(openShardedSafetensors('{"weight_map":{"a":"../x"}}', opener), /unsafe path/, 'model.safetensors.index.json');
    await expectFormatError(openShardedSafetensors('{"weight_map":{"a":5}}', opener), /not a file name/, 'model.safetensors.index.json');
  });
});

describe('loadHfModel', () => {
  const cfg = tinyConfig();
  const w = randomWeights(cfg, 3);
  const hfConfig = {
    model_type: 'llama', hidden_size: cfg.hiddenSize, intermediate_size: cfg.intermediateSize, num_hidden_layers: cfg.numLayers,
    num_attention_heads: cfg.numHeads, num_key_value_heads: cfg.numKvHeads, vocab_size: cfg.vocabSize, rms_norm_eps: cfg.rmsNormEps,
    max_position_embeddings: cfg.maxPositionEmbeddings, tie_word_embeddings: false,
  };
  const tensors = expectedTensors(cfg).map(([name, shape]) => ({ name, dtype: 'BF16' as const, shape, data: w.get(name)!.data }));
  it('loads every tensor the config implies, converted to float32', async () => {
    const st = await open(writeSafetensors(tensors), 'model.safetensors');
    const m = await loadHfModel(JSON.stringify(hfConfig), st);
    expect(m.config.numKvHeads).toBe(2);
    for (const [name] of expectedTensors(cfg)) {
      expect(Array.from(m.weights.get(name)!.data)).toEqual(Array.from(w.get(name)!.data, (x) => bf16ToF32(f32ToBf16(x))));
    }
  });
  it('refuses a missing tensor or a contradicting shape', async () => {
    const st = await open(writeSafetensors(tensors.filter((t) => t.name !== 'model.norm.weight')), 'model.safetensors');
    await expectFormatError(loadHfModel(hfConfig, st), /"model.norm.weight" is missing/, 'model.safetensors');
    const st2 = await open(writeSafetensors(tensors), 'model.safetensors');
    await expectFormatError(loadHfModel({ ...hfConfig, intermediate_size: 40 }, st2), /has shape \[48, 32\] but config.json implies \[40, 32\]/, 'model.safetensors');
    await expectFormatError(loadHfModel({ ...hfConfig, model_type: 'gpt2' }, st2), /unsupported model_type/, 'config.json');
    await expectFormatError(loadHfModel('{oops', st2), /not valid JSON/, 'config.json');
  });
});
