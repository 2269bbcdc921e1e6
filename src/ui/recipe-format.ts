// Pure formatting for the recipe views (src/ui/rolebench-panel.ts, src/ui/s3ft-panel.ts): the RoleBench
// ROUGE-L table, the S3FT confusion matrix and the filter's threshold slider. No DOM here: the panels turn
// these models into elements (text only), and src/ui/recipe-format.test.ts checks them.
import type { DiscriminatorInfo, RoleBenchEvalInfo, RougeGroupInfo } from '../protocol.ts';

/** A ROUGE-L mean as shown: three decimals, "—" for a group without samples. */
export function formatRouge(g: RougeGroupInfo | undefined): string {
  return g && g.rougeL !== null ? g.rougeL.toFixed(3) : '—';
}

export interface RougeTable {
  header: string[];
  /** One row per evaluation (step 0 = the base model), cells as text. */
  rows: string[][];
  /** Roles in column order (first appearance over the evaluations). */
  roles: string[];
}

/**
 * ROUGE-L over training: step, overall, CUS, SPE, RAW, then the overall score of each role. Roles are the
 * union over the evaluations, in order of first appearance; a role without samples at a step shows "—".
 */
export function rougeTable(evals: readonly RoleBenchEvalInfo[]): RougeTable {
  const roles: string[] = [];
  for (const e of evals) for (const r of Object.keys(e.perRole)) if (!roles.includes(r)) roles.push(r);
  const header = ['step', 'overall', 'CUS', 'SPE', 'RAW', ...roles];
  const rows = evals.map((e) => [
    e.step === 0 ? '0 (base)' : String(e.step),
    formatRouge(e.overall), formatRouge(e.cus), formatRouge(e.spe), formatRouge(e.raw),
    ...roles.map((r) => formatRouge(e.perRole[r]?.overall)),
  ]);
  return { header, rows, roles };
}

/** One role's scores at one evaluation: role, overall, CUS, SPE, samples. */
export function perRoleRows(e: RoleBenchEvalInfo): string[][] {
  return Object.entries(e.perRole).map(([role, g]) => [role, formatRouge(g.overall), formatRouge(g.cus), formatRouge(g.spe), String(g.overall.n)]);
}

/** Short column names of the five S3FT labels (src/data/s3ft.ts S3FT_LABELS), as the CLI prints them. */
const SHORT: Record<string, string> = { excellent: 'exc', incoherent: 'inc', ignores_system: 'ign', both: 'both', not_applicable: 'n/a' };

export interface ConfusionTable {
  /** "true \ predicted", then one short name per label, then "n". */
  header: string[];
  /** Per true label: its name, the counts per predicted label, the row total. */
  rows: { label: string; cells: number[]; total: number }[];
  /** Correct predictions (the diagonal) and all records. */
  correct: number;
  n: number;
}

export function confusionTable(d: Pick<DiscriminatorInfo, 'labels' | 'confusion'>): ConfusionTable {
  if (d.confusion.length !== d.labels.length || d.confusion.some((r) => r.length !== d.labels.length)) {
    throw new Error(`confusionTable: a ${d.labels.length}-label matrix expected`);
  }
  const rows = d.labels.map((label, i) => ({ label, cells: [...d.confusion[i]], total: d.confusion[i].reduce((a, b) => a + b, 0) }));
  return {
    header: ['true \\ predicted', ...d.labels.map((l) => SHORT[l] ?? l), 'n'],
    rows,
    correct: rows.reduce((a, r, i) => a + r.cells[i], 0),
    n: rows.reduce((a, r) => a + r.total, 0),
  };
}

export const formatPercent = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** A probability as shown in the filter: 4 decimals, or 3 significant digits in exponent form below 0.001. */
export function formatProb(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p !== 0 && Math.abs(p) < 1e-3 ? p.toExponential(2) : p.toFixed(4);
}

// --- the filter's threshold slider ------------------------------------------------------------------------
// P(excellent) of a weak discriminator can sit anywhere (tabtune-tiny's: 0.001–0.004), so a slider over
// [0, 1] could not tell the candidates apart. The slider moves over the candidates' own scores instead:
// position k (0…n) drops the k lowest, i.e. threshold = the k-th lowest score (k = n keeps none). Ties move
// together: every position gives a threshold of the form "keep P ≥ t".

/** Scores in ascending order. */
export function sortScores(scores: readonly number[]): number[] {
  return [...scores].sort((a, b) => a - b);
}

/** Records kept at a threshold: P(excellent) ≥ t. */
export function keptCount(scores: readonly number[], t: number): number {
  let k = 0;
  for (const s of scores) if (s >= t) k++;
  return k;
}

/** The slider position of a threshold: how many scores lie below it. */
export function positionForThreshold(sorted: readonly number[], t: number): number {
  let k = 0;
  while (k < sorted.length && sorted[k] < t) k++;
  return k;
}

/** The threshold at slider position k: the k-th lowest score; above the highest (Infinity) at k = n. */
export function thresholdAtPosition(sorted: readonly number[], k: number): number {
  const i = Math.max(0, Math.min(sorted.length, Math.round(k)));
  return i < sorted.length ? sorted[i] : Infinity;
}
