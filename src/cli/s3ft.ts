// The S3FT recipes of `tabtune train` (recipes.md §3, docs/recipes.md § S3FT):
//   --recipe s3ft-discriminator  stage A: LoRA-train the discriminator on labelled records (train.ts runs the
//                                session; this file prepares the records and measures the discriminator on
//                                the held-out labelled records before and after, and picks the threshold);
//   --recipe s3ft-filter         stage B: score candidate records with the discriminator adapter, keep those
//                                with P(excellent) ≥ threshold, write them as JSONL (s3ftFilter, below);
//   --recipe s3ft-sft            stage C: LoRA SFT on the kept records with their system prompts (train.ts;
//                                records prepared here).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError } from '../data/records.ts';
import { DISCRIMINATOR_PROMPT_VERSION, fitDiscriminator, fitSft, readS3ft, s3ftToJson, S3FT_LABELS, templateHasSystemRole, type S3ftLabel, type S3ftRecord, type S3ftReport } from '../data/s3ft.ts';
import type { NormalizedRecord } from '../data/records.ts';
import { splitTrainVal } from '../data/template.ts';
import type { TabTokenizer } from '../formats/tokenizer.ts';
import { sha256Hex } from '../train/export.ts';
import { chooseThreshold, evaluateDiscriminator, formatConfusion, scoreRecords, type DiscriminatorEval, type ScoreMethod, type ThresholdCriterion } from '../train/s3ft.ts';
import { DEFAULT_SESSION, TrainingSession, type SessionConfig } from '../train/session.ts';
import { chooseEngine } from './engine-choice.ts';
import { UsageError } from './errors.ts';
import { loadAdapterFromDir, loadModelFromPath, parseBaseDtype } from './load.ts';

export const S3FT_RECIPES = ['s3ft-discriminator', 's3ft-filter', 's3ft-sft'] as const;
export type S3ftRecipe = (typeof S3FT_RECIPES)[number];
export const isS3ftRecipe = (r: string | undefined): r is S3ftRecipe => (S3FT_RECIPES as readonly string[]).includes(r ?? '');

/** The file stage A writes beside the adapter; stage B reads its threshold and held-out split. */
export const S3FT_JSON = 's3ft.json';

/** Default sequence length of the S3FT recipes: classification prompts with history are long. */
export const S3FT_SEQ_LEN = 256;

/** Default validation fraction of stage A: the held-out labelled records measure the discriminator. */
export const S3FT_DISCRIMINATOR_VAL_FRACTION = 0.25;

export function parseScoreMethod(v: string | undefined): ScoreMethod | undefined {
  if (v === undefined) return undefined;
  if (v !== 'first-token' && v !== 'sequence') throw new UsageError(`--score must be first-token or sequence (got "${v}")`);
  return v;
}

export function parseThresholdMetric(v: string | undefined): ThresholdCriterion {
  if (v === undefined) return 'f1';
  if (v !== 'f1' && v !== 'accuracy') throw new UsageError(`--threshold-metric must be f1 or accuracy (got "${v}")`);
  return v;
}

export function parseLossOn(v: string | undefined): 'final' | 'all-assistant' {
  if (v === undefined || v === 'final') return 'final';
  if (v !== 'all-assistant') throw new UsageError(`--loss-on must be final or all-assistant (got "${v}")`);
  return v;
}

/** Read an S3FT file and report it on stderr as the other readers do (counts, then rejected lines). */
export function readS3ftFile(path: string, labels: 'required' | 'ignore'): { records: S3ftRecord[]; report: S3ftReport; bytes: Uint8Array } {
  const bytes = new Uint8Array(readFileSync(path));
  const { records, report } = readS3ft(bytes, path, { labels });
  const byLabel = labels === 'required' ? ` (${S3FT_LABELS.map((l) => `${report.labels[l]} ${l}`).join(', ')})` : '';
  process.stderr.write(`data: ${report.kept} S3FT records kept, ${report.rejected} rejected (${report.format}; ${report.withHistory} with history)${byLabel}\n`);
  for (const r of report.rejections.slice(0, 10)) process.stderr.write(`  ${path}:${r.line}: ${r.reason}: ${r.message}\n`);
  return { records, report, bytes };
}

function reportFit(what: string, f: { historyTrimmed: number; exchangesDropped: number; skipped: { id: string; line: number; message: string }[] }, seqLen: number): void {
  if (f.historyTrimmed > 0) process.stderr.write(`${what}: ${f.historyTrimmed} records lost their ${f.exchangesDropped} oldest history exchanges to fit --seq-len ${seqLen}\n`);
  if (f.skipped.length > 0) {
    process.stderr.write(`${what}: ${f.skipped.length} records skipped\n`);
    for (const s of f.skipped.slice(0, 10)) process.stderr.write(`  line ${s.line}: ${s.message}\n`);
  }
}

// --- stage A: the discriminator ------------------------------------------------------------------------

export interface DiscriminatorPlan {
  records: NormalizedRecord[];
  valRecords: NormalizedRecord[];
  /** The held-out labelled records (fitted), their true labels and their lines in the file (s3ft.json names them by line). */
  heldOut: { records: NormalizedRecord[]; truth: S3ftLabel[]; lines: number[] };
  labelledHash: string;
}

/** Stage A's records: labelled records split (seeded) into train and held-out, as classification examples. */
export async function planDiscriminator(path: string, tok: TabTokenizer, cfg: SessionConfig): Promise<DiscriminatorPlan> {
  const { records, bytes } = readS3ftFile(path, 'required');
  const { train, val } = splitTrainVal(records, { valFraction: cfg.valFraction, seed: cfg.seed });
  const ft = fitDiscriminator(tok, train, cfg.seqLen);
  const fv = fitDiscriminator(tok, val, cfg.seqLen);
  reportFit('discriminator train', ft, cfg.seqLen);
  reportFit('discriminator held-out', fv, cfg.seqLen);
  if (ft.items.length === 0) throw new DataError(path, `no labelled record fits --seq-len ${cfg.seqLen}`);
  process.stderr.write(`discriminator: ${ft.items.length} train, ${fv.items.length} held-out labelled records\n`);
  return {
    records: ft.items, valRecords: fv.items,
    // Lines of all held-out records, fitted or not: stage B re-creates the same split from them.
    heldOut: { records: fv.items, truth: fv.sources.map((s) => s.label!), lines: val.map((r) => r.line) },
    labelledHash: await sha256Hex(bytes),
  };
}

/** Score the held-out labelled records with the session's current adapter. */
export async function measureDiscriminator(session: TrainingSession, tok: TabTokenizer, held: DiscriminatorPlan['heldOut'], o: { method?: ScoreMethod; batch: number; vocabSize: number; threshold?: number }): Promise<{ method: ScoreMethod; eval: DiscriminatorEval; pExcellent: number[] }> {
  const { method, scores } = await scoreRecords((t, B, T) => session.logits(t, B, T), tok, held.records, { method: o.method, batchSize: o.batch, vocabSize: o.vocabSize });
  return { method, eval: evaluateDiscriminator(scores, held.truth, o.threshold), pExcellent: scores.map((s) => s.pExcellent) };
}

export function describeEval(step: number | string, e: DiscriminatorEval): string {
  return `discriminator @${step} (${e.n} held-out): accuracy ${(100 * e.accuracy).toFixed(1)} %, mean P(true label) ${e.meanTrueProb.toFixed(3)}`;
}

/** Stage C's records: every record (labels ignored) as a multi-turn SFT record that fits the sequence length. */
export function planSft(path: string, tok: TabTokenizer, cfg: SessionConfig, lossOn: 'final' | 'all-assistant'): { records: NormalizedRecord[]; systemRole: boolean; historyTrimmed: number; skipped: number } {
  const { records } = readS3ftFile(path, 'ignore');
  const systemRole = templateHasSystemRole(tok);
  if (!systemRole) process.stderr.write('s3ft-sft: the chat template has no system role: system prompts are prepended to the first user turn\n');
  const f = fitSft(tok, records, cfg.seqLen, { systemRole, lossOn });
  reportFit('s3ft-sft', f, cfg.seqLen);
  if (f.items.length === 0) throw new DataError(path, `no record fits --seq-len ${cfg.seqLen}`);
  return { records: f.items, systemRole, historyTrimmed: f.historyTrimmed, skipped: f.skipped.length };
}

// --- stage B: the filter -------------------------------------------------------------------------------------

export interface FilterValues {
  model?: string;
  data?: string;
  out?: string;
  adapter?: string;
  labelled?: string;
  threshold?: string;
  'threshold-metric'?: string;
  score?: string;
  batch?: string;
  'seq-len'?: string;
  'base-dtype'?: string;
  engine?: string;
  'hub-base'?: string;
}

/**
 * `tabtune train --recipe s3ft-filter --model M --adapter DIR --data candidates.jsonl --out kept.jsonl
 *  [--labelled labelled.jsonl] [--threshold P] [--threshold-metric f1|accuracy] [--score first-token|sequence]`
 * Threshold: --threshold, else chosen on the held-out labelled records of --labelled (maximising
 * --threshold-metric), else the one stage A chose (s3ft.json), else 0.5.
 */
export async function s3ftFilter(values: FilterValues): Promise<number> {
  const started = Date.now();
  if (!values.model) throw new UsageError('--model <path> is required');
  if (!values.adapter) throw new UsageError('--recipe s3ft-filter needs --adapter <dir> (the s3ft-discriminator output)');
  if (!values.data) throw new UsageError('--data <file> is required (the candidate S3FT records)');
  if (!values.out) throw new UsageError('--out <file.jsonl> is required (the kept records)');
  if (!existsSync(values.data)) throw new UsageError(`${values.data}: no such file`);
  if (values.labelled && !existsSync(values.labelled)) throw new UsageError(`${values.labelled}: no such file`);
  let flagThreshold: number | undefined;
  if (values.threshold !== undefined) {
    flagThreshold = Number(values.threshold);
    if (!(flagThreshold >= 0 && flagThreshold <= 1)) throw new UsageError(`--threshold must be a probability in [0, 1] (got "${values.threshold}")`);
  }
  const criterion = parseThresholdMetric(values['threshold-metric']);
  const method = parseScoreMethod(values.score);
  const batch = values.batch === undefined ? 8 : Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch must be a positive integer (got "${values.batch}")`);

  const m = await loadModelFromPath(values.model, { hubBase: values['hub-base'] });
  for (const w of m.warnings) process.stderr.write(`tabtune: warning: ${w}\n`);
  const tok = m.tokenizer;
  if (!tok) throw new UsageError(`${values.model}: scoring text needs tokenizer.json beside the model`);
  const adapter = await loadAdapterFromDir(values.adapter, m.config);
  if (adapter.meta?.recipe !== 's3ft-discriminator') {
    throw new UsageError(`${values.adapter}: not an S3FT discriminator adapter (tabtune.json recipe is ${JSON.stringify(adapter.meta?.recipe ?? null)}; train one with --recipe s3ft-discriminator)`);
  }
  const sidecarPath = join(values.adapter, S3FT_JSON);
  let sidecar: { threshold?: number | null; heldOutLines?: number[]; labelledHash?: string; seqLen?: number; promptVersion?: number } = {};
  if (existsSync(sidecarPath)) {
    try {
      sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8'));
    } catch {
      throw new UsageError(`${sidecarPath}: not valid JSON`);
    }
  }
  if (sidecar.promptVersion !== undefined && sidecar.promptVersion !== DISCRIMINATOR_PROMPT_VERSION) {
    throw new UsageError(`${sidecarPath}: the discriminator was trained on prompt version ${sidecar.promptVersion}; this tabtune builds version ${DISCRIMINATOR_PROMPT_VERSION}`);
  }
  const seqLen = values['seq-len'] === undefined ? Math.min(sidecar.seqLen ?? S3FT_SEQ_LEN, m.config.maxPositionEmbeddings) : Number(values['seq-len']);
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new UsageError(`--seq-len must be a positive integer (got "${values['seq-len']}")`);

  const cands = readS3ftFile(values.data, 'ignore');
  const fc = fitDiscriminator(tok, cands.records, seqLen);
  reportFit('candidates', fc, seqLen);
  if (fc.items.length === 0) throw new DataError(values.data, `no candidate fits --seq-len ${seqLen}`);

  let held: DiscriminatorPlan['heldOut'] | null = null;
  if (values.labelled) {
    const lab = readS3ftFile(values.labelled, 'required');
    // The same file stage A trained on: judge only the records it held out. Another file: all of it.
    const same = sidecar.labelledHash !== undefined && sidecar.labelledHash === (await sha256Hex(lab.bytes)) && Array.isArray(sidecar.heldOutLines);
    const pick = same ? lab.records.filter((r) => sidecar.heldOutLines!.includes(r.line)) : lab.records;
    process.stderr.write(`held-out: ${pick.length} labelled records (${same ? "the split stage A held out" : 'the whole file: not the file stage A trained on'})\n`);
    const fh = fitDiscriminator(tok, pick, seqLen);
    reportFit('held-out', fh, seqLen);
    if (fh.items.length > 0) held = { records: fh.items, truth: fh.sources.map((s) => s.label!), lines: fh.sources.map((s) => s.line) };
  }

  const engine = await chooseEngine(values.engine);
  process.stderr.write(`engine: ${engine.label} (${engine.why})\n`);
  const cfg: SessionConfig = {
    ...DEFAULT_SESSION, recipe: 'sft', lora: adapter.config, baseDtype: parseBaseDtype(values['base-dtype'], m.nativeDtype),
    seqLen, steps: 1, batchSize: batch, valFraction: 0, evalSamples: 0, evalEvery: 0, checkpointEvery: 0,
  };
  // A session only for its engine: nothing is trained. Its "training examples" are the candidates.
  const session = await TrainingSession.create(cfg, {
    config: m.config, weights: m.weights, tokenizer: tok, records: fc.items, initialLora: adapter.params,
    engine: engine.kind === 'webgpu' ? { kind: 'webgpu', gpu: engine.gpu! } : { kind: 'reference' },
  });
  try {
    const score = (recs: NormalizedRecord[]) => scoreRecords((t, B, T) => session.logits(t, B, T), tok, recs, { method, batchSize: batch, vocabSize: m.config.vocabSize });
    let heldEval: DiscriminatorEval | null = null;
    let chosen = null;
    let threshold: number;
    let thresholdSource: 'flag' | 'labelled' | 'adapter' | 'default';
    if (held) {
      const hs = await score(held.records);
      const pEx = hs.scores.map((s) => s.pExcellent);
      chosen = chooseThreshold(pEx, held.truth.map((t) => t === 'excellent'), criterion);
      threshold = flagThreshold ?? chosen.threshold;
      thresholdSource = flagThreshold !== undefined ? 'flag' : 'labelled';
      heldEval = evaluateDiscriminator(hs.scores, held.truth, threshold);
      process.stderr.write(`${describeEval('held-out', heldEval)}\n${formatConfusion(heldEval)}\n`);
    } else if (flagThreshold !== undefined) {
      threshold = flagThreshold;
      thresholdSource = 'flag';
    } else if (typeof sidecar.threshold === 'number') {
      threshold = sidecar.threshold;
      thresholdSource = 'adapter';
    } else {
      threshold = 0.5;
      thresholdSource = 'default';
    }
    const cs = await score(fc.items);
    const lines: string[] = [];
    const predicted = Object.fromEntries(S3FT_LABELS.map((l) => [l, 0])) as Record<S3ftLabel, number>;
    cs.scores.forEach((s, i) => {
      predicted[s.predicted]++;
      if (s.pExcellent >= threshold) lines.push(JSON.stringify(s3ftToJson(fc.sources[i], { p_excellent: Number(s.pExcellent.toFixed(6)), predicted: s.predicted })));
    });
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, lines.length ? `${lines.join('\n')}\n` : '');
    process.stderr.write(`filter: kept ${lines.length} of ${fc.items.length} scored candidates (P(excellent) ≥ ${threshold.toFixed(4)}, ${thresholdSource}; scoring ${cs.method}) → ${values.out}\n`);
    const summary = {
      ok: true, error: null, recipe: 's3ft-filter', out: values.out, engine: engine.label, scoring: cs.method,
      candidates: { read: cands.report.total, rejected: cands.report.rejected, skipped: fc.skipped.length, scored: fc.items.length, historyTrimmed: fc.historyTrimmed },
      kept: lines.length, threshold, thresholdSource, thresholdMetric: criterion, predicted,
      heldOut: heldEval ? { ...heldEval, chosenThreshold: chosen } : null,
      seconds: (Date.now() - started) / 1000,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    session.dispose();
    engine.gpu?.dispose();
  }
}
