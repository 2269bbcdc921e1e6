// Dataset readers: JSON arrays, JSON Lines and CSV (RFC 4180) → NormalizedRecord[] plus a report of what
// was kept and what was rejected (with line numbers and reasons).
//
// Input is the file's bytes and name; the file is untrusted. Every line is decoded with a fatal UTF-8
// decoder to find bad bytes, so a bad line only costs the record(s) on it. A bad record never stops the
// load; a file with no usable record is refused with a DataError that says why.
//
// Layouts recognised automatically (or chosen with `layout` / an explicit `mapping`):
//   role         LIMA-Role style: {question|instruction|prompt, role_prompt|role|expert_identity|system,
//                answer|response|output} (+ optional Alpaca-style `input`, appended to the question);
//   expertllama  {instruction, expert_identity, answer} (the role layout with those names; reported apart);
//   lima         {conversations: [user, assistant, ...]} — strings, or ShareGPT {from, value} objects;
//                no role prompt (plain SFT);
//   chat         {messages: [{role, content}]}.
// Field names are resolved once per file, from the first records: for each field the candidate present
// in most of them wins (ties: the order above). `mapping` overrides any of them. In the role layout,
// `system` is the role prompt only when no other role-prompt field exists; otherwise it is system text.
//
// This file is browser- and worker-safe (no node:* imports).

import { parseCsv } from './csv.ts';
import { DataError, type ChatTurn, type NormalizedRecord } from './records.ts';

export type Layout = 'role' | 'expertllama' | 'lima' | 'chat';
export type FileFormat = 'json' | 'jsonl' | 'csv';

/** Source field names, by normalized field. Any left out are resolved automatically. */
export interface FieldMapping {
  id?: string;
  question?: string;
  /** Extra context appended to the question after a blank line (Alpaca's `input`). */
  input?: string;
  rolePrompt?: string;
  answer?: string;
  system?: string;
  /** lima layout: the list of turns. */
  conversations?: string;
  /** chat layout: the list of {role, content}. */
  messages?: string;
}

export interface ReadOptions {
  /** Default: from the file name, then from the first character ('[' → json, '{' → jsonl, else csv). */
  format?: FileFormat;
  /** Default: detected from the records. */
  layout?: Layout;
  mapping?: FieldMapping;
  /** CSV delimiter; default ',' (tab for .tsv). */
  delimiter?: string;
  /** Keep records without an answer (answer = ''), e.g. an evaluation set of questions. Default false. */
  allowMissingAnswer?: boolean;
}

export type RejectReason =
  | 'not-utf8' // bytes on the record's line(s) are not valid UTF-8
  | 'not-json' // the line / array element does not parse as JSON
  | 'not-object' // valid JSON, but not an object
  | 'bad-csv' // malformed CSV record (quoting, wrong number of fields)
  | 'missing-field' // a required field is absent
  | 'empty-text' // a required field is empty after trimming
  | 'bad-field'; // a field has the wrong type or an unknown chat role

export interface Rejection {
  line: number;
  reason: RejectReason;
  message: string;
}

export interface DatasetReport {
  file: string;
  format: FileFormat;
  layout: Layout;
  /** The source field names actually used. */
  mapping: FieldMapping;
  /** Records (lines, array elements, CSV rows) read, kept, rejected. */
  total: number;
  kept: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** The first MAX_LISTED_REJECTIONS rejections, in file order. */
  rejections: Rejection[];
  /** Kept records that carry a role prompt. */
  withRolePrompt: number;
  /** Kept records that are multi-turn conversations. */
  multiTurn: number;
}

export interface Dataset {
  records: NormalizedRecord[];
  report: DatasetReport;
}

export const MAX_LISTED_REJECTIONS = 1000;

/** Candidate source names per field, in priority order. */
export const FIELD_CANDIDATES = {
  id: ['id', 'idx', 'uid'],
  question: ['question', 'instruction', 'prompt'],
  input: ['input'],
  rolePrompt: ['role_prompt', 'role', 'expert_identity', 'system'],
  answer: ['answer', 'response', 'output'],
  system: ['system'],
  conversations: ['conversations'],
  messages: ['messages'],
} as const satisfies Record<keyof FieldMapping, readonly string[]>;

/** How many leading records field-name and layout detection looks at. */
const DETECT_SAMPLE = 200;

// --- raw items ----------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

/** One record before mapping: a parsed object, or why it could not be read. */
export type RawItem = { line: number; obj: Obj; index: number } | { line: number; reject: Rejection };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Obj, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Split bytes at LF and find the 1-based numbers of lines that are not valid UTF-8. */
function badUtf8Lines(bytes: Uint8Array): Set<number> {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const bad = new Set<number>();
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      let ascii = true;
      for (let j = start; j < i; j++) {
        if (bytes[j] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (!ascii) {
        try {
          fatal.decode(bytes.subarray(start, i));
        } catch {
          bad.add(line);
        }
      }
      start = i + 1;
      line++;
    }
  }
  return bad;
}

function anyBad(bad: Set<number>, from: number, to: number): boolean {
  if (bad.size === 0) return false;
  for (let l = from; l <= to; l++) if (bad.has(l)) return true;
  return false;
}

const notUtf8 = (line: number, to = line): Rejection => ({
  line,
  reason: 'not-utf8',
  message: to === line ? `line ${line} is not valid UTF-8` : `lines ${line}–${to} are not valid UTF-8`,
});

function parseItem(text: string, line: number, index: number, what: string): RawItem {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { line, reject: { line, reason: 'not-json', message: `${what} is not JSON (${(e as Error).message})` } };
  }
  if (!isObj(v)) {
    const kind = Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
    return { line, reject: { line, reason: 'not-object', message: `${what} is ${kind}, expected an object` } };
  }
  return { line, obj: v, index };
}

function readJsonl(text: string, bad: Set<number>): RawItem[] {
  const items: RawItem[] = [];
  const lines = text.split('\n');
  let index = 0;
  lines.forEach((raw, k) => {
    const line = k + 1;
    const s = raw.trim();
    if (s.length === 0) return;
    if (bad.has(line)) items.push({ line, reject: notUtf8(line) });
    else items.push(parseItem(s, line, index, `line ${line}`));
    index++;
  });
  return items;
}

/**
 * A JSON array, element by element: we find each top-level element's extent (tracking strings and
 * brackets) and parse it alone, so one malformed element costs one record and each has a line number.
 */
function readJsonArray(text: string, bad: Set<number>): RawItem[] {
  const items: RawItem[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  const skipWs = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  skipWs();
  i++; // the '[' (the caller checked it)
  let index = 0;
  for (;;) {
    skipWs();
    if (i >= n) {
      items.push({ line, reject: { line, reason: 'not-json', message: 'the JSON array is not closed with ]' } });
      break;
    }
    if (text[i] === ']') {
      i++;
      skipWs();
      if (i < n) items.push({ line, reject: { line, reason: 'not-json', message: `text after the closing ] on line ${line} was ignored` } });
      break;
    }
    const start = i;
    const startLine = line;
    let depth = 0;
    let inStr = false;
    for (; i < n; i++) {
      const c = text[i];
      if (c === '\n') line++;
      if (inStr) {
        if (c === '\\') {
          if (text[i + 1] === '\n') line++;
          i++;
        } else if (c === '"') inStr = false;
        continue;
      }
      if (c === '"') inStr = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
    }
    const elemText = text.slice(start, i).trim();
    const endLine = line;
    const what = `array element ${index + 1} (line ${startLine})`;
    if (elemText.length > 0) {
      if (anyBad(bad, startLine, endLine)) items.push({ line: startLine, reject: notUtf8(startLine, endLine) });
      else items.push(parseItem(elemText, startLine, index, what));
      index++;
    }
    if (i >= n) continue; // reports the unclosed array above
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '}') {
      items.push({
        line,
        reject: { line, reason: 'not-json', message: `unbalanced } on line ${line}: the rest of the array was not read` },
      });
      break;
    }
    // text[i] === ']' closes the array: handled at the top of the loop.
  }
  return items;
}

function readCsvItems(text: string, bad: Set<number>, delimiter: string, file: string): RawItem[] {
  let rows;
  try {
    rows = parseCsv(text, { delimiter });
  } catch (e) {
    throw new DataError(file, (e as Error).message);
  }
  if (rows.length === 0) throw new DataError(file, 'the CSV file has no header row');
  const head = rows[0];
  if (head.error) throw new DataError(file, `the CSV header (line ${head.line}) is malformed: ${head.error}`);
  if (anyBad(bad, head.line, head.endLine)) throw new DataError(file, `the CSV header (line ${head.line}) is not valid UTF-8`);
  const names = head.fields.map((f) => f.trim());
  const items: RawItem[] = [];
  rows.slice(1).forEach((row, index) => {
    const { line, endLine } = row;
    if (anyBad(bad, line, endLine)) items.push({ line, reject: notUtf8(line, endLine) });
    else if (row.error) items.push({ line, reject: { line, reason: 'bad-csv', message: `CSV record on line ${line}: ${row.error}` } });
    else if (row.fields.length !== names.length) {
      items.push({
        line,
        reject: { line, reason: 'bad-csv', message: `CSV record on line ${line} has ${row.fields.length} fields, the header has ${names.length}` },
      });
    } else {
      // Object.fromEntries defines own properties, so a column named "__proto__" is just a column.
      const obj = Object.fromEntries(names.map((name, k) => [name, row.fields[k]]));
      items.push({ line, obj, index });
    }
  });
  return items;
}

/**
 * A JSON array or JSON Lines file as raw items (a parsed value per record, or why it could not be read,
 * with line numbers), for readers of layouts this file does not map (src/data/s3ft.ts). Bad UTF-8 costs
 * only the records on the bad lines. Throws DataError for an empty file or a CSV file name.
 */
export function readJsonItems(bytes: Uint8Array, fileName: string): { format: 'json' | 'jsonl'; items: RawItem[] } {
  if (!(bytes instanceof Uint8Array)) throw new DataError(fileName, 'expected the file contents as bytes (Uint8Array)');
  const bad = badUtf8Lines(bytes);
  const whole = new TextDecoder('utf-8').decode(bytes);
  if (whole.trim().length === 0) throw new DataError(fileName, 'the file is empty');
  if (/\.(csv|tsv)$/i.test(fileName)) throw new DataError(fileName, 'expected JSON or JSON Lines (records with nested fields cannot be CSV)');
  if (firstNonWs(whole) === '[') return { format: 'json', items: readJsonArray(whole, bad) };
  return { format: 'jsonl', items: readJsonl(whole, bad) };
}

// --- format and layout detection ---------------------------------------------------------------------

function firstNonWs(text: string): string {
  const m = /\S/.exec(text);
  return m ? m[0] : '';
}

function detectFormat(fileName: string, text: string): { format: FileFormat; delimiter?: string } {
  const lower = fileName.toLowerCase();
  const first = firstNonWs(text);
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return { format: 'jsonl' };
  if (lower.endsWith('.csv')) return { format: 'csv' };
  if (lower.endsWith('.tsv')) return { format: 'csv', delimiter: '\t' };
  if (lower.endsWith('.json')) return { format: first === '[' ? 'json' : 'jsonl' };
  if (first === '[') return { format: 'json' };
  if (first === '{') return { format: 'jsonl' };
  return { format: 'csv' };
}

/** The candidate present (with a non-null value) in most sample objects; ties go to the earlier candidate. */
function pickField(sample: Obj[], candidates: readonly string[], exclude: (string | undefined)[] = []): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const c of candidates) {
    if (exclude.includes(c)) continue;
    let count = 0;
    for (const o of sample) if (own(o, c) !== undefined && own(o, c) !== null) count++;
    if (count > bestCount) {
      best = c;
      bestCount = count;
    }
  }
  return best;
}

function resolveLayout(sample: Obj[], options: ReadOptions, file: string): { layout: Layout; mapping: FieldMapping } {
  const m = options.mapping ?? {};
  let layout = options.layout;
  if (layout === undefined) {
    if (m.messages !== undefined) layout = 'chat';
    else if (m.conversations !== undefined) layout = 'lima';
    else if (m.question !== undefined || m.answer !== undefined || m.rolePrompt !== undefined) layout = 'role';
    else {
      const count = (pred: (o: Obj) => boolean) => sample.filter(pred).length;
      const chat = count((o) => Array.isArray(own(o, 'messages')));
      const lima = count((o) => Array.isArray(own(o, 'conversations')));
      const role = count(
        (o) =>
          FIELD_CANDIDATES.question.some((c) => own(o, c) !== undefined) && FIELD_CANDIDATES.answer.some((c) => own(o, c) !== undefined),
      );
      const best = Math.max(chat, lima, role);
      if (best === 0) {
        const keys = [...new Set(sample.flatMap((o) => Object.keys(o)))].slice(0, 20);
        throw new DataError(
          file,
          `no known dataset layout: the records have fields [${keys.map((k) => JSON.stringify(k)).join(', ')}]; expected ` +
            '{question|instruction|prompt, role_prompt|role|expert_identity|system, answer|response|output}, ' +
            '{conversations: [...]}, or {messages: [{role, content}]} — or give a field mapping',
        );
      }
      layout = chat === best ? 'chat' : lima === best ? 'lima' : 'role';
    }
  }
  if (layout === 'chat') return { layout, mapping: { messages: m.messages ?? 'messages', id: m.id ?? pickField(sample, FIELD_CANDIDATES.id) } };
  if (layout === 'lima') {
    return {
      layout,
      mapping: {
        conversations: m.conversations ?? 'conversations',
        system: m.system ?? pickField(sample, FIELD_CANDIDATES.system),
        id: m.id ?? pickField(sample, FIELD_CANDIDATES.id),
      },
    };
  }
  // role / expertllama
  const question = m.question ?? pickField(sample, FIELD_CANDIDATES.question) ?? FIELD_CANDIDATES.question[0];
  const answer = m.answer ?? pickField(sample, FIELD_CANDIDATES.answer, [question]) ?? FIELD_CANDIDATES.answer[0];
  const rolePrompt = m.rolePrompt ?? pickField(sample, FIELD_CANDIDATES.rolePrompt, [question, answer]);
  const system = m.system ?? pickField(sample, FIELD_CANDIDATES.system, [question, answer, rolePrompt]);
  const input = m.input ?? pickField(sample, FIELD_CANDIDATES.input, [question, answer, rolePrompt, system]);
  const id = m.id ?? pickField(sample, FIELD_CANDIDATES.id, [question, answer, rolePrompt, system, input]);
  const mapping: FieldMapping = { question, answer };
  if (rolePrompt !== undefined) mapping.rolePrompt = rolePrompt;
  if (system !== undefined) mapping.system = system;
  if (input !== undefined) mapping.input = input;
  if (id !== undefined) mapping.id = id;
  if (layout === 'role' && options.layout === undefined && question === 'instruction' && rolePrompt === 'expert_identity' && answer === 'answer') {
    layout = 'expertllama';
  }
  return { layout, mapping };
}

// --- mapping one object --------------------------------------------------------------------------------

class Reject {
  constructor(
    readonly reason: RejectReason,
    readonly message: string,
  ) {}
}

/** A text field: strings are trimmed, numbers/booleans stringified; undefined when absent or null. */
function text(o: Obj, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Reject('bad-field', `field ${JSON.stringify(key)} is ${Array.isArray(v) ? 'an array' : 'an object'}, expected text`);
}

function required(o: Obj, key: string): string {
  const v = text(o, key);
  if (v === undefined) throw new Reject('missing-field', `missing field ${JSON.stringify(key)}`);
  if (v.length === 0) throw new Reject('empty-text', `field ${JSON.stringify(key)} is empty`);
  return v;
}

const ROLE_ALIASES: Record<string, ChatTurn['role']> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  chatgpt: 'assistant',
};

function turnContent(v: unknown, k: number): string {
  if (typeof v === 'string') return v.trim();
  // OpenAI-style content parts: [{type: 'text', text}].
  if (Array.isArray(v) && v.every((p) => isObj(p) && typeof own(p, 'text') === 'string')) {
    return v.map((p) => own(p as Obj, 'text') as string).join('').trim();
  }
  throw new Reject('bad-field', `turn ${k + 1} has no text content`);
}

/** chat/lima turns → {system?, turns} with validated roles. */
function parseTurns(list: unknown, key: string, stringsAlternate: boolean): { system?: string; turns: ChatTurn[] } {
  if (!Array.isArray(list)) throw new Reject('bad-field', `field ${JSON.stringify(key)} is not a list`);
  const all: ChatTurn[] = list.map((item, k) => {
    if (typeof item === 'string' && stringsAlternate) return { role: k % 2 === 0 ? 'user' : 'assistant', content: item.trim() };
    if (!isObj(item)) throw new Reject('bad-field', `turn ${k + 1} of ${JSON.stringify(key)} is not an object`);
    const rawRole = own(item, 'role') ?? own(item, 'from');
    const role = typeof rawRole === 'string' ? ROLE_ALIASES[rawRole.toLowerCase()] : undefined;
    if (role === undefined) throw new Reject('bad-field', `turn ${k + 1} has unknown role ${JSON.stringify(rawRole)}`);
    return { role, content: turnContent(own(item, 'content') ?? own(item, 'value'), k) };
  });
  let s = 0;
  const systems: string[] = [];
  while (s < all.length && all[s].role === 'system') systems.push(all[s++].content);
  const turns = all.slice(s);
  const late = turns.findIndex((t) => t.role === 'system');
  if (late >= 0) throw new Reject('bad-field', `turn ${s + late + 1} is a system message after the conversation started`);
  turns.forEach((t, k) => {
    if (t.content.length === 0) throw new Reject('empty-text', `turn ${s + k + 1} (${t.role}) is empty`);
  });
  const system = systems.filter((x) => x.length > 0).join('\n\n');
  return system.length > 0 ? { system, turns } : { turns };
}

function mapObject(o: Obj, layout: Layout, mp: FieldMapping, allowMissingAnswer: boolean): Omit<NormalizedRecord, 'id' | 'line'> {
  if (layout === 'chat' || layout === 'lima') {
    const key = (layout === 'chat' ? mp.messages : mp.conversations) as string;
    const v = own(o, key);
    if (v === undefined || v === null) throw new Reject('missing-field', `missing field ${JSON.stringify(key)}`);
    const parsed = parseTurns(v, key, layout === 'lima');
    let turns = parsed.turns;
    const extraSystem = layout === 'lima' ? text(o, mp.system) : undefined;
    const system = [extraSystem, parsed.system].filter((x): x is string => !!x).join('\n\n');
    if (turns.length === 0 || turns[0].role !== 'user') {
      throw new Reject(turns.length === 0 ? 'missing-field' : 'bad-field', turns.length === 0 ? 'the conversation has no turns' : 'the conversation does not start with a user turn');
    }
    // Trailing user turns teach nothing (no assistant reply follows): drop them.
    let end = turns.length;
    while (end > 0 && turns[end - 1].role === 'user') end--;
    if (end === 0) {
      if (!allowMissingAnswer) throw new Reject('missing-field', 'the conversation has no assistant turn');
      return { question: turns[0].content, answer: '', ...(system ? { system } : {}) };
    }
    turns = turns.slice(0, end);
    const firstAnswer = turns.find((t) => t.role === 'assistant') as ChatTurn;
    const rec: Omit<NormalizedRecord, 'id' | 'line'> = { question: turns[0].content, answer: firstAnswer.content };
    if (system) rec.system = system;
    if (turns.length > 2) rec.messages = turns;
    return rec;
  }
  let question = required(o, mp.question as string);
  const input = text(o, mp.input);
  if (input) question = `${question}\n\n${input}`;
  let answer: string;
  if (allowMissingAnswer) answer = text(o, mp.answer) ?? '';
  else answer = required(o, mp.answer as string);
  const rec: Omit<NormalizedRecord, 'id' | 'line'> = { question, answer };
  const rolePrompt = text(o, mp.rolePrompt);
  if (rolePrompt) rec.rolePrompt = rolePrompt;
  const system = text(o, mp.system);
  if (system) rec.system = system;
  return rec;
}

// --- entry point ----------------------------------------------------------------------------------------

/**
 * Read a dataset file. Throws DataError when the file as a whole is unusable (empty, unknown layout, no
 * record kept); individual bad records are listed in the report.
 */
export function readDataset(bytes: Uint8Array, fileName: string, options: ReadOptions = {}): Dataset {
  const file = fileName;
  if (!(bytes instanceof Uint8Array)) throw new DataError(file, 'expected the file contents as bytes (Uint8Array)');
  const bad = badUtf8Lines(bytes);
  // Lossy decode for structure (line numbers match: invalid bytes never swallow a '\n'); strips a BOM.
  const whole = new TextDecoder('utf-8').decode(bytes);
  if (whole.trim().length === 0) throw new DataError(file, 'the file is empty');
  const detected = detectFormat(fileName, whole);
  const format = options.format ?? detected.format;
  const delimiter = options.delimiter ?? detected.delimiter ?? ',';

  let items: RawItem[];
  if (format === 'json' && firstNonWs(whole) === '[') items = readJsonArray(whole, bad);
  else if (format === 'json' || format === 'jsonl') items = readJsonl(whole, bad);
  else items = readCsvItems(whole, bad, delimiter, file);

  const objects = items.filter((it): it is Extract<RawItem, { obj: Obj }> => 'obj' in it);
  const sample = objects.slice(0, DETECT_SAMPLE).map((it) => it.obj);
  if (format === 'csv' && (options.layout === 'chat' || options.layout === 'lima')) {
    throw new DataError(file, `the ${options.layout} layout needs JSON records; CSV files use the role layout`);
  }
  let layout: Layout;
  let mapping: FieldMapping;
  if (sample.length === 0) {
    // Nothing parsed at all: report the reading problems below.
    layout = options.layout ?? 'role';
    mapping = options.mapping ?? {};
  } else {
    ({ layout, mapping } = resolveLayout(sample, options, file));
  }

  const records: NormalizedRecord[] = [];
  const rejections: Rejection[] = [];
  const byReason: Partial<Record<RejectReason, number>> = {};
  let rejected = 0;
  const reject = (r: Rejection) => {
    rejected++;
    byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    if (rejections.length < MAX_LISTED_REJECTIONS) rejections.push(r);
  };
  const seenIds = new Map<string, number>();
  let withRolePrompt = 0;
  let multiTurn = 0;
  for (const it of items) {
    if ('reject' in it) {
      reject(it.reject);
      continue;
    }
    try {
      const rec = mapObject(it.obj, layout, mapping, options.allowMissingAnswer ?? false);
      // An id that is not text or a number is ignored (the record is still usable): the position names it.
      const rawId = mapping.id === undefined ? undefined : own(it.obj, mapping.id);
      const given = typeof rawId === 'string' ? rawId.trim() : typeof rawId === 'number' ? String(rawId) : '';
      let id = given || (format === 'json' ? `${fileName}[${it.index}]` : `${fileName}:${it.line}`);
      const seen = seenIds.get(id) ?? 0;
      seenIds.set(id, seen + 1);
      if (seen > 0) id = `${id}#${seen + 1}`;
      records.push({ id, ...rec, line: it.line });
      if (rec.rolePrompt !== undefined) withRolePrompt++;
      if (rec.messages !== undefined) multiTurn++;
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      reject({ line: it.line, reason: e.reason, message: `line ${it.line}: ${e.message}` });
    }
  }

  const report: DatasetReport = {
    file,
    format,
    layout,
    mapping,
    total: items.length,
    kept: records.length,
    rejected,
    rejectedByReason: byReason,
    rejections,
    withRolePrompt,
    multiTurn,
  };
  if (records.length === 0) {
    const reasons = Object.entries(byReason)
      .map(([r, c]) => `${c} ${r}`)
      .join(', ');
    const first = rejections
      .slice(0, 3)
      .map((r) => r.message)
      .join('; ');
    throw new DataError(
      file,
      `no usable record (${items.length} read as ${format}, layout ${layout}; rejected: ${reasons || 'none'})` + (first ? `. First problems: ${first}` : ''),
    );
  }
  return { records, report };
}
