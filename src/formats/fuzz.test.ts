// Fuzz: mutate small valid safetensors and GGUF files (bit flips, truncation, length/count fields
// overwritten with random or huge values, spliced bytes, rewritten JSON numbers) and check that each
// mutant either loads or fails with a FormatError — never another exception, a hang, or a giant
// allocation — within a per-case time bound. Seeded, so every run tests the same cases.

import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.ts';
import { expectedTensors, randomWeights, tinyConfig } from '../engine/weights.ts';
import { SPM_CORPUS, spmGgufMetadata, trainSpmVocab } from '../../scripts/make-spm-gguf.ts';
import { ggufToModel, modelToGguf, openGguf } from './gguf.ts';
import { tokenizerFromGguf } from './gguf-tokenizer.ts';
import { isDecodable } from './ggml-quants.ts';
import { loadHfModel, openSafetensors, writeSafetensors } from './safetensors.ts';
import { bytesSource } from './source.ts';
import { buildRawGguf, kvStr, randomQ4KBlocks, randomQ6KBlocks, smallGguf, smallSafetensors } from './test-util.ts';

// TABTUNE_FUZZ_CASES=N runs a deeper (still deterministic) fuzz by hand; the suite default keeps it ~1 s.
const CASES_PER_BASE = Number(process.env.TABTUNE_FUZZ_CASES) || 220;
const MAX_MS_PER_CASE = 200;

interface Field { at: number; size: 4 | 8 }

/** Positions of every u32/u64 structural field of a valid GGUF (counts, lengths, types, dims, offsets). */
function ggufFields(b: Uint8Array): Field[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const f: Field[] = [{ at: 4, size: 4 }, { at: 8, size: 8 }, { at: 16, size: 8 }];
  let p = 24;
  const u64 = () => { f.push({ at: p, size: 8 }); const v = Number(dv.getBigUint64(p, true)); p += 8; return v; };
  const u32 = () => { f.push({ at: p, size: 4 }); const v = dv.getUint32(p, true); p += 4; return v; };
  const sizes = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];
  const value = (t: number): void => {
    if (t === 8) {
      const n = u64(); // (not `p += u64()`: that reads p before the call advances it)
      p += n;
    } else if (t === 9) {
      const et = u32();
      const n = u64();
      for (let i = 0; i < n; i++) value(et);
    } else p += sizes[t];
  };
  const nT = Number(dv.getBigUint64(8, true)), nKv = Number(dv.getBigUint64(16, true));
  for (let i = 0; i < nKv; i++) {
    const keyLen = u64();
    p += keyLen;
    value(u32());
  }
  for (let i = 0; i < nT; i++) {
    const nameLen = u64();
    p += nameLen;
    const nd = u32();
    for (let d = 0; d < nd; d++) u64();
    u32();
    u64();
  }
  return f;
}

const HUGE: bigint[] = [0n, 1n, 3n, 0x7fn, 0xffn, 0xffffn, 0x7fffffffn, 0xffffffffn, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

function pickValue(rng: Rng, fileSize: number, size: 4 | 8): bigint {
  const r = rng.next();
  let v: bigint;
  if (r < 0.4) v = HUGE[rng.int(HUGE.length)];
  else if (r < 0.6) v = BigInt(Math.max(0, fileSize + rng.int(64) - 32));
  else if (r < 0.8) v = BigInt(rng.int(64));
  else v = (BigInt(rng.int(2 ** 32)) << 32n) | BigInt(rng.int(2 ** 32));
  return BigInt.asUintN(size * 8, v);
}

function mutate(rng: Rng, base: Uint8Array, kind: 'gguf' | 'safetensors', headerEnd: number, fields: Field[]): { bytes: Uint8Array; what: string } {
  const b = base.slice();
  const dv = new DataView(b.buffer);
  const m = rng.int(6);
  switch (m) {
    case 0: { // bit flips, mostly in the header
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) {
        const at = rng.next() < 0.8 ? rng.int(Math.min(headerEnd, b.length)) : rng.int(b.length);
        b[at] ^= 1 << rng.int(8);
      }
      return { bytes: b, what: `${n} bit flips` };
    }
    case 1: { // truncation
      const len = rng.next() < 0.6 ? rng.int(Math.min(headerEnd + 16, b.length)) : rng.int(b.length);
      return { bytes: b.subarray(0, len), what: `truncated to ${len}` };
    }
    case 2: { // overwrite a length / count field
      if (kind === 'safetensors' || fields.length === 0) {
        const v = pickValue(rng, b.length, 8);
        dv.setBigUint64(0, v, true);
        return { bytes: b, what: `header length := ${v}` };
      }
      const f = fields[rng.int(fields.length)];
      const v = pickValue(rng, b.length, f.size);
      if (f.size === 8) dv.setBigUint64(f.at, v, true);
      else dv.setUint32(f.at, Number(v), true);
      return { bytes: b, what: `field@${f.at} := ${v}` };
    }
    case 3: { // random bytes over a header range
      const at = rng.int(Math.min(headerEnd, b.length));
      const n = 1 + rng.int(16);
      for (let i = 0; i < n && at + i < b.length; i++) b[at + i] = rng.int(256);
      return { bytes: b, what: `${n} random bytes at ${at}` };
    }
    case 4: { // splice: delete or duplicate a header range
      const at = rng.int(Math.min(headerEnd, b.length));
      const n = 1 + rng.int(24);
      const out = rng.next() < 0.5
        ? new Uint8Array([...b.subarray(0, at), ...b.subarray(at + n)])
        : new Uint8Array([...b.subarray(0, at + n), ...b.subarray(at)]);
      return { bytes: out, what: `splice ${n} at ${at}` };
    }
    default: { // rewrite a number: a JSON number in the safetensors header, or a u32 field in GGUF
      if (kind === 'gguf') {
        const f = fields[rng.int(fields.length)];
        dv.setUint32(f.at, rng.int(2 ** 32), true);
        return { bytes: b, what: `u32@${f.at} random` };
      }
      const text = new TextDecoder().decode(b.subarray(8, headerEnd));
      // Half the time a number (shape, offsets), else a dtype string.
      const dtypes = rng.next() < 0.5;
      const nums = [...text.matchAll(dtypes ? /(?<="dtype":")[A-Z0-9_]+/g : /\d+/g)];
      if (nums.length === 0) return { bytes: b, what: 'noop' };
      const pick = nums[rng.int(nums.length)];
      const repl = dtypes
        ? ['F32', 'F16', 'BF16', 'I8', 'U8', 'F64', 'BOOL', 'F4', 'I64', 'XX', ''][rng.int(11)]
        : ['0', '1', '4294967296', '99999999999999999999', '-1', '1e308', '2.5', String(rng.int(1000))][rng.int(8)];
      const t2 = text.slice(0, pick.index) + repl + text.slice(pick.index! + pick[0].length);
      const json = new TextEncoder().encode(t2);
      const out = new Uint8Array(8 + json.length + (b.length - headerEnd));
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(b.subarray(headerEnd), 8 + json.length);
      return { bytes: out, what: `json ${pick[0]} -> ${repl}` };
    }
  }
}

interface Base {
  label: string;
  kind: 'gguf' | 'safetensors';
  bytes: Uint8Array;
  load: (b: Uint8Array) => Promise<void>;
}

function bases(): Base[] {
  const loadSt = async (b: Uint8Array) => {
    const f = await openSafetensors(bytesSource(b, 'fuzz.safetensors'));
    for (const t of f.tensors) await f.readTensor(t.name);
  };
  const loadGguf = async (b: Uint8Array) => {
    const g = await openGguf(bytesSource(b, 'fuzz.gguf'));
    for (const t of g.tensors) if (isDecodable(t.type)) await g.readTensor(t.name);
  };
  const cfg = tinyConfig({ hiddenSize: 32, intermediateSize: 64, numLayers: 1, vocabSize: 16 });
  const w = randomWeights(cfg, 4);
  const hfConfig = JSON.stringify({
    model_type: 'llama', hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 16,
  });
  const stModel = writeSafetensors(expectedTensors(cfg).map(([name, shape]) => ({ name, dtype: 'F16' as const, shape, data: w.get(name)!.data })));
  const r = new Rng(77);
  const kq = buildRawGguf({
    kvs: [kvStr('general.architecture', 'llama')],
    tensors: [
      { name: 'q4k', ne: [256, 1], typeId: 12, data: randomQ4KBlocks(r, 1) },
      { name: 'q6k', ne: [256], typeId: 14, data: randomQ6KBlocks(r, 1) },
    ],
  });
  return [
    { label: 'safetensors small', kind: 'safetensors', bytes: smallSafetensors(), load: loadSt },
    { label: 'safetensors model', kind: 'safetensors', bytes: stModel, load: async (b) => { await loadHfModel(hfConfig, await openSafetensors(bytesSource(b, 'fuzz.safetensors'))); } },
    { label: 'gguf small', kind: 'gguf', bytes: smallGguf(), load: loadGguf },
    { label: 'gguf k-quants', kind: 'gguf', bytes: kq, load: loadGguf },
    { label: 'gguf model Q8_0', kind: 'gguf', bytes: modelToGguf(cfg, w, 'Q8_0'), load: async (b) => { await ggufToModel(bytesSource(b, 'fuzz.gguf')); } },
    { label: 'gguf model Q4_0', kind: 'gguf', bytes: modelToGguf(cfg, w, 'Q4_0'), load: async (b) => { await ggufToModel(bytesSource(b, 'fuzz.gguf')); } },
    // SentencePiece tokenizer metadata (tokens, scores, types, ids, template), built strictly: a
    // malformed tokenizer must be a FormatError too, never a crash inside the tokenizer library.
    {
      label: 'gguf SentencePiece tokenizer',
      kind: 'gguf',
      bytes: modelToGguf(cfg, w, 'F32', { metadata: spmGgufMetadata(trainSpmVocab(SPM_CORPUS.slice(0, 3), 12)) }),
      load: async (b) => {
        const t = tokenizerFromGguf(await openGguf(bytesSource(b, 'fuzz.gguf'))).tokenizer;
        if (t) t.decode(t.encode('Hello world ü <s>'));
      },
    },
  ];
}

describe('fuzz', () => {
  for (const [i, base] of bases().entries()) {
    it(`${base.label}: ${CASES_PER_BASE} mutants each load or throw FormatError, each within ${MAX_MS_PER_CASE} ms`, async () => {
      await base.load(base.bytes); // the unmutated file is valid
      let headerEnd: number;
      let fields: Field[] = [];
      if (base.kind === 'gguf') {
        const g = await openGguf(bytesSource(base.bytes, 'base.gguf'));
        headerEnd = g.dataStart;
        fields = ggufFields(base.bytes);
      } else {
        headerEnd = (await openSafetensors(bytesSource(base.bytes, 'base.safetensors'))).dataStart;
      }
      const rng = new Rng(1000 + i);
      const outcomes = { loaded: 0, formatError: 0 };
      const failures: string[] = [];
      let slowest = 0;
      let slowCase = "";
      for (let c = 0; c < CASES_PER_BASE; c++) {
        const { bytes, what } = mutate(rng, base.bytes, base.kind, headerEnd, fields);
        const t0 = performance.now();
        try {
          await base.load(bytes);
          outcomes.loaded++;
        } catch (e) {
          if (e instanceof Error && e.name === 'FormatError' && /^fuzz\.(gguf|safetensors): /.test(e.message)) outcomes.formatError++;
          else failures.push(`case ${c} (${what}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        }
        const ms = performance.now() - t0;
        if (ms > slowest) { slowest = ms; slowCase = `case ${c} (${what})`; }
        if (ms > MAX_MS_PER_CASE) failures.push(`case ${c} (${what}): took ${ms.toFixed(0)} ms`);
      }
      expect(failures).toEqual([]);
      expect(outcomes.formatError).toBeGreaterThan(CASES_PER_BASE / 4); // the mutations do bite
      console.log(`fuzz ${base.label}: ${JSON.stringify(outcomes)}, slowest ${slowest.toFixed(1)} ms: ${slowCase}`);
    });
  }
});
