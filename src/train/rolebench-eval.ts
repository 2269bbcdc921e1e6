// RoleBench evaluation (recipes.md §2): ROUGE-L F of generations against the references, per role and
// overall, grouped as RoleLLM reports it:
//   CUS  general instructions, scored against the customized in-character answers (category 'general');
//   SPE  role-specific questions, scored against their in-character answers (category 'role_specific');
//   RAW  general instructions, scored against the original out-of-character answers. RoleBench's
//        released general split carries only the in-character candidates, so RAW is computed only over
//        records that have `rawAnswer` (readRoleBench's `raw` field) and is null, with a note, otherwise.
// A generation's score against several references (a general record's clean candidates) is the best
// one, as rouge_score's score_multi does. Means are unweighted over samples; a group without samples is
// null. Scores use the whole generated text (not the session's role-prompt split, which would drop an
// in-character first paragraph that happens to open with "As a …").
//
// Generating the samples needs each record's own system prompt; see generateRoleBenchSamples.
// Pure functions on strings, apart from the generation helpers; browser- and worker-safe.

import type { NormalizedRecord, RecordCategory } from '../data/records.ts';
import { rougeL } from './metrics.ts';

/** One scored generation. */
export interface RoleBenchItem {
  role: string;
  category: RecordCategory;
  /** The generated text. */
  text: string;
  /** In-character references (at least one). */
  references: readonly string[];
  /** Out-of-character reference of a general instruction, when known (RAW). */
  raw?: string;
}

/** Mean ROUGE-L F over n samples; null when n = 0. */
export interface RougeGroup {
  n: number;
  rougeL: number | null;
}

export interface RoleBenchRouge {
  /** All samples, CUS and SPE together. */
  overall: RougeGroup;
  cus: RougeGroup;
  spe: RougeGroup;
  raw: RougeGroup;
  /** Why RAW is null, when it is. */
  rawNote: string | null;
  perRole: Record<string, { overall: RougeGroup; cus: RougeGroup; spe: RougeGroup }>;
}

export const RAW_MISSING_NOTE =
  'RAW needs the original (out-of-character) answers of the general instructions; these records carry none (RoleBench\'s released general split has only the in-character candidates)';

/** ROUGE-L F of `text` against the best of `references` (0 for none). */
export function bestRougeL(text: string, references: readonly string[]): number {
  let best = 0;
  for (const r of references) best = Math.max(best, rougeL(text, r).f);
  return best;
}

function group(scores: number[]): RougeGroup {
  return { n: scores.length, rougeL: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null };
}

/** Per-role and overall ROUGE-L (CUS / SPE / RAW) of scored generations. */
export function roleBenchRouge(items: readonly RoleBenchItem[]): RoleBenchRouge {
  const all: number[] = [], cus: number[] = [], spe: number[] = [], raw: number[] = [];
  const roles = new Map<string, { all: number[]; cus: number[]; spe: number[] }>();
  for (const it of items) {
    if (it.references.length === 0) throw new Error(`roleBenchRouge: a ${it.role} sample has no reference`);
    const f = bestRougeL(it.text, it.references);
    let r = roles.get(it.role);
    if (!r) roles.set(it.role, (r = { all: [], cus: [], spe: [] }));
    all.push(f);
    r.all.push(f);
    (it.category === 'general' ? cus : spe).push(f);
    (it.category === 'general' ? r.cus : r.spe).push(f);
    if (it.category === 'general' && it.raw !== undefined) raw.push(rougeL(it.text, it.raw).f);
  }
  const perRole: RoleBenchRouge['perRole'] = Object.create(null);
  for (const [role, r] of roles) perRole[role] = { overall: group(r.all), cus: group(r.cus), spe: group(r.spe) };
  const rawGroup = group(raw);
  return {
    overall: group(all), cus: group(cus), spe: group(spe), raw: rawGroup,
    rawNote: rawGroup.n > 0 ? null : cus.length === 0 ? 'no general-split samples' : RAW_MISSING_NOTE,
    perRole,
  };
}

/** A generation for a record (the session's EvalEvent samples have this shape). */
export interface GeneratedSample {
  question: string;
  text: string;
}

/**
 * Pair generations with the records they answer (same order, as TrainingSession.evaluate produces them
 * for its eval records) and score them. Throws when the lists do not line up or a record has no role.
 */
export function scoreRoleBench(samples: readonly GeneratedSample[], records: readonly NormalizedRecord[]): RoleBenchRouge {
  if (samples.length !== records.length) throw new Error(`scoreRoleBench: ${samples.length} samples but ${records.length} records`);
  return roleBenchRouge(
    samples.map((s, i) => {
      const r = records[i];
      if (s.question !== r.question) throw new Error(`scoreRoleBench: sample ${i} answers ${JSON.stringify(s.question)}, record ${r.id} asks ${JSON.stringify(r.question)}`);
      if (r.role === undefined) throw new Error(`scoreRoleBench: record ${r.id} has no role (read it with readRoleBench)`);
      const item: RoleBenchItem = { role: r.role, category: r.category ?? 'general', text: s.text, references: r.references ?? [r.answer] };
      if (r.rawAnswer !== undefined) item.raw = r.rawAnswer;
      return item;
    }),
  );
}

// --- generation ------------------------------------------------------------------------------------

/** Answers a question under a system prompt. */
export type SystemAsker = (question: string, system: string | undefined) => Promise<{ text: string }>;

/** Generate one sample per record, each under the record's own system prompt (its role profile). */
export async function generateRoleBenchSamples(ask: SystemAsker, records: readonly NormalizedRecord[]): Promise<GeneratedSample[]> {
  const out: GeneratedSample[] = [];
  for (const r of records) out.push({ question: r.question, text: (await ask(r.question, r.system)).text });
  return out;
}

/** A SystemAsker on a TrainingSession: each question is asked with its record's role system prompt. */
export function sessionAsker(session: { ask(question: string, maxNewTokens?: number, o?: { system?: string }): Promise<{ text: string }> }): SystemAsker {
  return (question, system) => session.ask(question, undefined, { system });
}
