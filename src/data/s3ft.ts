// S3FT data (Self-Supervised System Prompt Fine-Tuning; /work/shared/notes/recipes.md §3, docs/recipes.md):
// the reader for S3FT records and labelled records, and the two ways a record becomes a training record:
//   - discriminator (stage A; scored in stage B): one user turn holding a fixed classification prompt built
//     from the settings (system prompt), the context (history), the question and the response; the
//     assistant turn is the label. Loss on the label tokens and the end-of-turn token only.
//   - SFT (stage C): [system] + the history as user/assistant turns + the question → the response, rendered
//     through the model's chat template; a template without a system role gets the system prompt prepended
//     to the first user turn.
// Records that do not fit the sequence length lose their oldest history exchanges first (fitHistory).
//
// Record layout (JSON array or JSON Lines; unknown fields ignored):
//   {"pid"?, "id"?, "system": text (may be blank), "history"?: [{"prompt", "response"}], "prompt", "response",
//    "label"?: excellent | incoherent | ignores_system | both | not_applicable}
// A bad record costs that record only; it is listed with its line number and reason. A file with no
// usable record is refused with a DataError.
//
// This file is browser- and worker-safe (no node:* imports).

import type { TabTokenizer } from '../formats/tokenizer.ts';
import { readJsonItems, type RawItem } from './read.ts';
import { DataError, type ChatTurn, type NormalizedRecord } from './records.ts';
import { buildExample, type ExampleOptions } from './template.ts';

/** The discriminator's five labels (the S3FT paper's), in a fixed order: index = class id everywhere. */
export const S3FT_LABELS = ['excellent', 'incoherent', 'ignores_system', 'both', 'not_applicable'] as const;
export type S3ftLabel = (typeof S3FT_LABELS)[number];

/** Other spellings accepted in label fields, after normalizeLabel. */
const LABEL_ALIASES: Record<string, S3ftLabel> = {
  ignores_system_prompt: 'ignores_system',
  ignore_system: 'ignores_system',
  ignores_the_system_prompt: 'ignores_system',
  not_applicable: 'not_applicable',
  n_a: 'not_applicable',
  na: 'not_applicable',
};

/** Lower case, surrounding space dropped, runs of spaces, '-' and '/' as one '_'. */
export function normalizeLabel(s: string): string {
  return s.trim().toLowerCase().replace(/[\s\-/]+/g, '_');
}

/** The canonical label for a label field's text, or undefined. */
export function parseLabel(s: string): S3ftLabel | undefined {
  const n = normalizeLabel(s);
  if ((S3FT_LABELS as readonly string[]).includes(n)) return n as S3ftLabel;
  return Object.hasOwn(LABEL_ALIASES, n) ? LABEL_ALIASES[n] : undefined;
}

export interface S3ftExchange {
  prompt: string;
  response: string;
}

export interface S3ftRecord {
  id: string;
  /** 1-based line where the record starts. */
  line: number;
  /** Index into the system-prompt pool, when the file carries one (kept for the output file). */
  pid?: string | number;
  /** The system prompt ('' when blank). */
  system: string;
  /** Earlier exchanges, oldest first. */
  history: S3ftExchange[];
  prompt: string;
  response: string;
  label?: S3ftLabel;
}

export type S3ftRejectReason =
  | 'not-utf8'
  | 'not-json'
  | 'not-object'
  | 'missing-field' // system, prompt or response absent
  | 'empty-text' // prompt or response blank, or a history exchange with a blank side
  | 'bad-field' // a field has the wrong type (history not a list of {prompt, response}, …)
  | 'missing-label' // labels required, none given
  | 'bad-label'; // not one of S3FT_LABELS

export interface S3ftRejection {
  line: number;
  reason: S3ftRejectReason;
  message: string;
}

export interface S3ftReport {
  file: string;
  format: 'json' | 'jsonl';
  total: number;
  kept: number;
  rejected: number;
  rejectedByReason: Partial<Record<S3ftRejectReason, number>>;
  /** The first MAX_LISTED_REJECTIONS rejections, in file order. */
  rejections: S3ftRejection[];
  /** Kept records per label (every label present, 0 when none); unlabelled records are not counted. */
  labels: Record<S3ftLabel, number>;
  /** Kept records with at least one history exchange. */
  withHistory: number;
  /** Kept records whose system prompt is blank. */
  blankSystem: number;
}

export interface S3ftReadOptions {
  /** 'required' (stage A), 'optional', or 'ignore' (stages B and C: a label field is not read). Default 'optional'. */
  labels?: 'required' | 'optional' | 'ignore';
}

export const MAX_LISTED_REJECTIONS = 1000;

type Obj = Record<string, unknown>;
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Reject {
  constructor(
    readonly reason: S3ftRejectReason,
    readonly message: string,
  ) {}
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A text field, trimmed; numbers are stringified. */
function textField(o: Obj, key: string, where = ''): string | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  throw new Reject('bad-field', `${where}field ${JSON.stringify(key)} is ${kindOf(v)}, expected text`);
}

function requiredText(o: Obj, key: string, where = '', allowBlank = false): string {
  const v = textField(o, key, where);
  if (v === undefined) throw new Reject('missing-field', `${where}missing field ${JSON.stringify(key)}`);
  if (!allowBlank && v.length === 0) throw new Reject('empty-text', `${where}field ${JSON.stringify(key)} is empty`);
  return v;
}

function mapObject(o: Obj, labels: 'required' | 'optional' | 'ignore'): Omit<S3ftRecord, 'id' | 'line'> {
  const system = requiredText(o, 'system', '', true);
  const h = own(o, 'history');
  const history: S3ftExchange[] = [];
  if (h !== undefined && h !== null) {
    if (!Array.isArray(h)) throw new Reject('bad-field', `field "history" is ${kindOf(h)}, expected a list of {prompt, response}`);
    h.forEach((x, k) => {
      if (!isObj(x)) throw new Reject('bad-field', `history[${k}] is ${kindOf(x)}, expected {prompt, response}`);
      const where = `history[${k}]: `;
      history.push({ prompt: requiredText(x, 'prompt', where), response: requiredText(x, 'response', where) });
    });
  }
  const rec: Omit<S3ftRecord, 'id' | 'line'> = { system, history, prompt: requiredText(o, 'prompt'), response: requiredText(o, 'response') };
  const pid = own(o, 'pid');
  if (typeof pid === 'string' || typeof pid === 'number') rec.pid = pid;
  if (labels !== 'ignore') {
    const raw = own(o, 'label');
    if (raw === undefined || raw === null) {
      if (labels === 'required') throw new Reject('missing-label', `missing field "label" (one of ${S3FT_LABELS.join(', ')})`);
    } else {
      const label = typeof raw === 'string' ? parseLabel(raw) : undefined;
      if (label === undefined) throw new Reject('bad-label', `label ${JSON.stringify(raw)} is not one of ${S3FT_LABELS.join(', ')}`);
      rec.label = label;
    }
  }
  return rec;
}

/**
 * Read an S3FT file (JSON array or JSON Lines). Bad records are reported, never thrown; a file with no
 * usable record throws a DataError that says why.
 */
export function readS3ft(bytes: Uint8Array, fileName: string, options: S3ftReadOptions = {}): { records: S3ftRecord[]; report: S3ftReport } {
  const labelsMode = options.labels ?? 'optional';
  const { format, items } = readJsonItems(bytes, fileName);
  const records: S3ftRecord[] = [];
  const rejections: S3ftRejection[] = [];
  const byReason: Partial<Record<S3ftRejectReason, number>> = {};
  const labels = Object.fromEntries(S3FT_LABELS.map((l) => [l, 0])) as Record<S3ftLabel, number>;
  let rejected = 0, withHistory = 0, blankSystem = 0;
  const reject = (r: S3ftRejection) => {
    rejected++;
    byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    if (rejections.length < MAX_LISTED_REJECTIONS) rejections.push(r);
  };
  const seen = new Map<string, number>();
  for (const it of items as RawItem[]) {
    if ('reject' in it) {
      reject({ line: it.line, reason: it.reject.reason as S3ftRejectReason, message: it.reject.message });
      continue;
    }
    try {
      const rec = mapObject(it.obj, labelsMode);
      const rawId = own(it.obj, 'id');
      let id = (typeof rawId === 'string' ? rawId.trim() : typeof rawId === 'number' ? String(rawId) : '') || (format === 'json' ? `${fileName}[${it.index}]` : `${fileName}:${it.line}`);
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      if (n > 0) id = `${id}#${n + 1}`;
      records.push({ id, line: it.line, ...rec });
      if (rec.label) labels[rec.label]++;
      if (rec.history.length > 0) withHistory++;
      if (rec.system.length === 0) blankSystem++;
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      reject({ line: it.line, reason: e.reason, message: `line ${it.line}: ${e.message}` });
    }
  }
  const report: S3ftReport = { file: fileName, format, total: items.length, kept: records.length, rejected, rejectedByReason: byReason, rejections, labels, withHistory, blankSystem };
  if (records.length === 0) {
    const reasons = Object.entries(byReason).map(([r, c]) => `${c} ${r}`).join(', ');
    const first = rejections.slice(0, 3).map((r) => r.message).join('; ');
    throw new DataError(fileName, `no usable S3FT record (${items.length} read as ${format}; rejected: ${reasons || 'none'})${first ? `. First problems: ${first}` : ''}`);
  }
  return { records, report };
}

/** An S3FT record as it is written back (stage B's output): the input layout plus optional extra fields. */
export function s3ftToJson(r: S3ftRecord, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...(r.pid !== undefined ? { pid: r.pid } : {}), id: r.id, system: r.system, history: r.history.map((h) => ({ prompt: h.prompt, response: h.response })),
    prompt: r.prompt, response: r.response, ...(r.label ? { label: r.label } : {}), ...extra,
  };
}

// --- the discriminator's input ---------------------------------------------------------------------------

/**
 * The fixed classification prompt (the user turn; the label is the assistant's reply). Plain words so a
 * small model can read it; the five label names are spelled out so the model sees the answer space.
 * Changing it invalidates trained discriminators: DISCRIMINATOR_PROMPT_VERSION names it in s3ft.json.
 */
export function discriminatorPrompt(r: Pick<S3ftRecord, 'system' | 'history' | 'prompt' | 'response'>): string {
  const context = r.history.length === 0 ? '(none)' : r.history.map((h) => `User: ${h.prompt}\nAssistant: ${h.response}`).join('\n');
  return [
    'Judge the reply.',
    `Settings: ${r.system || '(none)'}`,
    `Context:\n${context}`,
    `Question: ${r.prompt}`,
    `Reply: ${r.response}`,
    `Label (${S3FT_LABELS.join(', ')}):`,
  ].join('\n');
}
export const DISCRIMINATOR_PROMPT_VERSION = 1;

/** The discriminator training record: user = classification prompt, assistant = the label (`label` overrides the record's). */
export function discriminatorRecord(r: S3ftRecord, label: S3ftLabel | undefined = r.label): NormalizedRecord {
  if (label === undefined) throw new DataError(r.id, 'a discriminator record needs a label');
  return { id: r.id, question: discriminatorPrompt(r), answer: label, line: r.line };
}

// --- the SFT input -------------------------------------------------------------------------------------------

/**
 * Whether a chat template renders a system message: rendering [system, user] must not throw and must
 * contain the system text. Templates that refuse system messages (raise_exception) or drop them give false.
 */
export function templateHasSystemRole(tok: TabTokenizer, chatTemplate?: string): boolean {
  const probe = 'S3FT system probe 7f3a';
  try {
    const msgs = [{ role: 'system', content: probe }, { role: 'user', content: 'hello' }];
    const text = tok.applyChatTemplate(msgs, chatTemplate === undefined ? {} : { chatTemplate });
    return text.includes(probe);
  } catch {
    return false;
  }
}

/**
 * The SFT record: [system] + history turns + question → response. With systemRole false (the template has
 * none), the system prompt is prepended to the first user turn, followed by a blank line. A blank system
 * prompt adds nothing.
 */
export function sftRecord(r: S3ftRecord, o: { systemRole: boolean }): NormalizedRecord {
  const turns: ChatTurn[] = [];
  for (const h of r.history) turns.push({ role: 'user', content: h.prompt }, { role: 'assistant', content: h.response });
  turns.push({ role: 'user', content: r.prompt }, { role: 'assistant', content: r.response });
  const system = r.system.trim();
  if (system && !o.systemRole) turns[0] = { role: 'user', content: `${system}\n\n${turns[0].content}` };
  const rec: NormalizedRecord = { id: r.id, question: turns[0].content, answer: turns[1].content, line: r.line };
  if (system && o.systemRole) rec.system = system;
  if (turns.length > 2) rec.messages = turns;
  return rec;
}

// --- fitting into the sequence length ----------------------------------------------------------------------

export interface Fitted<T> {
  items: T[];
  /** Source records whose oldest history exchanges were dropped to fit, and how many exchanges in all. */
  historyTrimmed: number;
  exchangesDropped: number;
  /** Records that do not fit even without history (or that the template cannot render). */
  skipped: { id: string; line: number; message: string }[];
}

/**
 * Drop the oldest history exchanges of each record until it fits; records that never fit are skipped.
 * `fits` answers true, false (too long), or a message when the record cannot be used at all (e.g. the
 * template cannot render it), which dropping history would not fix. `make` maps the (possibly shortened)
 * record to what the caller needs.
 */
export function fitHistory<T>(records: readonly S3ftRecord[], fits: (r: S3ftRecord) => boolean | string, make: (r: S3ftRecord) => T): Fitted<T> {
  const out: Fitted<T> = { items: [], historyTrimmed: 0, exchangesDropped: 0, skipped: [] };
  for (const r0 of records) {
    let r = r0;
    let dropped = 0;
    let ok = fits(r);
    while (ok === false && r.history.length > 0) {
      r = { ...r, history: r.history.slice(1) };
      dropped++;
      ok = fits(r);
    }
    if (ok !== true) {
      out.skipped.push({ id: r0.id, line: r0.line, message: ok === false ? 'too long for the sequence length even without history' : ok });
      continue;
    }
    if (dropped > 0) {
      out.historyTrimmed++;
      out.exchangesDropped += dropped;
    }
    out.items.push(make(r));
  }
  return out;
}

/**
 * Whether a normalized record, rendered as an 'sft' example under `options`, fits maxLen predicted
 * positions (ids − 1 ≤ maxLen): true, false, or why it cannot be rendered at all.
 */
export function fitsSequence(tok: TabTokenizer, rec: NormalizedRecord, options: Omit<ExampleOptions, 'mode'>): boolean | string {
  try {
    return buildExample(tok, rec, { ...options, mode: 'sft' }).ids.length - 1 <= options.maxLen;
  } catch (e) {
    if (e instanceof DataError) return e.message;
    throw e;
  }
}

/**
 * Discriminator records that fit, measured with the longest label. Unlabelled records (stage B candidates)
 * get the placeholder answer 'excellent': scoring replaces the answer with each label in turn. `sources`
 * are the fitted S3FT records (history possibly shortened), aligned with `items`.
 */
export function fitDiscriminator(tok: TabTokenizer, records: readonly S3ftRecord[], maxLen: number, chatTemplate?: string): Fitted<NormalizedRecord> & { sources: S3ftRecord[] } {
  const longest = S3FT_LABELS.reduce((a, l) => (tok.encode(l, { addSpecialTokens: false }).length > tok.encode(a, { addSpecialTokens: false }).length ? l : a));
  const sources: S3ftRecord[] = [];
  const opts = { maxLen, ...(chatTemplate === undefined ? {} : { chatTemplate }) };
  const fitted = fitHistory(
    records,
    (r) => fitsSequence(tok, discriminatorRecord(r, longest), opts),
    (r) => {
      sources.push(r);
      return r.label === undefined ? discriminatorRecord(r, 'excellent') : discriminatorRecord(r);
    },
  );
  return { ...fitted, sources };
}

/** SFT records that fit (oldest history dropped first). */
export function fitSft(tok: TabTokenizer, records: readonly S3ftRecord[], maxLen: number, o: { systemRole: boolean; lossOn: 'final' | 'all-assistant'; chatTemplate?: string }): Fitted<NormalizedRecord> {
  const opts = { maxLen, lossOn: o.lossOn, ...(o.chatTemplate === undefined ? {} : { chatTemplate: o.chatTemplate }) };
  return fitHistory(records, (r) => fitsSequence(tok, sftRecord(r, o), opts), (r) => sftRecord(r, o));
}
