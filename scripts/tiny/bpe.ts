// A small, deterministic byte-level BPE trainer (GPT-2 style) and the Hugging Face tokenizer files it
// produces. Used by scripts/train-tokenizer.ts for the shipped tabtune-tiny model.
//
// Training, as in HF `tokenizers`' BpeTrainer (without its frequency/length limits):
//   1. split every text on the special tokens, pre-tokenize each piece with the GPT-2 regex and map the
//      UTF-8 bytes of each pre-token through bytes_to_unicode; count identical "words";
//   2. start from the 256 byte symbols; repeatedly merge the most frequent adjacent pair (counted over
//      all words, weighted by word frequency). Ties: the pair whose left symbol, then right symbol, is
//      smallest in JS string order (UTF-16 code units) wins, so the result depends on the text only;
//   3. stop when vocab = specials + 256 bytes + merges reaches the target, or no pair occurs twice.
// Pair counts are kept incrementally (only words containing the merged pair are rescanned).

import { addedToken, BYTE_LEVEL_DECODER, bpeTokenizerJson, bytesToUnicode } from '../../src/formats/tokenizer-json.ts';

/** GPT-2's pre-tokenizer regex, exactly as @huggingface/tokenizers' ByteLevel pre-tokenizer uses it. */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const BYTE_CHARS = bytesToUnicode();
const ENC = new TextEncoder();

/** A pre-token as its byte-level string (one char per UTF-8 byte). */
export function byteLevel(s: string): string {
  let out = '';
  for (const b of ENC.encode(s)) out += BYTE_CHARS[b];
  return out;
}

/** Split on special tokens (removed), then GPT-2 pre-tokenize each piece; returns byte-level pre-tokens. */
export function preTokenize(text: string, specials: readonly string[]): string[] {
  const pieces: string[] = [text];
  for (const sp of specials) {
    const next: string[] = [];
    for (const p of pieces) next.push(...p.split(sp));
    pieces.splice(0, pieces.length, ...next);
  }
  const out: string[] = [];
  for (const p of pieces) {
    for (const m of p.matchAll(GPT2_SPLIT)) out.push(byteLevel(m[0]));
  }
  return out;
}

export interface BpeResult {
  /** token -> id: specials first (0..), then the 256 byte symbols in byte order, then one per merge. */
  vocab: Map<string, number>;
  merges: [string, string][];
}

/** Train byte-level BPE on `texts` up to `vocabSize` entries (specials included). */
export function trainBpe(texts: readonly string[], specials: readonly string[], vocabSize: number): BpeResult {
  const vocab = new Map<string, number>();
  for (const s of specials) vocab.set(s, vocab.size);
  for (let b = 0; b < 256; b++) vocab.set(BYTE_CHARS[b], vocab.size);

  // 1. word counts
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of preTokenize(t, specials)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const keys = [...counts.keys()].sort(); // deterministic word order
  const words: string[][] = keys.map((k) => Array.from(k));
  const freq: number[] = keys.map((k) => counts.get(k)!);

  // 2. pair statistics: count and the words each pair occurs in
  const SEP = '\u0000'; // never inside a byte-level symbol
  const pairCount = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const addWord = (wi: number, sign: 1 | -1): void => {
    const w = words[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const key = w[i] + SEP + w[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * freq[wi]);
      if (sign === 1) {
        let s = pairWords.get(key);
        if (!s) pairWords.set(key, (s = new Set()));
        s.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addWord(wi, 1);

  const merges: [string, string][] = [];
  while (vocab.size < vocabSize) {
    let bestKey: string | null = null;
    let bestCount = 0;
    let bestA = '', bestB = '';
    for (const [key, c] of pairCount) {
      if (c < 2 || c < bestCount) continue; // a merge must occur at least twice
      const at = key.indexOf(SEP);
      const a = key.slice(0, at), b = key.slice(at + 1);
      if (bestKey === null || c > bestCount || a < bestA || (a === bestA && b < bestB)) {
        bestKey = key;
        bestCount = c;
        bestA = a;
        bestB = b;
      }
    }
    if (bestKey === null) break;
    const merged = bestA + bestB;
    merges.push([bestA, bestB]);
    if (!vocab.has(merged)) vocab.set(merged, vocab.size);
    const affected = [...(pairWords.get(bestKey) ?? [])].sort((x, y) => x - y);
    for (const wi of affected) {
      const w = words[wi];
      let has = false;
      for (let i = 0; i + 1 < w.length; i++) if (w[i] === bestA && w[i + 1] === bestB) { has = true; break; }
      if (!has) continue;
      addWord(wi, -1);
      const nw: string[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === bestA && w[i + 1] === bestB) {
          nw.push(merged);
          i++;
        } else nw.push(w[i]);
      }
      words[wi] = nw;
      addWord(wi, 1);
    }
    pairCount.delete(bestKey);
    pairWords.delete(bestKey);
    // Drop pairs whose count fell to zero (keeps the scan short).
    for (const [key, c] of pairCount) if (c <= 0) { pairCount.delete(key); pairWords.delete(key); }
  }
  return { vocab, merges };
}

// --- HF files ------------------------------------------------------------------------------------------

export const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/**
 * ChatML, as SmolLM2-Instruct's template but with no default system line: a system turn is rendered
 * only when the conversation has one.
 */
export const CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** tokenizer.json (HF `tokenizers` layout) for a trained byte-level BPE. */
export function tokenizerJson(bpe: BpeResult): Record<string, unknown> {
  return bpeTokenizerJson({
    addedTokens: SPECIALS.map((content) => addedToken(bpe.vocab.get(content)!, content, true)),
    normalizer: null,
    preTokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    postProcessor: null,
    decoder: BYTE_LEVEL_DECODER,
    vocab: Object.fromEntries(bpe.vocab),
    // "a b" strings: read by every tokenizers version and by llama.cpp (byte-level symbols hold no space).
    merges: bpe.merges.map(([a, b]) => `${a} ${b}`),
  });
}

/** tokenizer_config.json: ChatML template, bos <|im_start|>, eos <|im_end|>, pad <|endoftext|>. */
export function tokenizerConfigJson(bpe: BpeResult, modelMaxLength: number): Record<string, unknown> {
  const decoder: Record<string, unknown> = {};
  for (const content of SPECIALS) {
    decoder[String(bpe.vocab.get(content))] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  }
  return {
    add_bos_token: false,
    add_eos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    bos_token: '<|im_start|>',
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: null,
    chat_template: CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: modelMaxLength,
    tokenizer_class: 'GPT2Tokenizer',
  };
}
