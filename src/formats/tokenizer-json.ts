// Pieces of an HF `tokenizers` tokenizer.json, built in one place: the GGUF tokenizer builder
// (gguf-tokenizer.ts), the tiny model's tokenizer trainer (scripts/tiny/bpe.ts) and the test fixtures
// all write BPE tokenizers with these. Key order follows the files `tokenizers` itself saves, so a file
// written from them reads like (and for our tiny model is byte-identical to) a real one.
import type { Json } from './tokenizer.ts';

/** GPT-2's bytes_to_unicode(): the printable character each byte is spelled as in a byte-level vocabulary
 * (printable bytes map to themselves, the rest to U+0100 upwards in byte order: space → 'Ġ', '\n' → 'Ċ'). */
export function bytesToUnicode(): string[] {
  const out: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return out;
}

/** One `added_tokens` entry (matched verbatim, never normalized). */
export function addedToken(id: number, content: string, special: boolean): Json {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special };
}

/** A TemplateProcessing post-processor adding `bos` before and `eos` after each sequence; null for neither. */
export function templateProcessing(bos: { id: number; token: string } | undefined, eos: { id: number; token: string } | undefined): Json | null {
  if (!bos && !eos) return null;
  const tok = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const single: Json[] = [];
  const pair: Json[] = [];
  if (bos) single.push(tok(bos.token, 0));
  single.push(seq('A', 0));
  if (eos) single.push(tok(eos.token, 0));
  pair.push(...single);
  if (bos) pair.push(tok(bos.token, 1));
  pair.push(seq('B', 1));
  if (eos) pair.push(tok(eos.token, 1));
  const specialTokens: Json = {};
  for (const t of [bos, eos]) if (t) specialTokens[t.token] = { id: t.token, ids: [t.id], tokens: [t.token] };
  return { type: 'TemplateProcessing', single, pair, special_tokens: specialTokens };
}

/** The ByteLevel decoder of GPT-2-style tokenizers. */
export const BYTE_LEVEL_DECODER: Json = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };

/** SentencePiece (Llama-2 "legacy") text handling: ▁ for spaces, optionally one before the text. */
export function sentencePieceNormalizer(addSpacePrefix: boolean): Json {
  const normalizers: Json[] = [];
  if (addSpacePrefix) normalizers.push({ type: 'Prepend', prepend: '▁' });
  normalizers.push({ type: 'Replace', pattern: { String: ' ' }, content: '▁' });
  return { type: 'Sequence', normalizers };
}

/** The decoder matching sentencePieceNormalizer: ▁ back to spaces, <0xXX> bytes fused, the prefix space stripped. */
export function sentencePieceDecoder(addSpacePrefix: boolean): Json {
  const decoders: Json[] = [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }];
  if (addSpacePrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  return { type: 'Sequence', decoders };
}

export interface BpeTokenizerParts {
  addedTokens: Json[];
  normalizer: Json | null;
  preTokenizer: Json | null;
  postProcessor: Json | null;
  decoder: Json;
  vocab: Record<string, number>;
  /** "a b" strings or [a, b] pairs (both are read by every `tokenizers` version we load with). */
  merges: readonly string[] | readonly (readonly [string, string])[];
  /** SentencePiece-style BPE sets these three: an unknown token, fused unknowns, <0xXX> byte fallback. */
  unkToken?: string | null;
  fuseUnk?: boolean;
  byteFallback?: boolean;
  /** Llama-3: a word that is itself in the vocabulary is one token, whatever the merges say. */
  ignoreMerges?: boolean;
}

/** A whole BPE tokenizer.json. */
export function bpeTokenizerJson(p: BpeTokenizerParts): Json {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: p.addedTokens,
    normalizer: p.normalizer,
    pre_tokenizer: p.preTokenizer,
    post_processor: p.postProcessor,
    decoder: p.decoder,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: p.unkToken ?? null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: p.fuseUnk ?? false,
      byte_fallback: p.byteFallback ?? false,
      ignore_merges: p.ignoreMerges ?? false,
      vocab: p.vocab,
      merges: p.merges,
    },
  };
}
