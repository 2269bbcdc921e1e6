// Tokenizer and chat-template loading: turns a Hugging Face `tokenizer.json` (+ optional
// `tokenizer_config.json` and `chat_template.jinja`) into a TabTokenizer — encode, decode, the special
// ids the trainer needs (BOS, EOS, end-of-turn), and chat-template rendering.
//
// What this file is: a thin, validating wrapper. Tokenization itself is done by @huggingface/tokenizers
// (normalizers, pre-tokenizers, BPE/Unigram/WordPiece, decoders); templates are rendered ONLY by
// @huggingface/jinja (a sandboxed interpreter: a template cannot run JavaScript).
// What it is not: it downloads nothing and reads no files — callers pass file contents as strings, so the
// same code runs in a browser worker and in Node.
//
// The files are untrusted input. Before handing tokenizer.json to the library we check its shape (the
// library indexes arrays by file-supplied ids, so an id of 1e9 would make a giant sparse array and a
// missing section would throw a TypeError deep inside it): every problem becomes a TokenizerError that
// names the file and says what is wrong. Two things we cannot bound here: a pathological pre-tokenizer
// regex (catastrophic backtracking) and a template that loops for a very long time — both only hurt the
// tab/worker that loaded them.

import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';

export class TokenizerError extends Error {
  override name = 'TokenizerError';
  /** The file the problem was found in: 'tokenizer.json', 'tokenizer_config.json' or 'chat_template.jinja'. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

export interface ChatMessage {
  role: string;
  content: string;
}

export interface EncodeOptions {
  /** Let the tokenizer's post-processor add its special tokens (e.g. Llama-2's BOS `<s>`). Default true, as in HF. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (added tokens marked special, and the config's special tokens). Default false. */
  skipSpecialTokens?: boolean;
}

export interface ApplyChatTemplateOptions {
  /** Append the header that opens an assistant turn (HF `add_generation_prompt`). Default false. */
  addGenerationPrompt?: boolean;
  /** Render with this template instead of the tokenizer's own (e.g. for a base model that has none). */
  chatTemplate?: string;
}

export interface TabTokenizer {
  /** Number of embedding rows the ids need: max id + 1 over the vocabulary and added tokens. */
  readonly vocabSize: number;
  readonly bosToken: string | null;
  readonly bosId: number | null;
  readonly eosToken: string | null;
  readonly eosId: number | null;
  /**
   * Ids that end a generation: eosId plus known end-of-turn tokens present in this vocabulary
   * (`<|im_end|>`, `<|eot_id|>`, `<|end_of_text|>`, `<|endoftext|>`, `<|end|>`, `<end_of_turn>`, `<|eom_id|>`, `</s>`).
   */
  readonly eosIds: readonly number[];
  readonly padId: number | null;
  readonly unkId: number | null;
  /** Special tokens: content → id (added tokens marked special, plus bos/eos/unk/pad/... named in the config). */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** Ids the post-processor puts before / after the text when addSpecialTokens is true (e.g. [bosId] for Llama-2). */
  readonly postProcessorPrefix: readonly number[];
  readonly postProcessorSuffix: readonly number[];
  /** Where the chat template came from (e.g. "chat_template.jinja", "tokenizer_config.json chat_template 'default'"), or null if none. */
  readonly chatTemplateSource: string | null;
  readonly chatTemplate: string | null;

  encode(text: string, options?: EncodeOptions): number[];
  /** Ids with no token (e.g. padded embedding rows beyond the tokenizer's vocabulary) are skipped. */
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** The id of a special token by its content (e.g. '<|im_end|>'), or undefined. */
  specialTokenId(content: string): number | undefined;
  isSpecialId(id: number): boolean;
  /** Render a conversation with the chat template through @huggingface/jinja. Throws TokenizerError. */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ApplyChatTemplateOptions): string;
}

// --- limits -----------------------------------------------------------------------------------------

/** Largest token id accepted (2^22 ≈ 4.2 M; the largest real vocabularies are ~262 k). */
export const MAX_TOKEN_ID = (1 << 22) - 1;

const TOKENIZER_FILE = 'tokenizer.json';
const CONFIG_FILE = 'tokenizer_config.json';
const TEMPLATE_FILE = 'chat_template.jinja';

/** Tokens that end a turn in common chat formats; whichever exist in the vocabulary join eosIds. */
const END_OF_TURN_TOKENS = [
  '<|im_end|>',
  '<|eot_id|>',
  '<|eom_id|>',
  '<|end_of_text|>',
  '<|endoftext|>',
  '<|end|>',
  '<end_of_turn>',
  '</s>',
];

/** Names HF passes to chat templates (`special_tokens_map`), in this order. */
const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];

// --- helpers ----------------------------------------------------------------------------------------

export type Json = Record<string, unknown>;

function clip(s: string, max = 80): string {
  return JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJsonObject(text: string, file: string): Json {
  if (typeof text !== 'string') throw new TokenizerError(file, 'expected the file contents as a string');
  let v: unknown;
  try {
    // A UTF-8 BOM is legal at the start of a file but not in JSON.
    v = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new TokenizerError(file, `is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(v)) throw new TokenizerError(file, 'must be a JSON object at the top level');
  return v;
}

function isTokenId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TOKEN_ID;
}

/** A special token in tokenizer_config.json is a string, an AddedToken dict {content, ...}, or null. */
function specialTokenContent(config: Json, key: string): string | null {
  const v = config[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  throw new TokenizerError(CONFIG_FILE, `"${key}" must be a string or {"content": string}`);
}

// --- tokenizer.json validation ------------------------------------------------------------------------

interface AddedTokenJson {
  id: number;
  content: string;
  special: boolean;
}

/**
 * Check the parts of tokenizer.json the library indexes with file-supplied numbers, and return a
 * sanitized shallow copy (missing optional sections set to null, as the library expects them present).
 */
function validateTokenizerJson(tj: Json): { json: Json; maxId: number; added: AddedTokenJson[] } {
  const f = TOKENIZER_FILE;
  const model = tj.model;
  if (model === undefined || model === null) throw new TokenizerError(f, 'has no "model" section');
  if (!isObject(model)) throw new TokenizerError(f, '"model" must be an object');
  const type = model.type;
  if (type !== undefined && type !== 'BPE' && type !== 'Unigram' && type !== 'WordPiece') {
    throw new TokenizerError(f, `unsupported model type ${clip(String(type))} (expected BPE, Unigram or WordPiece)`);
  }
  let maxId = -1;
  const vocab = model.vocab;
  if (vocab === undefined || vocab === null) throw new TokenizerError(f, 'model has no "vocab"');
  if ((type === 'BPE' || type === 'WordPiece') && Array.isArray(vocab)) {
    throw new TokenizerError(f, `${type} "vocab" must be an object {token: id}, not an array`);
  }
  if (type === 'Unigram' || Array.isArray(vocab)) {
    if (!Array.isArray(vocab)) throw new TokenizerError(f, 'Unigram "vocab" must be an array of [piece, score]');
    if (vocab.length > MAX_TOKEN_ID + 1) throw new TokenizerError(f, `vocabulary has ${vocab.length} entries (limit ${MAX_TOKEN_ID + 1})`);
    vocab.forEach((e, i) => {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number') {
        throw new TokenizerError(f, `Unigram vocab entry ${i} must be [string, number]`);
      }
    });
    maxId = vocab.length - 1;
    if (model.unk_id !== undefined && model.unk_id !== null && !(isTokenId(model.unk_id) && model.unk_id < vocab.length)) {
      throw new TokenizerError(f, `"unk_id" ${String(model.unk_id)} is outside the vocabulary`);
    }
  } else {
    if (!isObject(vocab)) throw new TokenizerError(f, 'model "vocab" must be an object {token: id}');
    for (const [tok, id] of Object.entries(vocab)) {
      if (!isTokenId(id)) throw new TokenizerError(f, `vocab id of ${clip(tok)} is ${clip(String(id))}: ids must be integers in [0, ${MAX_TOKEN_ID}]`);
      if (id > maxId) maxId = id;
    }
  }
  if (type === 'BPE' || (type === undefined && 'merges' in model)) {
    const merges = model.merges;
    if (!Array.isArray(merges)) throw new TokenizerError(f, 'BPE model needs a "merges" array');
    merges.forEach((m, i) => {
      const ok =
        (typeof m === 'string' && m.includes(' ')) ||
        (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string');
      if (!ok) throw new TokenizerError(f, `merge ${i} must be "a b" or ["a", "b"], got ${clip(JSON.stringify(m) ?? String(m))}`);
    });
    // The library picks the merge format from merges[0]; a mix would silently mis-rank.
    if (merges.length > 0 && merges.some((m) => Array.isArray(m) !== Array.isArray(merges[0]))) {
      throw new TokenizerError(f, 'merges mix the "a b" and ["a", "b"] formats');
    }
    if (model.unk_token !== undefined && model.unk_token !== null && typeof model.unk_token !== 'string') {
      throw new TokenizerError(f, '"unk_token" must be a string or null');
    }
  }
  const addedRaw = tj.added_tokens ?? [];
  if (!Array.isArray(addedRaw)) throw new TokenizerError(f, '"added_tokens" must be an array');
  const added: AddedTokenJson[] = [];
  addedRaw.forEach((t, i) => {
    if (!isObject(t)) throw new TokenizerError(f, `added_tokens[${i}] must be an object`);
    if (typeof t.content !== 'string' || t.content.length === 0) throw new TokenizerError(f, `added_tokens[${i}] has no "content" string`);
    if (!isTokenId(t.id)) throw new TokenizerError(f, `added token ${clip(t.content)} has id ${clip(String(t.id))}: ids must be integers in [0, ${MAX_TOKEN_ID}]`);
    if (t.id > maxId) maxId = t.id;
    added.push({ id: t.id, content: t.content, special: t.special === true });
  });
  if (maxId < 0) throw new TokenizerError(f, 'the vocabulary is empty');
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const) {
    const v = tj[key];
    if (v !== undefined && v !== null && !isObject(v)) throw new TokenizerError(f, `"${key}" must be an object or null`);
  }
  const json: Json = {
    ...tj,
    added_tokens: addedRaw,
    normalizer: tj.normalizer ?? null,
    pre_tokenizer: tj.pre_tokenizer ?? null,
    post_processor: tj.post_processor ?? null,
    decoder: tj.decoder ?? null,
  };
  return { json, maxId, added };
}

// --- tokenizer_config.json ---------------------------------------------------------------------------------

interface ParsedConfig {
  special: Partial<Record<SpecialTokenKey, string>>;
  additional: string[];
  /** What we pass to the library: only the keys it reads, with string-valued special tokens. */
  libConfig: Json;
  template: { text: string; source: string } | null;
}

function parseConfig(config: Json | null): ParsedConfig {
  const special: Partial<Record<SpecialTokenKey, string>> = {};
  const additional: string[] = [];
  // HF Python now defaults clean_up_tokenization_spaces to False; the JS library defaults to true, which
  // would turn "a ." into "a." on decode and break round trips. We follow Python unless the file says.
  const libConfig: Json = { clean_up_tokenization_spaces: false };
  if (config === null) return { special, additional, libConfig, template: null };
  for (const key of SPECIAL_TOKEN_KEYS) {
    const v = specialTokenContent(config, key);
    if (v !== null) {
      special[key] = v;
      libConfig[key] = v;
    }
  }
  const extra = config.additional_special_tokens;
  if (extra !== undefined && extra !== null) {
    if (!Array.isArray(extra)) throw new TokenizerError(CONFIG_FILE, '"additional_special_tokens" must be an array');
    extra.forEach((t, i) => {
      const c = typeof t === 'string' ? t : isObject(t) && typeof t.content === 'string' ? t.content : null;
      if (c === null) throw new TokenizerError(CONFIG_FILE, `additional_special_tokens[${i}] must be a string or {"content": string}`);
      additional.push(c);
    });
  }
  libConfig.additional_special_tokens = additional;
  for (const key of ['clean_up_tokenization_spaces', 'remove_space', 'do_lowercase_and_remove_accent'] as const) {
    const v = config[key];
    if (typeof v === 'boolean') libConfig[key] = v;
    else if (v !== undefined && v !== null) throw new TokenizerError(CONFIG_FILE, `"${key}" must be a boolean`);
  }
  return { special, additional, libConfig, template: pickTemplate(config.chat_template) };
}

/** HF semantics: a string, or a list of {name, template} from which 'default' is used. */
function pickTemplate(v: unknown): { text: string; source: string } | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return { text: v, source: `${CONFIG_FILE} chat_template` };
  if (Array.isArray(v)) {
    const names: string[] = [];
    for (const [i, e] of v.entries()) {
      if (!isObject(e) || typeof e.name !== 'string' || typeof e.template !== 'string') {
        throw new TokenizerError(CONFIG_FILE, `chat_template[${i}] must be {"name": string, "template": string}`);
      }
      names.push(e.name);
    }
    const d = v.find((e) => (e as Json).name === 'default') as Json | undefined;
    if (!d) {
      throw new TokenizerError(CONFIG_FILE, `chat_template lists templates ${names.map((n) => clip(n)).join(', ')} but none named "default"`);
    }
    return { text: d.template as string, source: `${CONFIG_FILE} chat_template 'default'` };
  }
  throw new TokenizerError(CONFIG_FILE, '"chat_template" must be a string or a list of {name, template}');
}

// --- the tokenizer ------------------------------------------------------------------------------------------

/**
 * Build a TabTokenizer from file contents. `tokenizerConfigJson` supplies bos/eos tokens and the chat
 * template; `chatTemplateJinja` (a separate chat_template.jinja) takes precedence over the config's
 * chat_template, as in transformers. Throws TokenizerError.
 */
export function loadTokenizer(tokenizerJson: string, tokenizerConfigJson?: string, chatTemplateJinja?: string): TabTokenizer {
  const tj = parseJsonObject(tokenizerJson, TOKENIZER_FILE);
  const config = tokenizerConfigJson === undefined ? null : parseJsonObject(tokenizerConfigJson, CONFIG_FILE);
  if (chatTemplateJinja !== undefined && typeof chatTemplateJinja !== 'string') {
    throw new TokenizerError(TEMPLATE_FILE, 'expected the file contents as a string');
  }
  const template = chatTemplateJinja === undefined ? undefined : { text: chatTemplateJinja, source: TEMPLATE_FILE, file: TEMPLATE_FILE };
  return loadTokenizerObjects(tj, config, { chatTemplate: template });
}

/** Where a chat template came from: its text, a description for messages, and the file errors name. */
export interface ChatTemplateOrigin {
  text: string;
  /** e.g. "chat_template.jinja" or "model.gguf tokenizer.chat_template". */
  source: string;
  /** The file a TokenizerError about this template names. */
  file: string;
}

/**
 * loadTokenizer on already-parsed objects: a tokenizer.json-shaped object, a tokenizer_config.json-shaped
 * object (or null) and, optionally, a template that takes precedence over the config's chat_template.
 * Used for tokenizers built from GGUF metadata (gguf-tokenizer.ts). The objects are validated exactly as
 * the files are; problems are TokenizerErrors naming 'tokenizer.json' / 'tokenizer_config.json'.
 */
export function loadTokenizerObjects(tokenizerJson: Json, tokenizerConfig: Json | null, opts: LoadTokenizerObjectsOptions = {}): TabTokenizer {
  if (!isObject(tokenizerJson)) throw new TokenizerError(TOKENIZER_FILE, 'must be a JSON object at the top level');
  if (tokenizerConfig !== null && !isObject(tokenizerConfig)) throw new TokenizerError(CONFIG_FILE, 'must be a JSON object at the top level');
  const { json, maxId, added } = validateTokenizerJson(tokenizerJson);
  const parsed = parseConfig(tokenizerConfig);
  const template = opts.chatTemplate ?? (parsed.template ? { ...parsed.template, file: CONFIG_FILE } : null);

  let lib: Tokenizer;
  try {
    lib = new Tokenizer(json, parsed.libConfig);
  } catch (e) {
    throw new TokenizerError(TOKENIZER_FILE, `could not be loaded (${(e as Error).message})`);
  }
  return new HfTabTokenizer(lib, maxId + 1, added, parsed, template, opts.noTemplate ?? NO_TEMPLATE);
}

export interface LoadTokenizerObjectsOptions {
  /** A template that takes precedence over the config's chat_template. */
  chatTemplate?: ChatTemplateOrigin;
  /** What applyChatTemplate says when there is no template at all (default: about tokenizer_config.json). */
  noTemplate?: { file: string; message: string };
}

const NO_TEMPLATE = {
  file: CONFIG_FILE,
  message: 'no chat template: tokenizer_config.json has no chat_template and no chat_template.jinja was given (pass one, or a chatTemplate option)',
};

class HfTabTokenizer implements TabTokenizer {
  readonly vocabSize: number;
  readonly bosToken: string | null;
  readonly bosId: number | null;
  readonly eosToken: string | null;
  readonly eosId: number | null;
  readonly eosIds: readonly number[];
  readonly padId: number | null;
  readonly unkId: number | null;
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly postProcessorPrefix: readonly number[];
  readonly postProcessorSuffix: readonly number[];
  readonly chatTemplateSource: string | null;
  readonly chatTemplate: string | null;

  private readonly specialIds: Set<number>;
  private readonly chatTemplateFile: string;
  private readonly renderVars: Record<string, unknown>;
  /** Compiled templates by source text (the tokenizer's own, and any per-call override). */
  private readonly compiled = new Map<string, Template | Error>();

  constructor(
    private readonly lib: Tokenizer,
    vocabSize: number,
    added: AddedTokenJson[],
    cfg: ParsedConfig,
    template: ChatTemplateOrigin | null,
    private readonly noTemplate: { file: string; message: string },
  ) {
    this.vocabSize = vocabSize;
    const specials = new Map<string, number>();
    for (const t of added) if (t.special) specials.set(t.content, t.id);
    const named = [...Object.values(cfg.special), ...cfg.additional];
    for (const c of named) {
      const id = lib.token_to_id(c);
      if (id !== undefined) specials.set(c, id);
    }
    this.specialTokens = specials;
    this.specialIds = new Set(specials.values());

    const idOf = (c: string | null | undefined): number | null => (c == null ? null : (lib.token_to_id(c) ?? null));
    // When the config does not name BOS/EOS (or there is no config), guess from the conventional names
    // that are special tokens here. The guesses serve bosId/eosId only: templates see what the config
    // says, exactly as in HF (a template's `bos_token` is undefined there too).
    const guess = (names: string[]): string | null => names.find((n) => specials.has(n)) ?? null;
    this.bosToken = cfg.special.bos_token ?? guess(['<s>', '<|begin_of_text|>', '<bos>']);
    this.eosToken = cfg.special.eos_token ?? guess(['</s>', '<|end_of_text|>', '<|endoftext|>', '<eos>']);
    this.bosId = idOf(this.bosToken);
    this.eosId = idOf(this.eosToken);
    this.padId = idOf(cfg.special.pad_token);
    this.unkId = idOf(cfg.special.unk_token);
    const eos: number[] = [];
    if (this.eosId !== null) eos.push(this.eosId);
    for (const t of END_OF_TURN_TOKENS) {
      const id = specials.get(t);
      if (id !== undefined && !eos.includes(id)) eos.push(id);
    }
    this.eosIds = eos;

    // Find what the post-processor adds around a text by encoding a probe with and without it. If no
    // probe encodes to anything (a vocabulary without these characters and no unk), everything the
    // post-processor adds is taken as a prefix.
    let prefix: number[] = [];
    let suffix: number[] = [];
    for (const probe of ['a', 'the', '0', ' ', '.']) {
      const bare = this.encodeRaw(probe, false);
      const full = this.encodeRaw(probe, true);
      if (bare.length === 0) {
        prefix = full;
        continue;
      }
      const at = indexOfSub(full, bare);
      prefix = at < 0 ? [] : full.slice(0, at);
      suffix = at < 0 ? [] : full.slice(at + bare.length);
      break;
    }
    this.postProcessorPrefix = prefix;
    this.postProcessorSuffix = suffix;

    this.chatTemplate = template?.text ?? null;
    this.chatTemplateSource = template?.source ?? null;
    this.chatTemplateFile = template?.file ?? CONFIG_FILE;
    // HF passes special_tokens_map (only the ones set) to the template, plus additional_special_tokens.
    const vars: Record<string, unknown> = {};
    for (const key of SPECIAL_TOKEN_KEYS) {
      const v = cfg.special[key];
      if (v !== undefined) vars[key] = v;
    }
    if (cfg.additional.length > 0) vars.additional_special_tokens = [...cfg.additional];
    this.renderVars = vars;
  }

  private encodeRaw(text: string, addSpecialTokens: boolean): number[] {
    const enc = this.lib.encode(text, { add_special_tokens: addSpecialTokens });
    const ids = enc.ids;
    for (let i = 0; i < ids.length; i++) {
      if (typeof ids[i] !== 'number') {
        throw new TokenizerError(TOKENIZER_FILE, `token ${clip(String(enc.tokens[i]))} has no id (is it missing from the vocabulary?)`);
      }
    }
    return ids;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    if (text.length === 0 && options.addSpecialTokens === false) return [];
    return this.encodeRaw(text, options.addSpecialTokens ?? true);
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const keep: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (Number.isInteger(id) && id >= 0 && this.lib.id_to_token(id) !== undefined) keep.push(id);
    }
    const skip = options.skipSpecialTokens ?? false;
    const visible = skip ? keep.filter((id) => !this.specialIds.has(id)) : keep;
    if (visible.length === 0) return ''; // the library throws on an empty list
    return this.lib.decode(visible, { skip_special_tokens: skip });
  }

  tokenToId(token: string): number | undefined {
    return this.lib.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 ? this.lib.id_to_token(id) : undefined;
  }

  specialTokenId(content: string): number | undefined {
    return this.specialTokens.get(content);
  }

  isSpecialId(id: number): boolean {
    return this.specialIds.has(id);
  }

  applyChatTemplate(messages: readonly ChatMessage[], options: ApplyChatTemplateOptions = {}): string {
    const text = options.chatTemplate ?? this.chatTemplate;
    const source = options.chatTemplate !== undefined ? 'the chat template given' : this.chatTemplateSource;
    if (text === null || source === null) {
      throw new TokenizerError(this.noTemplate.file, this.noTemplate.message);
    }
    const file = options.chatTemplate !== undefined ? CONFIG_FILE : this.chatTemplateFile;
    let tpl = this.compiled.get(text);
    if (tpl === undefined) {
      try {
        tpl = new Template(text);
      } catch (e) {
        tpl = e instanceof Error ? e : new Error(String(e));
      }
      this.compiled.set(text, tpl);
    }
    if (tpl instanceof Error) throw new TokenizerError(file, `chat template (${source}) does not parse: ${tpl.message}`);
    // Plain copies: the template sees exactly {role, content}, never caller objects.
    const msgs = messages.map((m) => ({ role: String(m.role), content: String(m.content) }));
    try {
      return tpl.render({ ...this.renderVars, messages: msgs, add_generation_prompt: options.addGenerationPrompt ?? false });
    } catch (e) {
      throw new TokenizerError(file, `chat template (${source}) failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function indexOfSub(hay: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
