// RoleBench reader (RoleLLM's role-conditioned instruction tuning, RoCIT; recipes.md §2): JSON Lines
// records {role, question, generated, type?} + a profiles file {role: description} → NormalizedRecord[]
// whose system text is the role's system prompt, plus a report of what was kept and dropped.
//
// Layout (rolebench-eng/{instruction,role}-generalization/{general,role_specific}/{train,test}.jsonl):
//   {"role": "…", "question": "…", "generated": ["answer", …], "type": "role_specific" | ["…"]}
// `generated` is a list of candidate answers (general: several in-character rewrites; role-specific:
// one) or a single string. `type` is optional, a string or a list of strings.
//
// Cleaning (each rule is counted in the report):
//   - question and answers are trimmed (RoleBench has questions with a leading space);
//   - candidates that are blank or junk (JUNK_TARGETS, e.g. "(No response provided)") are dropped; a
//     record with no candidate left is dropped as `junk` (some candidate was junk) or `blank`;
//   - the answer is the first clean candidate; all clean candidates are kept as `references`;
//   - records whose role has no profile are dropped (`unknownRole`, names listed);
//   - a bad line (bytes that are not UTF-8, not JSON, not an object, missing or mistyped fields) costs
//     that record only. A file with no usable record is refused with a DataError.
//
// Category ('general' → CUS, 'role_specific' → SPE): the record's `type` when it names one (any entry
// containing "general" or "specific", case- and separator-insensitive); otherwise `opts.split`; otherwise
// the file name (a path segment or word "general" / "role_specific"); otherwise 'general' when the record
// has no `type` (RoleBench's general records carry none) and 'role_specific' when it has one we could not
// read (only role-specific records carry one).
//
// This file is browser- and worker-safe (no node:* imports).

import { DataError, type NormalizedRecord, type RecordCategory } from './records.ts';

/**
 * The system prompt, in the shape a public RoleBench evaluation harness uses. `{role}` and `{desc}`
 * are replaced (every occurrence).
 */
export const ROLEBENCH_SYSTEM_TEMPLATE =
  'You are {role}, your description is: {desc}. Now please answer some questions to accurately show your personality traits! ' +
  'Your speaking style should fully imitate the personality role assigned to you! Please do not expose that you are an artificial ' +
  'intelligence model or a language model, you must always remember that you are only assigned one personality role. ' +
  "Don't be verbose or too formal or polite when speaking.";

/**
 * Targets that are not answers, compared after normalizeJunk (lower case, whitespace collapsed, one
 * trailing '.' removed). Deliberately short: words such as "none" or "no" can be real in-character
 * answers, so they are not here.
 */
export const JUNK_TARGETS: readonly string[] = [
  '(no response provided)',
  '[no response provided]',
  'no response provided',
  '(no response)',
  '[no response]',
  'no response',
  'n/a',
  '(n/a)',
  'na',
  'null',
  'undefined',
  '(empty)',
  '[empty]',
  '...',
  '…',
  '-',
];

/** How a candidate is normalized before it is compared with JUNK_TARGETS. */
export function normalizeJunk(s: string): string {
  const t = s.trim().toLowerCase().replace(/\s+/g, ' ');
  return t.length > 1 && t.endsWith('.') && !t.endsWith('...') ? t.slice(0, -1) : t;
}

/** Whether a candidate answer is junk (JUNK_TARGETS). Blank text is not junk: it is counted apart. */
export function isJunkTarget(s: string): boolean {
  return JUNK_TARGETS.includes(normalizeJunk(s));
}

export interface RoleBenchOptions {
  /** `{role}` and `{desc}` are replaced. Default ROLEBENCH_SYSTEM_TEMPLATE. */
  systemTemplate?: string;
  /** The file's split, for records whose `type` does not say (see the file header). */
  split?: RecordCategory;
  /** Field that carries the original, out-of-character answer of a general instruction (RAW). Default 'raw'. */
  rawField?: string;
}

/** Why a line was dropped. */
export type RoleBenchDropReason =
  | 'notUtf8' // bytes on the line are not valid UTF-8
  | 'notJson' // the line does not parse as JSON
  | 'notObject' // valid JSON, but not an object
  | 'missingField' // role, question or generated is absent
  | 'badField' // a field has the wrong type
  | 'emptyQuestion' // the question is blank
  | 'blank' // no candidate answer is left: all were blank
  | 'junk' // no candidate answer is left: all were junk or blank, at least one junk
  | 'unknownRole'; // the role has no profile

export interface RoleBenchRejection {
  line: number;
  reason: RoleBenchDropReason;
  message: string;
}

export interface RoleBenchReport {
  file: string;
  /** Non-empty lines read. */
  total: number;
  kept: number;
  /** Dropped lines by reason (every reason present, 0 when none). */
  dropped: Record<RoleBenchDropReason, number>;
  /** Candidates removed from `generated` lists, including from records that were kept. */
  candidatesDropped: { junk: number; blank: number };
  /** Kept records whose question had surrounding whitespace. */
  questionsTrimmed: number;
  /** Kept records whose `type` named no category we know (categorised by the fallbacks). */
  typeUnrecognised: number;
  /** The first MAX_LISTED_REJECTIONS drops, in file order. */
  rejections: RoleBenchRejection[];
  /** Kept records per role, in order of first appearance. */
  perRole: Record<string, number>;
  perCategory: Record<RecordCategory, number>;
  /** Roles without a profile (distinct, in order of first appearance). */
  unknownRoles: string[];
  /** Kept records that carry a raw (out-of-character) reference. */
  withRaw: number;
}

export interface RoleBenchDataset {
  records: NormalizedRecord[];
  report: RoleBenchReport;
}

export const MAX_LISTED_REJECTIONS = 1000;

type Obj = Record<string, unknown>;

const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

/** `{role}` / `{desc}` filled in. A description that ends a sentence swallows the template's own '.' after `{desc}`. */
export function renderRoleSystem(template: string, role: string, desc: string): string {
  const d = desc.trim();
  return template.replace(/\{role\}/g, () => role).replace(/\{desc\}(\.?)/g, (_m, dot: string) => (dot && /[.!?]$/.test(d) ? d : d + dot));
}

/**
 * Parse a profiles file (RoleBench's desc.json): one JSON object, role name → description. Throws a
 * DataError that names the problem otherwise. Keys and descriptions are trimmed.
 */
export function readProfiles(text: string, fileName: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new DataError(fileName, `the profiles file is not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    const kind = Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
    throw new DataError(fileName, `the profiles file is ${kind}; expected an object {"role name": "description", …}`);
  }
  const out: Record<string, string> = Object.create(null);
  for (const [k, d] of Object.entries(v)) {
    if (typeof d !== 'string') throw new DataError(fileName, `the profile of ${JSON.stringify(k)} is not text`);
    const role = k.trim();
    if (role.length === 0) throw new DataError(fileName, 'a profile has an empty role name');
    if (d.trim().length === 0) throw new DataError(fileName, `the profile of ${JSON.stringify(k)} is empty`);
    out[role] = d.trim();
  }
  if (Object.keys(out).length === 0) throw new DataError(fileName, 'the profiles file has no roles');
  return out;
}

/** Category named by a `type` value: undefined when absent, null when present but unreadable. */
function categoryOfType(type: unknown): RecordCategory | null | undefined {
  if (type === undefined || type === null) return undefined;
  const list = Array.isArray(type) ? type : [type];
  for (const t of list) {
    if (typeof t !== 'string') continue;
    const n = t.toLowerCase().replace(/[\s-]+/g, '_');
    if (n.includes('general')) return 'general';
    if (n.includes('specific')) return 'role_specific';
  }
  return null;
}

/** Category from the file name: a word "general" or "role_specific" / "role-specific" in the path. */
export function categoryOfFileName(fileName: string): RecordCategory | undefined {
  const f = fileName.toLowerCase();
  if (/(^|[^a-z])role[_-]?specific([^a-z]|$)/.test(f)) return 'role_specific';
  if (/(^|[^a-z])general([^a-z]|$)/.test(f)) return 'general';
  return undefined;
}

class Drop {
  constructor(
    readonly reason: RoleBenchDropReason,
    readonly message: string,
  ) {}
}

/** Candidate answers as trimmed strings (numbers stringified). Throws Drop for other types. */
function candidates(v: unknown, key: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((c, k) => {
    if (typeof c === 'string') return c.trim();
    if (typeof c === 'number' || typeof c === 'boolean') return String(c);
    throw new Drop('badField', `${key}${Array.isArray(v) ? `[${k}]` : ''} is ${c === null ? 'null' : Array.isArray(c) ? 'a list' : typeof c === 'object' ? 'an object' : `a ${typeof c}`}, expected text`);
  });
}

/**
 * Read a RoleBench JSONL file. `profiles` maps role names to descriptions (readProfiles). Bad records are
 * reported, never thrown; a file with nothing usable throws a DataError that says why.
 */
export function readRoleBench(bytes: Uint8Array, fileName: string, profiles: Record<string, string>, opts: RoleBenchOptions = {}): RoleBenchDataset {
  if (!(bytes instanceof Uint8Array)) throw new DataError(fileName, 'expected the file contents as bytes (Uint8Array)');
  const template = opts.systemTemplate ?? ROLEBENCH_SYSTEM_TEMPLATE;
  const rawField = opts.rawField ?? 'raw';
  const fileCategory = opts.split ?? categoryOfFileName(fileName);
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const lossy = new TextDecoder('utf-8');

  const records: NormalizedRecord[] = [];
  const dropped = Object.fromEntries(
    (['notUtf8', 'notJson', 'notObject', 'missingField', 'badField', 'emptyQuestion', 'blank', 'junk', 'unknownRole'] as const).map((r) => [r, 0]),
  ) as Record<RoleBenchDropReason, number>;
  const rejections: RoleBenchRejection[] = [];
  const perRole: Record<string, number> = Object.create(null);
  const perCategory: Record<RecordCategory, number> = { general: 0, role_specific: 0 };
  const unknownRoles: string[] = [];
  const candidatesDropped = { junk: 0, blank: 0 };
  const systems = new Map<string, string>();
  let total = 0, questionsTrimmed = 0, typeUnrecognised = 0, withRaw = 0;
  let firstChar = '';

  const drop = (line: number, reason: RoleBenchDropReason, message: string) => {
    dropped[reason]++;
    if (rejections.length < MAX_LISTED_REJECTIONS) rejections.push({ line, reason, message: `line ${line}: ${message}` });
  };

  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const raw = bytes.subarray(start, end);
    start = end + 1;
    let text: string;
    try {
      text = fatal.decode(raw);
    } catch {
      if (lossy.decode(raw).trim().length === 0) continue;
      total++;
      drop(line, 'notUtf8', 'not valid UTF-8');
      continue;
    }
    if (line === 1) text = text.replace(/^\uFEFF/, '');
    const s = text.trim();
    if (s.length === 0) continue;
    total++;
    if (!firstChar) firstChar = s[0];
    try {
      let v: unknown;
      try {
        v = JSON.parse(s);
      } catch (e) {
        throw new Drop('notJson', `not JSON (${(e as Error).message})`);
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        throw new Drop('notObject', `${Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`}, expected an object`);
      }
      const o = v as Obj;
      for (const k of ['role', 'question', 'generated']) {
        const x = own(o, k);
        if (x === undefined || x === null) throw new Drop('missingField', `missing field ${JSON.stringify(k)}`);
      }
      const roleV = own(o, 'role'), questionV = own(o, 'question');
      if (typeof roleV !== 'string' || roleV.trim().length === 0) throw new Drop('badField', 'field "role" is not a role name');
      if (typeof questionV !== 'string') throw new Drop('badField', 'field "question" is not text');
      const role = roleV.trim();
      const question = questionV.trim();
      if (question.length === 0) throw new Drop('emptyQuestion', 'the question is blank');

      const all = candidates(own(o, 'generated'), 'generated');
      const clean: string[] = [];
      let junk = 0, blank = 0;
      for (const c of all) {
        if (c.length === 0) blank++;
        else if (isJunkTarget(c)) junk++;
        else clean.push(c);
      }
      candidatesDropped.junk += junk;
      candidatesDropped.blank += blank;
      if (clean.length === 0) {
        if (junk > 0) throw new Drop('junk', `no usable answer (junk: ${all.filter((c) => c.length > 0).map((c) => JSON.stringify(c)).join(', ')})`);
        throw new Drop('blank', all.length === 0 ? 'field "generated" is an empty list' : 'every answer is blank');
      }

      if (!Object.hasOwn(profiles, role)) {
        if (!unknownRoles.includes(role)) unknownRoles.push(role);
        throw new Drop('unknownRole', `role ${JSON.stringify(role)} has no profile`);
      }
      let system = systems.get(role);
      if (system === undefined) {
        system = renderRoleSystem(template, role, profiles[role]);
        systems.set(role, system);
      }

      const typed = categoryOfType(own(o, 'type'));
      if (typed === null) typeUnrecognised++;
      const category: RecordCategory = typed ?? fileCategory ?? (typed === null ? 'role_specific' : 'general');

      const rec: NormalizedRecord = { id: `${fileName}:${line}`, question, answer: clean[0], system, role, category, line };
      if (clean.length > 1) rec.references = clean;
      const rawV = own(o, rawField);
      if (rawV !== undefined && rawV !== null) {
        const raws = candidates(rawV, rawField).filter((c) => c.length > 0 && !isJunkTarget(c));
        if (raws.length > 0) {
          rec.rawAnswer = raws[0];
          withRaw++;
        }
      }
      if (question !== questionV) questionsTrimmed++;
      records.push(rec);
      perRole[role] = (perRole[role] ?? 0) + 1;
      perCategory[category]++;
    } catch (e) {
      if (!(e instanceof Drop)) throw e;
      drop(line, e.reason, e.message);
    }
  }

  const report: RoleBenchReport = {
    file: fileName, total, kept: records.length, dropped, candidatesDropped, questionsTrimmed, typeUnrecognised,
    rejections, perRole, perCategory, unknownRoles, withRaw,
  };
  if (total === 0) throw new DataError(fileName, 'the file is empty');
  if (records.length === 0) {
    const reasons = Object.entries(dropped).filter(([, c]) => c > 0).map(([r, c]) => `${c} ${r}`).join(', ');
    const hint = firstChar === '[' ? ' (a JSON array? RoleBench files are JSON Lines: one record per line)' : '';
    const first = rejections.slice(0, 3).map((r) => r.message).join('; ');
    throw new DataError(fileName, `no usable RoleBench record (${total} lines; dropped: ${reasons})${hint}${first ? `. First problems: ${first}` : ''}`);
  }
  return { records, report };
}
