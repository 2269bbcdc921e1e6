// Tokenizers built from GGUF metadata: `tokenizer.ggml.*` and `tokenizer.chat_template` become a
// tokenizer.json-shaped object (+ a tokenizer_config-shaped one) that tokenizer.ts hands to
// @huggingface/tokenizers, so a .gguf encodes, decodes and renders its chat template like the HF
// tokenizer it was converted from. Templates render through @huggingface/jinja, as for tokenizer.json.
//
//   tokenizer.ggml.model "gpt2"   byte-level BPE (GPT-2, Llama-3, Qwen2, SmolLM, …): tokens + merges +
//                                 token_type; the split regex comes from tokenizer.ggml.pre.
//   tokenizer.ggml.model "llama"  SentencePiece BPE (Llama-2, TinyLlama, Mistral v0.1–0.3): tokens +
//                                 scores + token_type; merges are derived from the scores the way
//                                 transformers' GGUF converter does (GGUFTokenizerSkeleton); byte
//                                 fallback to <0xXX> pieces; "▁" for spaces.
//   anything else ("bert", "rwkv", "t5", "none", …) or no tokenizer.ggml.model: no tokenizer, a warning.
//
// Token types (llama.cpp's llama_token_type): 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused,
// 6 byte. Control tokens become special added tokens (as transformers does); user-defined tokens become
// non-special added tokens, matched verbatim in the text (as llama.cpp does and as HF's slow→fast
// converter does for SentencePiece user_defined_symbols).
//
// SentencePiece prefix space. We build the "legacy" shape that the published tokenizer.json of Llama-2
// and TinyLlama have (normalizer Prepend("▁") + Replace(" ", "▁"), no pre-tokenizer): it prepends "▁" to
// every text section, including the first one after a special token and text that already starts with
// a space, which is also exactly what llama.cpp does (llm_tokenizer_spm: "prefix with space if previous
// is special"). transformers' own GGUF converter has recently switched to the non-legacy Metaspace
// ("first") shape; the two differ only for a leading space and for text right after a special token.
// tokenizer.ggml.add_space_prefix = false drops the Prepend (and the decoder's Strip).
//
// Untrusted input. Every array is checked for type and length, every id against the vocabulary, every
// merge for being a pair of tokens whose concatenation is a token, before anything is built. A problem
// is a FormatError naming the file and the metadata key (the caller may turn it into a warning and load
// the model for token ids only). Special token ids outside the vocabulary are ignored with a warning,
// as llama.cpp does ("bad special token"). Deriving merges is quadratic in a token's length, so it runs
// under a work budget.

import { FormatError, quote } from './errors.ts';
import type { GgufValue } from './gguf.ts';
import { loadTokenizerObjects, MAX_TOKEN_ID, type Json, type TabTokenizer } from './tokenizer.ts';
import {
  addedToken, BYTE_LEVEL_DECODER, bpeTokenizerJson, bytesToUnicode, sentencePieceDecoder, sentencePieceNormalizer, templateProcessing,
} from './tokenizer-json.ts';

/** What this file needs of a parsed GGUF: its name (for messages) and its metadata. */
export interface GgufMetadata {
  readonly name: string;
  meta(key: string): GgufValue | undefined;
}

export const GGUF_TOKENIZER_MODELS = ['gpt2', 'llama'] as const;
export type GgufTokenizerModel = (typeof GGUF_TOKENIZER_MODELS)[number];

/** llama.cpp's llama_token_type. */
export const GGUF_TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/**
 * Character work allowed when deriving SentencePiece merges from scores (sum over tokens of
 * length²). Llama-2's 32 k vocabulary needs ~2 M, a 256 k one some tens of millions.
 */
export const MERGE_DERIVATION_BUDGET = 400_000_000;

export interface GgufTokenizerParts {
  model: GgufTokenizerModel;
  /** tokenizer.json-shaped. */
  tokenizerJson: Json;
  /** tokenizer_config.json-shaped: bos/eos/unk/pad tokens (no chat template; see chatTemplate). */
  tokenizerConfig: Json;
  chatTemplate: string | null;
}

export interface GgufTokenizerResult {
  /** null when the file has no tokenizer we can build (see warnings). */
  tokenizer: TabTokenizer | null;
  warnings: string[];
}

/**
 * The tokenizer a GGUF describes. Absent or unsupported tokenizer metadata gives `tokenizer: null` and
 * a warning naming what is missing; malformed metadata throws a FormatError naming the file and key.
 */
export function tokenizerFromGguf(g: GgufMetadata): GgufTokenizerResult {
  const warnings: string[] = [];
  const parts = ggufTokenizerParts(g, warnings);
  if (!parts) return { tokenizer: null, warnings };
  let tokenizer: TabTokenizer;
  try {
    tokenizer = loadTokenizerObjects(parts.tokenizerJson, parts.tokenizerConfig, {
      chatTemplate: parts.chatTemplate === null ? undefined : { text: parts.chatTemplate, source: `${g.name} tokenizer.chat_template`, file: g.name },
      noTemplate: { file: g.name, message: `no chat template: ${g.name} has no tokenizer.chat_template (pass one with the chatTemplate option)` },
    });
  } catch (e) {
    // Our own validation above should make this unreachable; name the GGUF, not a tokenizer.json.
    if (e instanceof Error && e.name === 'TokenizerError') throw new FormatError(g.name, `tokenizer metadata: ${e.message}`);
    throw e;
  }
  return { tokenizer, warnings };
}

// --- reading metadata ---------------------------------------------------------------------------

const K = (k: string) => `tokenizer.ggml.${k}`;

class Meta {
  constructor(readonly g: GgufMetadata) {}
  fail(key: string, what: string): never {
    throw new FormatError(this.g.name, `metadata ${key} ${what}`);
  }
  str(key: string): string | undefined {
    const v = this.g.meta(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(key, `must be a string, got ${describe(v)}`);
    return v;
  }
  bool(key: string): boolean | undefined {
    const v = this.g.meta(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(key, `must be a boolean, got ${describe(v)}`);
    return v;
  }
  /** An integer scalar (any GGUF integer type), or undefined. */
  int(key: string): number | undefined {
    const v = this.g.meta(key);
    if (v === undefined) return undefined;
    if (typeof v === 'bigint') return Number.MAX_SAFE_INTEGER; // out of any vocabulary's range
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(key, `must be an integer, got ${describe(v)}`);
    return v;
  }
  /** An array whose items are all strings / finite numbers / integers, optionally of length n. */
  array(key: string, kind: 'string', n?: number): string[] | undefined;
  array(key: string, kind: 'number' | 'int', n?: number): number[] | undefined;
  array(key: string, kind: 'string' | 'number' | 'int', n?: number): (string | number)[] | undefined {
    const v = this.g.meta(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || !Array.isArray((v as { items?: unknown }).items)) {
      this.fail(key, `must be an array, got ${describe(v)}`);
    }
    const items = (v as { items: GgufValue[] }).items;
    if (n !== undefined && items.length !== n) this.fail(key, `has ${items.length} entries but tokenizer.ggml.tokens has ${n}`);
    for (let i = 0; i < items.length; i++) {
      const x = items[i];
      const ok = kind === 'string' ? typeof x === 'string' : typeof x === 'number' && (kind === 'int' ? Number.isInteger(x) : Number.isFinite(x));
      if (!ok) this.fail(key, `entry ${i} must be ${kind === 'string' ? 'a string' : kind === 'int' ? 'an integer' : 'a finite number'}, got ${describe(x)}`);
    }
    return items as (string | number)[];
  }
}

function describe(v: GgufValue): string {
  if (typeof v === 'string') return `the string ${quote(v, 40)}`;
  if (typeof v === 'object') return `an array of ${v.elemType}`;
  return `${typeof v} ${String(v)}`;
}

// --- building -----------------------------------------------------------------------------------

const SPECIAL_KEYS = [
  ['bos_token', 'bos_token_id'],
  ['eos_token', 'eos_token_id'],
  ['unk_token', 'unknown_token_id'],
  ['pad_token', 'padding_token_id'],
] as const;

/**
 * The tokenizer.json- and tokenizer_config-shaped objects for a GGUF's tokenizer, or null (with a
 * warning pushed) when there is none we can build. Throws FormatError on malformed metadata.
 */
export function ggufTokenizerParts(g: GgufMetadata, warnings: string[]): GgufTokenizerParts | null {
  const m = new Meta(g);
  const name = g.name;
  const model = m.str(K('model'));
  if (model === undefined) {
    warnings.push(`${name}: no tokenizer.ggml.model in the metadata; the model loads for token-id input only`);
    return null;
  }
  if (!(GGUF_TOKENIZER_MODELS as readonly string[]).includes(model)) {
    warnings.push(
      `${name}: tokenizer.ggml.model ${quote(model)} is not supported (supported: ${GGUF_TOKENIZER_MODELS.join(', ')}); the model loads for token-id input only`,
    );
    return null;
  }
  // The vocabulary is bounded by MAX_TOKEN_ID before its entries are looked at.
  const rawTokens = g.meta(K('tokens'));
  if (rawTokens === undefined) {
    warnings.push(`${name}: tokenizer.ggml.model is ${quote(model)} but tokenizer.ggml.tokens is missing; the model loads for token-id input only`);
    return null;
  }
  if (typeof rawTokens === 'object' && Array.isArray((rawTokens as { items?: unknown }).items) && (rawTokens as { items: unknown[] }).items.length > MAX_TOKEN_ID + 1) {
    m.fail(K('tokens'), `has ${(rawTokens as { items: unknown[] }).items.length} entries (limit ${MAX_TOKEN_ID + 1})`);
  }
  const tokens = m.array(K('tokens'), 'string')!;
  if (tokens.length === 0) m.fail(K('tokens'), 'is empty');
  const n = tokens.length;
  const types = m.array(K('token_type'), 'int', n);

  // Special ids: a wrong type is an error; an id outside the vocabulary is ignored, as llama.cpp does.
  const special: Partial<Record<(typeof SPECIAL_KEYS)[number][0], { id: number; token: string }>> = {};
  for (const [cfgKey, metaKey] of SPECIAL_KEYS) {
    const id = m.int(K(metaKey));
    if (id === undefined) continue;
    if (id < 0 || id >= n) {
      warnings.push(`${name}: ${K(metaKey)} ${id} is outside the vocabulary of ${n} tokens; ignored`);
      continue;
    }
    special[cfgKey] = { id, token: tokens[id] };
  }
  const chatTemplate = m.str('tokenizer.chat_template') ?? null;
  const addBosMeta = m.bool(K('add_bos_token'));
  const addEos = m.bool(K('add_eos_token')) ?? false;

  let built: { json: Json; defaultAddBos: boolean };
  if (model === 'gpt2') built = byteLevelJson(m, tokens, types, warnings);
  else {
    if (!special.unk_token && types) {
      const u = types.indexOf(GGUF_TOKEN_TYPE.UNKNOWN);
      if (u >= 0) special.unk_token = { id: u, token: tokens[u] };
    }
    built = sentencePieceJson(m, tokens, types, special.unk_token?.token ?? null, m.bool(K('add_space_prefix')) ?? true);
  }
  const json = built.json;

  // Without token types, bos/eos/unk are the special tokens (as transformers does).
  if (!types) {
    const added = json.added_tokens as Json[];
    const seen = new Set(added.map((t) => t.id as number));
    for (const s of [special.unk_token, special.bos_token, special.eos_token]) {
      if (s && !seen.has(s.id) && s.token !== '') {
        added.push(addedToken(s.id, s.token, true));
        seen.add(s.id);
      }
    }
  }

  const addBos = addBosMeta ?? built.defaultAddBos;
  let bos: { id: number; token: string } | undefined;
  let eos: { id: number; token: string } | undefined;
  if (addBos) {
    bos = special.bos_token;
    if (!bos) warnings.push(`${name}: add_bos_token is set but there is no valid tokenizer.ggml.bos_token_id; no BOS is added`);
  }
  if (addEos) {
    eos = special.eos_token;
    if (!eos) warnings.push(`${name}: add_eos_token is set but there is no valid tokenizer.ggml.eos_token_id; no EOS is added`);
  }
  json.post_processor = templateProcessing(bos, eos);

  const config: Json = { clean_up_tokenization_spaces: false };
  for (const [cfgKey] of SPECIAL_KEYS) {
    const s = special[cfgKey];
    if (s && s.token !== '') config[cfgKey] = s.token;
  }
  return { model: model as GgufTokenizerModel, tokenizerJson: json, tokenizerConfig: config, chatTemplate };
}

/** A vocabulary object safe for any token text (no inherited keys: "__proto__" is a token like any other). */
function vocabObject(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** Control tokens → special added tokens; user-defined → non-special added tokens (verbatim match). */
function addedTokensFromTypes(tokens: readonly string[], types: readonly number[] | undefined): Json[] {
  const out: Json[] = [];
  if (!types) return out;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === '') continue; // an empty added token would match nothing (and the library refuses it)
    if (types[i] === GGUF_TOKEN_TYPE.CONTROL) out.push(addedToken(i, tokens[i], true));
    else if (types[i] === GGUF_TOKEN_TYPE.USER_DEFINED) out.push(addedToken(i, tokens[i], false));
  }
  return out;
}

// --- gpt2: byte-level BPE -------------------------------------------------------------------------

const BYTE_TO_CHAR = bytesToUnicode();
const BYTE_LEVEL_ALPHABET = new Set(BYTE_TO_CHAR);
const utf8 = new TextEncoder();

/**
 * A token in the byte-level spelling its merges use. llama.cpp writes tokens in that spelling, except
 * that one whose bytes are not valid UTF-8 comes back decoded (e.g. U+FFFD); respell it from its UTF-8.
 */
function byteLevelSpelling(token: string): string {
  for (const c of token) if (!BYTE_LEVEL_ALPHABET.has(c)) return Array.from(utf8.encode(token), (b) => BYTE_TO_CHAR[b]).join('');
  return token;
}

// Split regexes of tokenizer.ggml.pre values whose split differs from GPT-2's (from the tokenizer.json
// files of the models llama.cpp names them after). BPE only merges within a split, so the regex decides
// the result.
const LLAMA3_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

type PreKind = 'gpt2' | 'digits-gpt2' | 'llama3' | 'qwen2';
const PRE_KINDS: Record<string, PreKind> = {
  default: 'gpt2',
  'gpt-2': 'gpt2',
  gpt2: 'gpt2',
  // llama.cpp: \p{N} (single digits) before the GPT-2 regex.
  smollm: 'digits-gpt2',
  starcoder: 'digits-gpt2',
  refact: 'digits-gpt2',
  codeshell: 'digits-gpt2',
  'command-r': 'digits-gpt2',
  // Llama-3's regex (and ignore_merges, as in its tokenizer.json).
  llama3: 'llama3',
  'llama-v3': 'llama3',
  'llama-bpe': 'llama3',
  'smaug-bpe': 'llama3',
  dbrx: 'llama3',
  falcon3: 'llama3',
  pixtral: 'llama3',
  qwen2: 'qwen2',
  'deepseek-r1-qwen': 'qwen2',
  megrez: 'qwen2',
};

function byteLevelPreTokenizer(kind: PreKind): Json {
  const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
  switch (kind) {
    case 'gpt2':
      return byteLevel(true);
    case 'digits-gpt2':
      return { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel(true)] };
    case 'llama3':
    case 'qwen2':
      return {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: kind === 'llama3' ? LLAMA3_SPLIT : QWEN2_SPLIT }, behavior: 'Isolated', invert: false },
          byteLevel(false),
        ],
      };
  }
}

function byteLevelJson(m: Meta, tokens: readonly string[], types: readonly number[] | undefined, warnings: string[]): { json: Json; defaultAddBos: boolean } {
  const name = m.g.name;
  const mergesRaw = m.array(K('merges'), 'string');
  if (mergesRaw === undefined) m.fail(K('merges'), 'is missing (a "gpt2" tokenizer needs its merges)');
  const pre = m.str(K('pre'));
  let kind: PreKind = 'gpt2';
  if (pre !== undefined) {
    const k = Object.hasOwn(PRE_KINDS, pre) ? PRE_KINDS[pre] : undefined;
    if (k) kind = k;
    else warnings.push(`${name}: tokenizer.ggml.pre ${quote(pre)} is not known here; text is split as GPT-2 does, so encodings may differ from the original tokenizer`);
  }
  const added = addedTokensFromTypes(tokens, types);
  const addedIds = new Set(added.map((t) => t.id as number));
  const vocab = vocabObject();
  for (let i = 0; i < tokens.length; i++) {
    // Added tokens are matched by their text; the rest are keyed as the merges spell them.
    vocab[addedIds.has(i) ? tokens[i] : byteLevelSpelling(tokens[i])] = i;
  }
  const merges = parseMerges(m, mergesRaw, vocab);
  const json = bpeTokenizerJson({
    addedTokens: added,
    normalizer: kind === 'qwen2' ? { type: 'NFC' } : null,
    preTokenizer: byteLevelPreTokenizer(kind),
    postProcessor: null,
    decoder: BYTE_LEVEL_DECODER,
    vocab,
    merges,
    ignoreMerges: kind === 'llama3',
  });
  // llama.cpp adds BOS by default for the Llama-3 family only; the file's add_bos_token overrides this.
  return { json, defaultAddBos: kind === 'llama3' };
}

/** "a b" strings → [a, b] pairs, each part and their concatenation in the vocabulary. */
function parseMerges(m: Meta, raw: readonly string[], vocab: Record<string, number>): [string, string][] {
  const out: [string, string][] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    const sp = s.indexOf(' ');
    const a = s.slice(0, sp);
    const b = s.slice(sp + 1);
    if (sp <= 0 || b.length === 0 || b.includes(' ')) m.fail(K('merges'), `entry ${i} ${quote(s)} is not a pair "a b"`);
    for (const t of [a, b, a + b]) {
      if (!Object.hasOwn(vocab, t)) m.fail(K('merges'), `entry ${i} ${quote(s)} names ${quote(t)}, which is not in tokenizer.ggml.tokens`);
    }
    out[i] = [a, b];
  }
  return out;
}

// --- llama: SentencePiece BPE ---------------------------------------------------------------------

function sentencePieceJson(
  m: Meta,
  tokens: readonly string[],
  types: readonly number[] | undefined,
  unkToken: string | null,
  addSpacePrefix: boolean,
): { json: Json; defaultAddBos: boolean } {
  const vocab = vocabObject();
  for (let i = 0; i < tokens.length; i++) vocab[tokens[i]] = i; // the last of duplicates wins, as in transformers
  const mergesRaw = m.array(K('merges'), 'string');
  let merges: [string, string][];
  if (mergesRaw !== undefined) merges = parseMerges(m, mergesRaw, vocab);
  else {
    const scores = m.array(K('scores'), 'number', tokens.length);
    if (scores === undefined) m.fail(K('scores'), 'is missing (a "llama" tokenizer without merges needs its scores)');
    merges = mergesFromScores(tokens, scores, (msg) => m.fail(K('tokens'), msg));
  }
  const json = bpeTokenizerJson({
    addedTokens: addedTokensFromTypes(tokens, types),
    normalizer: sentencePieceNormalizer(addSpacePrefix),
    preTokenizer: null,
    postProcessor: null,
    decoder: sentencePieceDecoder(addSpacePrefix),
    vocab,
    merges,
    unkToken,
    fuseUnk: true,
    byteFallback: true,
  });
  return { json, defaultAddBos: true };
}

/**
 * SentencePiece BPE merges from piece scores, as transformers' GGUFTokenizerSkeleton builds them: for
 * every piece, each split into two pieces that are both in the vocabulary is a merge, ranked by the
 * score of the merged piece (higher first); the splits of one piece are ordered by the scores of their
 * left, then right parts (higher first). Both sorts are stable, as Python's are, so ties keep
 * vocabulary order. With duplicate pieces, the last one's score counts (a Python dict).
 */
export function mergesFromScores(
  tokens: readonly string[],
  scores: readonly number[],
  fail: (message: string) => never = (msg) => {
    throw new Error(`tokenizer.ggml.tokens ${msg}`);
  },
): [string, string][] {
  const score = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) score.set(tokens[i], scores[i]);
  let work = 0;
  const all: { a: string; b: string; s: number }[] = [];
  for (const [piece, s] of score) {
    const cps = Array.from(piece); // split by code point, as Python slices a str
    if (cps.length < 2) continue;
    work += cps.length * cps.length;
    if (work > MERGE_DERIVATION_BUDGET) {
      fail(`holds too much text to derive merges from (over ${MERGE_DERIVATION_BUDGET} characters of work)`);
    }
    const local: { a: string; b: string; sa: number; sb: number }[] = [];
    let left = '';
    for (let k = 1; k < cps.length; k++) {
      left += cps[k - 1];
      const sa = score.get(left);
      if (sa === undefined) continue;
      const right = cps.slice(k).join('');
      const sb = score.get(right);
      if (sb !== undefined) local.push({ a: left, b: right, sa, sb });
    }
    local.sort((x, y) => y.sa - x.sa || y.sb - x.sb);
    for (const l of local) all.push({ a: l.a, b: l.b, s });
  }
  all.sort((x, y) => y.s - x.s);
  return all.map((x) => [x.a, x.b]);
}
