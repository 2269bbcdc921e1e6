// Training examples from normalized records: chat-template rendering, tokenization with a loss mask,
// next-token shifting, truncation, length bucketing, seeded shuffling, train/validation split, statistics.
//
// Self-prompt tuning (the flagship recipe, /work/shared/notes/recipes.md §1):
//   messages = [system?, user: question]; assistant target = rolePrompt + separator + answer.
// Plain SFT: the target is the answer (and, for multi-turn records, every assistant turn).
// The loss mask is 1 exactly on the tokens the model must generate after the generation prompt — the
// assistant text and the end-of-turn / EOS token that closes it — and 0 on system and user text and on
// the template's own headers.
//
// How the prompt/target boundary is found (per assistant turn, documented because templates vary):
//  1. Render the conversation up to the turn with addGenerationPrompt (the "prompt") and up to and
//     including the turn without it (the "full" text). If the prompt is a prefix of the full text, the
//     target starts right where the prompt ends: anything the template puts between the generation
//     prompt and the content (e.g. a newline) is text the model must generate, so it is target.
//     Otherwise (a template that renders the last turn differently) the target starts at the last
//     occurrence of the assistant content in the full text; if it cannot be found the record is skipped.
//  2. The target ends just after the first end token (eos and known end-of-turn tokens such as
//     <|im_end|>, <|eot_id|>, </s>) that follows the content. If the template emits none, the tokenizer's
//     EOS id is appended after the turn instead. Text the template emits after the final end token
//     (typically a newline) is dropped: it would never be trained on.
//  3. Tokenization: the rendered text (up to the last target) is encoded in one piece, and for every
//     segment boundary we check that the encoding of the text before it is a token prefix of the whole
//     encoding. If that holds, masks follow the boundaries. If not (a merge across the boundary, e.g. a
//     prompt ending in ' ' and an answer starting with a word in byte-level BPE), each segment is encoded
//     on its own and the ids are concatenated. Then the prompt ids are exactly what the model sees at
//     inference, where the prompt is encoded alone; the price is a target tokenization that can differ
//     from how the full text would be encoded (e.g. 'world' instead of 'Ġworld'). Such examples are
//     counted in the statistics (separateTokenization).
//  BOS: texts are encoded without special tokens; the post-processor's prefix (e.g. <s> for Llama-2)
//  is prepended unless the rendered text already starts with the BOS token (Llama-3 templates emit it).
//
// This file is browser- and worker-safe.

import { Rng } from '../engine/rng.ts';
import type { ChatMessage, TabTokenizer } from '../formats/tokenizer.ts';
import { DataError, type ChatTurn, type NormalizedRecord } from './records.ts';

export type TrainMode = 'self-prompt' | 'sft';

export interface ExampleOptions {
  /** 'self-prompt': target = rolePrompt + separator + answer. 'sft': target = answer. */
  mode: TrainMode;
  /** Between role prompt and answer. Default "\n\n". The same separator splits generations at inference. */
  separator?: string;
  /** System text for records that have none (masked out of the loss). Default: none. */
  systemPrompt?: string;
  /** self-prompt mode, records without a role prompt: skip them (default) or train them as plain SFT. */
  missingRolePrompt?: 'skip' | 'plain';
  /** Render with this template instead of the tokenizer's own (e.g. a base model without one). */
  chatTemplate?: string;
  /** Longest training row: T = ids.length − 1 (inputs and targets) must be ≤ maxLen. */
  maxLen: number;
  /** Longer examples: 'truncate' (keep the first maxLen + 1 ids; default, as LIMA) or 'drop'. */
  truncation?: 'truncate' | 'drop';
  /** Record text that contains a special token's text (e.g. "<|im_end|>"): 'reject' (default) or 'allow'. */
  specialTokensInText?: 'reject' | 'allow';
  /**
   * Multi-turn records: learn every assistant turn ('all-assistant', default) or only the last one
   * ('final'; earlier assistant turns are context, masked like user text). S3FT uses 'final'.
   */
  lossOn?: 'all-assistant' | 'final';
}

export const DEFAULT_SEPARATOR = '\n\n';

/** One tokenized example. ids and lossMask are aligned: lossMask[i] = 1 when ids[i] is a target token. */
export interface Example {
  id: string;
  ids: Int32Array; // (n)
  lossMask: Uint8Array; // (n)
  /** Tokens before the first target token. */
  promptTokens: number;
  truncated: boolean;
  /** Prompt and target were tokenized separately (see the file header). */
  separateTokenization: boolean;
}

/** The next-token view of an example: position t predicts targets[t] = ids[t + 1] from inputs[0..t]. */
export interface ShiftedExample {
  inputs: Int32Array; // (T) = ids[0 .. n-2]
  targets: Int32Array; // (T) = ids[1 .. n-1]
  mask: Uint8Array; // (T) = lossMask[1 .. n-1]
}

export function shiftForNextToken(ex: { ids: Int32Array; lossMask: Uint8Array }): ShiftedExample {
  const n = ex.ids.length;
  if (n < 2) throw new Error(`an example needs at least 2 tokens to shift, got ${n}`);
  return { inputs: ex.ids.slice(0, n - 1), targets: ex.ids.slice(1), mask: ex.lossMask.slice(1) };
}

export type SkipReason =
  | 'no-role-prompt' // self-prompt mode, missingRolePrompt 'skip'
  | 'no-answer' // the record has no assistant text
  | 'special-token-in-text' // record text contains a special token's text
  | 'template-error' // the chat template threw, or the boundary could not be found
  | 'too-long' // truncation 'drop'
  | 'no-target-after-truncation'; // truncation cut every target token

export interface Skipped {
  id: string;
  reason: SkipReason;
  message: string;
}

class Skip {
  constructor(
    readonly reason: SkipReason,
    readonly message: string,
  ) {}
}

// --- rendering: records → text segments ----------------------------------------------------------------

/** A piece of the rendered text; target pieces are learned. appendEos: the template emitted no end token. */
interface Segment {
  text: string;
  target: boolean;
  appendEos: boolean;
}

/** The chat messages for a record under the options (system first, then user/assistant turns). Throws Skip. */
function recordMessages(record: NormalizedRecord, options: ExampleOptions): ChatMessage[] {
  const sep = options.separator ?? DEFAULT_SEPARATOR;
  const system = record.system ?? options.systemPrompt;
  const head: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
  if (record.answer.length === 0) throw new Skip('no-answer', 'the record has no answer');
  if (options.mode === 'self-prompt') {
    if (record.rolePrompt) {
      return [...head, { role: 'user', content: record.question }, { role: 'assistant', content: record.rolePrompt + sep + record.answer }];
    }
    if ((options.missingRolePrompt ?? 'skip') === 'skip') throw new Skip('no-role-prompt', 'the record has no role prompt');
  }
  const turns: ChatTurn[] = record.messages ?? [
    { role: 'user', content: record.question },
    { role: 'assistant', content: record.answer },
  ];
  return [...head, ...turns];
}

function endTokenStrings(tok: TabTokenizer): string[] {
  const out: string[] = [];
  for (const id of tok.eosIds) {
    const t = tok.idToToken(id);
    if (t !== undefined && t.length > 0) out.push(t);
  }
  return out;
}

function render(tok: TabTokenizer, msgs: ChatMessage[], gen: boolean, chatTemplate: string | undefined): string {
  try {
    return tok.applyChatTemplate(msgs, chatTemplate === undefined ? { addGenerationPrompt: gen } : { addGenerationPrompt: gen, chatTemplate });
  } catch (e) {
    throw new Skip('template-error', (e as Error).message);
  }
}

function segmentsFor(tok: TabTokenizer, msgs: ChatMessage[], options: ExampleOptions): Segment[] {
  const ends = endTokenStrings(tok);
  const segments: Segment[] = [];
  let done = ''; // the rendered text covered by segments so far
  let last = msgs.length - 1;
  while (last >= 0 && msgs[last].role !== 'assistant') last--;
  msgs.forEach((m, a) => {
    if (m.role !== 'assistant') return;
    const target = options.lossOn !== 'final' || a === last;
    const prompt = render(tok, msgs.slice(0, a), true, options.chatTemplate);
    const full = render(tok, msgs.slice(0, a + 1), false, options.chatTemplate);
    if (!full.startsWith(done)) {
      throw new Skip('template-error', `the template renders earlier turns differently once turn ${a + 1} is added`);
    }
    let start: number;
    if (full.startsWith(prompt) && prompt.length >= done.length) start = prompt.length;
    else {
      start = full.lastIndexOf(m.content);
      if (start < done.length || m.content.length === 0) {
        throw new Skip('template-error', `cannot find where assistant turn ${a + 1} starts in the rendered text`);
      }
    }
    // The content's end (when the template copied it verbatim), then the first end token after it.
    const at = full.indexOf(m.content, start);
    const searchFrom = at >= 0 ? at + m.content.length : start;
    let endPos = -1;
    let endLen = 0;
    for (const e of ends) {
      const p = full.indexOf(e, searchFrom);
      if (p >= 0 && (endPos < 0 || p < endPos)) {
        endPos = p;
        endLen = e.length;
      }
    }
    const stop = endPos >= 0 ? endPos + endLen : full.length;
    segments.push({ text: full.slice(done.length, start), target: false, appendEos: false });
    segments.push({ text: full.slice(start, stop), target, appendEos: target && endPos < 0 });
    done = full.slice(0, stop);
  });
  if (!segments.some((s) => s.target)) throw new Skip('no-answer', 'the conversation has no assistant turn');
  return segments;
}

// --- tokenization -----------------------------------------------------------------------------------------

function startsWithIds(whole: readonly number[], prefix: readonly number[]): boolean {
  if (prefix.length > whole.length) return false;
  for (let i = 0; i < prefix.length; i++) if (whole[i] !== prefix[i]) return false;
  return true;
}

function tokenizeSegments(tok: TabTokenizer, segments: Segment[]): { ids: number[]; mask: number[]; separate: boolean } {
  const text = segments.map((s) => s.text).join('');
  const bos = tok.bosToken !== null && text.startsWith(tok.bosToken) ? [] : [...tok.postProcessorPrefix];
  const eos = tok.eosId;
  if (segments.some((s) => s.appendEos) && eos === null) {
    throw new Skip('template-error', 'the template emits no end-of-turn token and the tokenizer has no EOS token');
  }
  // Whole-text encoding, valid when every segment boundary is also a token boundary. Segments with
  // appendEos break the text (an id is inserted), so they force the per-segment path.
  if (!segments.some((s) => s.appendEos)) {
    const whole = tok.encode(text, { addSpecialTokens: false });
    const cuts: number[] = [];
    let prefixText = '';
    let ok = true;
    for (const s of segments.slice(0, -1)) {
      prefixText += s.text;
      const p = tok.encode(prefixText, { addSpecialTokens: false });
      if (!startsWithIds(whole, p)) {
        ok = false;
        break;
      }
      cuts.push(p.length);
    }
    if (ok) {
      cuts.push(whole.length);
      const mask = new Array<number>(whole.length).fill(0);
      let from = 0;
      segments.forEach((s, k) => {
        if (s.target) mask.fill(1, from, cuts[k]);
        from = cuts[k];
      });
      return { ids: [...bos, ...whole], mask: [...bos.map(() => 0), ...mask], separate: false };
    }
  }
  const ids = [...bos];
  const mask = bos.map(() => 0);
  for (const s of segments) {
    const part = tok.encode(s.text, { addSpecialTokens: false });
    if (s.appendEos) part.push(eos as number);
    for (const id of part) {
      ids.push(id);
      mask.push(s.target ? 1 : 0);
    }
  }
  return { ids, mask, separate: true };
}

function recordTexts(r: NormalizedRecord): string[] {
  return [r.question, r.answer, r.rolePrompt ?? '', r.system ?? '', ...(r.messages ?? []).map((m) => m.content)];
}

/**
 * One record → its full ids and the loss mask aligned to them. Does not truncate (see buildExamples).
 * Throws DataError with the skip reason when the record cannot be used (buildExamples counts these instead).
 */
export function buildExample(tok: TabTokenizer, record: NormalizedRecord, options: ExampleOptions): { ids: Int32Array; lossMask: Uint8Array; separateTokenization: boolean } {
  const r = tryBuild(tok, record, options);
  if (r instanceof Skip) throw new DataError(`record ${record.id}`, `${r.reason}: ${r.message}`);
  return r;
}

function tryBuild(tok: TabTokenizer, record: NormalizedRecord, options: ExampleOptions): { ids: Int32Array; lossMask: Uint8Array; separateTokenization: boolean } | Skip {
  try {
    if ((options.specialTokensInText ?? 'reject') === 'reject') {
      for (const t of recordTexts(record)) {
        for (const s of tok.specialTokens.keys()) {
          if (t.includes(s)) throw new Skip('special-token-in-text', `the text contains the special token ${JSON.stringify(s)}`);
        }
      }
    }
    const msgs = recordMessages(record, options);
    const segs = segmentsFor(tok, msgs, options);
    const { ids, mask, separate } = tokenizeSegments(tok, segs);
    return { ids: Int32Array.from(ids), lossMask: Uint8Array.from(mask), separateTokenization: separate };
  } catch (e) {
    if (e instanceof Skip) return e;
    throw e;
  }
}

// --- many records: truncation and statistics ------------------------------------------------------------------

export interface DatasetStats {
  records: number;
  examples: number;
  skipped: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Sum of ids.length over examples. */
  tokens: number;
  /** Predicted positions (sum of T = n − 1) and how many of them count in the loss. */
  positions: number;
  lossTokens: number;
  /** lossTokens / positions: the fraction of predicted positions that are trained on. */
  lossFraction: number;
  truncated: number;
  separateTokenization: number;
  /** Over T = n − 1. */
  minLen: number;
  maxLen: number;
  meanLen: number;
}

export interface BuiltDataset {
  examples: Example[];
  skipped: Skipped[];
  stats: DatasetStats;
}

export function buildExamples(tok: TabTokenizer, records: readonly NormalizedRecord[], options: ExampleOptions): BuiltDataset {
  if (!Number.isInteger(options.maxLen) || options.maxLen < 1) throw new Error(`maxLen must be a positive integer, got ${options.maxLen}`);
  const examples: Example[] = [];
  const skipped: Skipped[] = [];
  const byReason: Partial<Record<SkipReason, number>> = {};
  const skip = (id: string, reason: SkipReason, message: string) => {
    skipped.push({ id, reason, message });
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  };
  let truncatedCount = 0;
  for (const rec of records) {
    const built = tryBuild(tok, rec, options);
    if (built instanceof Skip) {
      skip(rec.id, built.reason, built.message);
      continue;
    }
    let { ids, lossMask } = built;
    let truncated = false;
    if (ids.length - 1 > options.maxLen) {
      if ((options.truncation ?? 'truncate') === 'drop') {
        skip(rec.id, 'too-long', `${ids.length - 1} tokens > maxLen ${options.maxLen}`);
        continue;
      }
      ids = ids.slice(0, options.maxLen + 1);
      lossMask = lossMask.slice(0, options.maxLen + 1);
      truncated = true;
    }
    // Position 0 is never predicted, so only lossMask[1..] counts.
    if (!lossMask.subarray(1).includes(1)) {
      skip(rec.id, 'no-target-after-truncation', `no target token within the first ${options.maxLen + 1} tokens`);
      continue;
    }
    if (truncated) truncatedCount++;
    examples.push({
      id: rec.id,
      ids,
      lossMask,
      promptTokens: lossMask.indexOf(1),
      truncated,
      separateTokenization: built.separateTokenization,
    });
  }
  const stats = datasetStats(examples);
  return {
    examples,
    skipped,
    stats: { ...stats, records: records.length, skipped: skipped.length, skippedByReason: byReason, truncated: truncatedCount },
  };
}

/** Token statistics over examples (records/skipped fields describe only these examples). */
export function datasetStats(examples: readonly Example[]): DatasetStats {
  let tokens = 0;
  let positions = 0;
  let lossTokens = 0;
  let minLen = Infinity;
  let maxLen = 0;
  for (const ex of examples) {
    const T = ex.ids.length - 1;
    tokens += ex.ids.length;
    positions += T;
    for (let i = 1; i < ex.lossMask.length; i++) lossTokens += ex.lossMask[i];
    minLen = Math.min(minLen, T);
    maxLen = Math.max(maxLen, T);
  }
  return {
    records: examples.length,
    examples: examples.length,
    skipped: 0,
    skippedByReason: {},
    tokens,
    positions,
    lossTokens,
    lossFraction: positions > 0 ? lossTokens / positions : 0,
    truncated: examples.filter((e) => e.truncated).length,
    separateTokenization: examples.filter((e) => e.separateTokenization).length,
    minLen: examples.length > 0 ? minLen : 0,
    maxLen,
    meanLen: examples.length > 0 ? positions / examples.length : 0,
  };
}

// --- bucketing, batching, shuffling, splitting ----------------------------------------------------------------------

/** A few fixed sequence lengths: powers of two from 64 below maxLen, then maxLen itself. */
export function defaultBuckets(maxLen: number): number[] {
  const out: number[] = [];
  for (let b = 64; b < maxLen; b *= 2) out.push(b);
  out.push(maxLen);
  return out;
}

/** The smallest bucket ≥ T (buckets ascending), or -1 if T fits none. */
export function bucketFor(T: number, buckets: readonly number[]): number {
  for (const b of buckets) if (b >= T) return b;
  return -1;
}

/** One batch of B rows of the same length T (row-major [B, T]); padding has mask 0. */
export interface Batch {
  seqLen: number; // T
  size: number; // B
  inputs: Int32Array; // (B, T)
  targets: Int32Array; // (B, T)
  mask: Float32Array; // (B, T)
  exampleIds: string[]; // (B)
}

export interface BatchOptions {
  batchSize: number;
  /** Ascending sequence lengths; default defaultBuckets(longest example). */
  buckets?: readonly number[];
  /** Shuffles examples within each bucket and the order of batches. Without it the order is kept. */
  rng?: Rng;
  /** Id written into padding positions (masked out). Default 0. */
  padId?: number;
  /** Drop each bucket's last, smaller batch. Default false. */
  dropLast?: boolean;
}

/**
 * Group examples into batches of one bucket length each. Each bucket's last batch may hold fewer rows
 * (unless dropLast). With an rng, both the grouping and the batch order are shuffled — pass a fresh
 * `new Rng(seed + epoch)` per epoch for reproducible epochs.
 */
export function makeBatches(examples: readonly Example[], options: BatchOptions): Batch[] {
  const B = options.batchSize;
  if (!Number.isInteger(B) || B < 1) throw new Error(`batchSize must be a positive integer, got ${B}`);
  const longest = examples.reduce((m, e) => Math.max(m, e.ids.length - 1), 1);
  const buckets = [...(options.buckets ?? defaultBuckets(longest))].sort((a, b) => a - b);
  const pad = options.padId ?? 0;
  const groups = new Map<number, Example[]>();
  for (const ex of examples) {
    const b = bucketFor(ex.ids.length - 1, buckets);
    if (b < 0) throw new Error(`example ${ex.id} has ${ex.ids.length - 1} positions, longer than the largest bucket ${buckets[buckets.length - 1]}`);
    const g = groups.get(b) ?? [];
    g.push(ex);
    groups.set(b, g);
  }
  const batches: Batch[] = [];
  for (const b of buckets) {
    const g = groups.get(b);
    if (!g) continue;
    if (options.rng) options.rng.shuffle(g);
    for (let s = 0; s < g.length; s += B) {
      const rows = g.slice(s, s + B);
      if (rows.length < B && options.dropLast) continue;
      const T = b;
      const inputs = new Int32Array(rows.length * T).fill(pad);
      const targets = new Int32Array(rows.length * T).fill(pad);
      const mask = new Float32Array(rows.length * T);
      rows.forEach((ex, r) => {
        const sh = shiftForNextToken(ex);
        inputs.set(sh.inputs, r * T);
        targets.set(sh.targets, r * T);
        for (let t = 0; t < sh.mask.length; t++) mask[r * T + t] = sh.mask[t];
      });
      batches.push({ seqLen: T, size: rows.length, inputs, targets, mask, exampleIds: rows.map((e) => e.id) });
    }
  }
  if (options.rng) options.rng.shuffle(batches);
  return batches;
}

/** A seeded shuffle that leaves the input alone. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  return new Rng(seed).shuffle([...items]);
}

export interface SplitOptions {
  /** Fraction of items for validation (rounded; at least 1 when > 0 and there are ≥ 2 items). */
  valFraction?: number;
  /** Exact number of validation items (wins over valFraction). */
  valCount?: number;
  seed: number;
}

/**
 * A seeded train/validation split. Which items go to validation depends only on (items.length, seed,
 * size); both halves keep the input order. At least one item always stays in train.
 */
export function splitTrainVal<T>(items: readonly T[], options: SplitOptions): { train: T[]; val: T[] } {
  const n = items.length;
  const frac = options.valFraction ?? 0;
  if (!(frac >= 0 && frac < 1)) throw new Error(`valFraction must be in [0, 1), got ${frac}`);
  let k = options.valCount ?? Math.round(n * frac);
  if (options.valCount === undefined && frac > 0 && k === 0 && n >= 2) k = 1;
  k = Math.max(0, Math.min(k, n - 1));
  const order = new Rng(options.seed).shuffle([...Array(n).keys()]);
  const isVal = new Uint8Array(n);
  for (let i = 0; i < k; i++) isVal[order[i]] = 1;
  const train: T[] = [];
  const val: T[] = [];
  items.forEach((x, i) => (isVal[i] ? val : train).push(x));
  return { train, val };
}
