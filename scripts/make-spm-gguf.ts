// Writes a tiny llama GGUF whose tokenizer is SentencePiece BPE in the metadata, laid out as Llama-2 /
// TinyLlama GGUFs are (tokenizer.ggml.model "llama": tokens + scores + token_type, no merges), for
// tests of src/formats/gguf-tokenizer.ts:
//
//   OUTDIR/tiny-spm.gguf        F32 random weights (vocab = the tokenizer's), tokenizer.* metadata,
//                               TinyLlama's (Zephyr) chat template
//   OUTDIR/tokenizer.json       the same tokenizer in HF's legacy Llama-2 tokenizer.json shape, with the
//                               merges as TRAINED (not derived from scores): the reference to compare to
//
// Usage: npx tsx scripts/make-spm-gguf.ts OUTDIR
//
// The vocabulary is trained here, deterministically, by plain BPE over SPM_CORPUS (words are "▁" + word,
// as SentencePiece splits them; the most frequent pair wins, ties to the smaller pair). Layout as in
// Llama-2: 0 <unk> (unknown), 1 <s>, 2 </s> (control), 3..258 <0x00>..<0xFF> (byte), then the merged
// pieces in merge order with score −rank, then single characters by frequency with lower scores, and
// last one user-defined piece "<sep>". Anything not covered falls back to the byte pieces.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomWeights, tinyConfig } from '../src/engine/weights.ts';
import { type GgufEntry, ggufArray, modelToGguf } from '../src/formats/gguf.ts';
import { addedToken, bpeTokenizerJson, sentencePieceDecoder, sentencePieceNormalizer, templateProcessing } from '../src/formats/tokenizer-json.ts';

export const SPM_CORPUS = [
  'Hello world',
  'Hello there, world',
  'the world is wide and the sea is deep',
  'hello hello hello',
  'she sells sea shells by the sea shore',
  'the quick brown fox jumps over the lazy dog',
  'world peace is a hello to the world',
  'tell the seller the shells are there',
];

/** TinyLlama-1.1B-Chat's template (Zephyr). */
export const SPM_CHAT_TEMPLATE =
  "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

export const SPM_TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, BYTE: 6 } as const;

export interface SpmVocab {
  tokens: string[];
  scores: number[];
  types: number[];
  /** The merges in the order they were learned ("a b" is never ambiguous: pieces hold no spaces). */
  merges: [string, string][];
}

/** Train the vocabulary (deterministic). `maxMerges` bounds the merge count. */
export function trainSpmVocab(corpus: readonly string[] = SPM_CORPUS, maxMerges = 60): SpmVocab {
  // word (as symbols) → count
  const words = new Map<string, { syms: string[]; n: number }>();
  const charFreq = new Map<string, number>();
  for (const line of corpus) {
    for (const w of line.split(' ')) {
      const key = '▁' + w;
      const e = words.get(key) ?? { syms: Array.from(key), n: 0 };
      e.n++;
      words.set(key, e);
      for (const c of key) charFreq.set(c, (charFreq.get(c) ?? 0) + 1);
    }
  }
  const merges: [string, string][] = [];
  const pieces: string[] = [];
  const seen = new Set<string>();
  for (let step = 0; step < maxMerges; step++) {
    const pairs = new Map<string, number>();
    for (const { syms, n } of words.values()) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = syms[i] + ' ' + syms[i + 1];
        pairs.set(k, (pairs.get(k) ?? 0) + n);
      }
    }
    let best: string | null = null;
    let bestN = 1; // a pair must occur at least twice
    for (const [k, n] of pairs) if (n > bestN || (n === bestN && best !== null && k < best)) [best, bestN] = [k, n];
    if (best === null) break;
    const [a, b] = best.split(' ') as [string, string];
    merges.push([a, b]);
    if (!seen.has(a + b)) {
      seen.add(a + b);
      pieces.push(a + b);
    }
    for (const e of words.values()) {
      const out: string[] = [];
      for (let i = 0; i < e.syms.length; i++) {
        if (i + 1 < e.syms.length && e.syms[i] === a && e.syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(e.syms[i]);
      }
      e.syms = out;
    }
  }
  const chars = [...charFreq.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([c]) => c);

  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const scores: number[] = [0, 0, 0];
  const types: number[] = [SPM_TOKEN_TYPE.UNKNOWN, SPM_TOKEN_TYPE.CONTROL, SPM_TOKEN_TYPE.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    scores.push(0);
    types.push(SPM_TOKEN_TYPE.BYTE);
  }
  pieces.forEach((p, rank) => {
    tokens.push(p);
    scores.push(-rank);
    types.push(SPM_TOKEN_TYPE.NORMAL);
  });
  chars.forEach((c, j) => {
    tokens.push(c);
    scores.push(-(pieces.length + j));
    types.push(SPM_TOKEN_TYPE.NORMAL);
  });
  tokens.push('<sep>');
  scores.push(0);
  types.push(SPM_TOKEN_TYPE.USER_DEFINED);
  return { tokens, scores, types, merges };
}

/** tokenizer.* metadata for a GGUF, as llama.cpp's converter writes it for Llama-2 / TinyLlama. */
export function spmGgufMetadata(v: SpmVocab, opts: { chatTemplate?: string | null; addBos?: boolean; addSpacePrefix?: boolean } = {}): Record<string, GgufEntry> {
  const md: Record<string, GgufEntry> = {
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'array', value: ggufArray('string', v.tokens) },
    'tokenizer.ggml.scores': { type: 'array', value: ggufArray('f32', v.scores) },
    'tokenizer.ggml.token_type': { type: 'array', value: ggufArray('i32', v.types) },
    'tokenizer.ggml.bos_token_id': { type: 'u32', value: 1 },
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: 2 },
    'tokenizer.ggml.unknown_token_id': { type: 'u32', value: 0 },
    'tokenizer.ggml.padding_token_id': { type: 'u32', value: 2 },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: opts.addBos ?? true },
    'tokenizer.ggml.add_eos_token': { type: 'bool', value: false },
  };
  if (opts.addSpacePrefix !== undefined) md['tokenizer.ggml.add_space_prefix'] = { type: 'bool', value: opts.addSpacePrefix };
  const tpl = opts.chatTemplate === undefined ? SPM_CHAT_TEMPLATE : opts.chatTemplate;
  if (tpl !== null) md['tokenizer.chat_template'] = { type: 'string', value: tpl };
  return md;
}

/** The tiny llama GGUF with this tokenizer (F32 random weights, vocabulary = the tokenizer's). */
export function spmGguf(v: SpmVocab = trainSpmVocab(), seed = 7, opts: Parameters<typeof spmGgufMetadata>[1] = {}): Uint8Array {
  const cfg = tinyConfig({ vocabSize: v.tokens.length, bosTokenId: 1, eosTokenIds: [2] });
  return modelToGguf(cfg, randomWeights(cfg, seed), 'F32', { name: 'tabtune-tiny-spm', metadata: spmGgufMetadata(v, opts) });
}

/** The same tokenizer as an HF tokenizer.json in Llama-2's (legacy) shape, with the trained merges. */
export function spmTokenizerJson(v: SpmVocab): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  v.tokens.forEach((t, i) => (vocab[t] = i));
  const added = (id: number, special: boolean) => addedToken(id, v.tokens[id], special);
  return bpeTokenizerJson({
    addedTokens: [added(0, true), added(1, true), added(2, true), added(v.tokens.length - 1, false)],
    normalizer: sentencePieceNormalizer(true),
    preTokenizer: null,
    postProcessor: templateProcessing({ id: 1, token: '<s>' }, undefined),
    decoder: sentencePieceDecoder(true),
    vocab,
    merges: v.merges.map(([a, b]) => `${a} ${b}`),
    unkToken: '<unk>',
    fuseUnk: true,
    byteFallback: true,
  });
}

export async function makeSpmGguf(outDir: string): Promise<{ gguf: string; tokenizerJson: string; vocab: SpmVocab }> {
  await mkdir(outDir, { recursive: true });
  const vocab = trainSpmVocab();
  const gguf = join(outDir, 'tiny-spm.gguf');
  const tokenizerJson = join(outDir, 'tokenizer.json');
  await writeFile(gguf, spmGguf(vocab));
  await writeFile(tokenizerJson, JSON.stringify(spmTokenizerJson(vocab), null, 2) + '\n');
  return { gguf, tokenizerJson, vocab };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: npx tsx scripts/make-spm-gguf.ts OUTDIR');
    process.exit(2);
  }
  makeSpmGguf(resolve(out)).then(
    (r) => console.log(`wrote ${r.gguf} (${r.vocab.tokens.length} tokens, ${r.vocab.merges.length} merges) and ${r.tokenizerJson}`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
