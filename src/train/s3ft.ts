// S3FT stage B (recipes.md §3, docs/recipes.md): scoring records with the LoRA-tuned discriminator, and the
// metrics that judge it — confusion matrix and accuracy over the five labels, and the binary
// "excellent vs not" view that the filter keeps or drops by (precision, recall, F1, accuracy at a
// threshold; threshold selection on labelled validation records).
//
// Scoring. The discriminator was trained to answer the classification prompt (src/data/s3ft.ts) with a
// label. For each record we want P(label | prompt) over the five labels:
//   - 'first-token' (default): one forward pass per record; the logits at the last prompt position, read
//     at each label's first token, softmaxed over those five tokens. Needs the five labels to start with
//     five different tokens and the prompt to tokenize identically whatever label follows (true for
//     byte-level BPE with a chat template: the label starts a new turn). Cheap, and it is what greedy
//     decoding would choose between.
//   - 'sequence': one row per label, log P(label tokens + end-of-turn | prompt) summed over the label's
//     tokens, softmaxed over the five labels (the full-sequence probability, renormalised). Five times the
//     work; exact whatever the tokenization. Used automatically when 'first-token' is not applicable.
// In both cases the labels' ids are exactly the training example's (buildExample), so scoring sees what
// training saw.
//
// Pure apart from the logits callback (the session's engine); browser- and worker-safe.

import type { TabTokenizer } from '../formats/tokenizer.ts';
import type { NormalizedRecord } from '../data/records.ts';
import { S3FT_LABELS, type S3ftLabel } from '../data/s3ft.ts';
import { buildExample } from '../data/template.ts';

/** Logits [B*T*V] for token ids [B*T] (right-padded rows; causal, so padding never changes earlier positions). */
export type LogitsFn = (tokens: Int32Array, B: number, T: number) => Promise<Float32Array>;

export type ScoreMethod = 'first-token' | 'sequence';

/** One record's label probabilities (S3FT_LABELS order) and the argmax. */
export interface Scored {
  id: string;
  probs: number[];
  predicted: S3ftLabel;
  /** probs[0]: P(excellent). */
  pExcellent: number;
}

/** The five labels' training rows for one classification prompt. */
interface LabelRows {
  rows: { ids: Int32Array; mask: Uint8Array }[];
  /** Tokens before the first target token of each row. */
  prefix: number[];
}

function labelRows(tok: TabTokenizer, rec: NormalizedRecord, chatTemplate?: string): LabelRows {
  const rows = S3FT_LABELS.map((label) => {
    const ex = buildExample(tok, { ...rec, answer: label }, { mode: 'sft', maxLen: Number.MAX_SAFE_INTEGER, ...(chatTemplate === undefined ? {} : { chatTemplate }) });
    return { ids: ex.ids, mask: ex.lossMask };
  });
  return { rows, prefix: rows.map((r) => r.mask.indexOf(1)) };
}

/** Whether first-token scoring applies to a record's rows: same prompt ids for every label, five distinct first label tokens. */
function firstTokenOk({ rows, prefix }: LabelRows): boolean {
  const p = prefix[0];
  if (p < 1 || prefix.some((q) => q !== p)) return false;
  for (const r of rows) for (let i = 0; i < p; i++) if (r.ids[i] !== rows[0].ids[i]) return false;
  return new Set(rows.map((r) => r.ids[p])).size === S3FT_LABELS.length;
}

/** Whether first-token scoring applies to a discriminator record under this tokenizer and template. */
export function firstTokenApplies(tok: TabTokenizer, rec: NormalizedRecord, chatTemplate?: string): boolean {
  return firstTokenOk(labelRows(tok, rec, chatTemplate));
}

function softmax(x: readonly number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** log-softmax of one logits row (V), at index k. */
function logProbAt(row: Float32Array, k: number): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > m) m = row[i];
  let s = 0;
  for (let i = 0; i < row.length; i++) s += Math.exp(row[i] - m);
  return row[k] - m - Math.log(s);
}

/** Right-pad rows into one [B*T] batch (T = the longest row). */
function pack(rows: Int32Array[], padId: number): { tokens: Int32Array; B: number; T: number } {
  const T = Math.max(...rows.map((r) => r.length));
  const tokens = new Int32Array(rows.length * T).fill(padId);
  rows.forEach((r, b) => tokens.set(r, b * T));
  return { tokens, B: rows.length, T };
}

function scored(id: string, probs: number[]): Scored {
  let best = 0;
  for (let k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
  return { id, probs, predicted: S3FT_LABELS[best], pExcellent: probs[0] };
}

export interface ScoreOptions {
  /** Default: 'first-token' when it applies to every record, else 'sequence'. */
  method?: ScoreMethod;
  /** Rows per forward pass. Default 8. */
  batchSize?: number;
  vocabSize: number;
  chatTemplate?: string;
}

/**
 * P(label | classification prompt) for each discriminator record (answers are ignored). Records are
 * batched by length to keep padding small; the result keeps the input order.
 */
export async function scoreRecords(logits: LogitsFn, tok: TabTokenizer, records: readonly NormalizedRecord[], o: ScoreOptions): Promise<{ method: ScoreMethod; scores: Scored[] }> {
  const V = o.vocabSize;
  const batch = o.batchSize ?? 8;
  const pad = tok.padId ?? 0;
  const plans = records.map((r) => labelRows(tok, r, o.chatTemplate));
  const firstOk = (k: number) => firstTokenOk(plans[k]);
  const method: ScoreMethod = o.method ?? (plans.every((_, k) => firstOk(k)) ? 'first-token' : 'sequence');
  if (method === 'first-token') {
    const bad = plans.findIndex((_, k) => !firstOk(k));
    if (bad >= 0) throw new Error(`first-token scoring does not apply to record ${records[bad].id}: the labels' first tokens are not distinct or the prompt tokenizes differently per label (use 'sequence')`);
  }
  const out: Scored[] = new Array(records.length);
  const order = [...records.keys()].sort((a, b) => plans[a].rows[0].ids.length - plans[b].rows[0].ids.length);
  if (method === 'first-token') {
    for (let s = 0; s < order.length; s += batch) {
      const ks = order.slice(s, s + batch);
      const prompts = ks.map((k) => plans[k].rows[0].ids.subarray(0, plans[k].prefix[0]));
      const { tokens, B, T } = pack(prompts, pad);
      const lg = await logits(tokens, B, T);
      ks.forEach((k, b) => {
        const p = plans[k].prefix[0];
        const at = (b * T + p - 1) * V;
        const ids = plans[k].rows.map((r) => r.ids[p]);
        out[k] = scored(records[k].id, softmax(ids.map((id) => lg[at + id])));
      });
    }
  } else {
    const L = S3FT_LABELS.length;
    const per = Math.max(1, Math.floor(batch / L));
    for (let s = 0; s < order.length; s += per) {
      const ks = order.slice(s, s + per);
      const rows = ks.flatMap((k) => plans[k].rows);
      const { tokens, B, T } = pack(rows.map((r) => r.ids), pad);
      const lg = await logits(tokens, B, T);
      ks.forEach((k, j) => {
        const logp = plans[k].rows.map((r, l) => {
          const b = j * L + l;
          let sum = 0;
          // Position t−1 predicts ids[t]: sum log P over the target (label + end-of-turn) tokens.
          for (let t = 1; t < r.ids.length; t++) if (r.mask[t]) sum += logProbAt(lg.subarray((b * T + t - 1) * V, (b * T + t) * V), r.ids[t]);
          return sum;
        });
        out[k] = scored(records[k].id, softmax(logp));
      });
    }
  }
  return { method, scores: out };
}

// --- metrics --------------------------------------------------------------------------------------------

/** Confusion matrix over S3FT_LABELS: m[truth][predicted] counts. */
export function confusionMatrix(truth: readonly S3ftLabel[], predicted: readonly S3ftLabel[]): number[][] {
  if (truth.length !== predicted.length) throw new Error(`confusionMatrix: ${truth.length} labels but ${predicted.length} predictions`);
  const L = S3FT_LABELS.length;
  const m = Array.from({ length: L }, () => new Array<number>(L).fill(0));
  truth.forEach((t, i) => m[S3FT_LABELS.indexOf(t)][S3FT_LABELS.indexOf(predicted[i])]++);
  return m;
}

/** Binary "excellent vs not" counts and rates at a threshold: a record is kept when P(excellent) ≥ threshold. */
export interface BinaryMetrics {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** tp / (tp + fp); 0 when nothing is kept. */
  precision: number;
  /** tp / (tp + fn); 0 when there is no positive. */
  recall: number;
  /** 2PR / (P + R); 0 when P + R = 0. */
  f1: number;
  /** (tp + tn) / n; 0 for no records. */
  accuracy: number;
}

export function binaryMetrics(scores: readonly number[], positive: readonly boolean[], threshold: number): BinaryMetrics {
  if (scores.length !== positive.length) throw new Error(`binaryMetrics: ${scores.length} scores but ${positive.length} labels`);
  let tp = 0, fp = 0, fn = 0, tn = 0;
  scores.forEach((s, i) => {
    const keep = s >= threshold;
    if (keep && positive[i]) tp++;
    else if (keep) fp++;
    else if (positive[i]) fn++;
    else tn++;
  });
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const n = scores.length;
  return { threshold, tp, fp, fn, tn, precision, recall, f1, accuracy: n > 0 ? (tp + tn) / n : 0 };
}

export type ThresholdCriterion = 'f1' | 'accuracy';

/**
 * The threshold that maximises F1 (or accuracy) of "excellent vs not" on labelled records. Candidates are
 * the distinct scores themselves (keep P ≥ t). Ties go to the higher other metric (accuracy for F1, F1 for
 * accuracy), then to the higher threshold (fewer records kept: the filter's job is to be picky).
 */
export function chooseThreshold(scores: readonly number[], positive: readonly boolean[], criterion: ThresholdCriterion = 'f1'): BinaryMetrics {
  if (scores.length === 0) throw new Error('chooseThreshold: no labelled records');
  const cands = [...new Set(scores)].sort((a, b) => b - a);
  const other: ThresholdCriterion = criterion === 'f1' ? 'accuracy' : 'f1';
  let best: BinaryMetrics | null = null;
  for (const t of cands) {
    const m = binaryMetrics(scores, positive, t);
    if (best === null || m[criterion] > best[criterion] || (m[criterion] === best[criterion] && m[other] > best[other])) best = m;
  }
  return best!;
}

export interface DiscriminatorEval {
  n: number;
  /** Argmax label = the true label, over n. */
  accuracy: number;
  labels: readonly S3ftLabel[];
  /** confusion[truth][predicted], rows and columns in `labels` order. */
  confusion: number[][];
  /** Records per true label. */
  support: Record<S3ftLabel, number>;
  /** Excellent vs not at `threshold` (when given). */
  excellent: BinaryMetrics | null;
  /** Mean P(true label): a smoother signal than accuracy on a few records. */
  meanTrueProb: number;
}

/** Judge scored records against their true labels; `threshold` adds the binary excellent-vs-not view. */
export function evaluateDiscriminator(scores: readonly Scored[], truth: readonly S3ftLabel[], threshold?: number): DiscriminatorEval {
  if (scores.length !== truth.length) throw new Error(`evaluateDiscriminator: ${scores.length} scores but ${truth.length} labels`);
  const confusion = confusionMatrix(truth, scores.map((s) => s.predicted));
  const n = truth.length;
  let right = 0, trueProb = 0;
  truth.forEach((t, i) => {
    if (scores[i].predicted === t) right++;
    trueProb += scores[i].probs[S3FT_LABELS.indexOf(t)];
  });
  const support = Object.fromEntries(S3FT_LABELS.map((l) => [l, truth.filter((t) => t === l).length])) as Record<S3ftLabel, number>;
  const excellent = threshold === undefined ? null : binaryMetrics(scores.map((s) => s.pExcellent), truth.map((t) => t === 'excellent'), threshold);
  return { n, accuracy: n ? right / n : 0, labels: S3FT_LABELS, confusion, support, excellent, meanTrueProb: n ? trueProb / n : 0 };
}

/** The confusion matrix as aligned text lines (rows: true label, columns: predicted), for stderr. */
export function formatConfusion(e: DiscriminatorEval): string {
  const short = ['exc', 'inc', 'ign', 'both', 'n/a'];
  const w = Math.max(16, ...e.labels.map((l) => l.length));
  const head = `${'true \\ predicted'.padEnd(w)} ${short.map((s) => s.padStart(5)).join('')}`;
  return [head, ...e.labels.map((l, i) => `${l.padEnd(w)} ${e.confusion[i].map((c) => String(c).padStart(5)).join('')}`)].join('\n');
}
