// `tabtune train --model M --data FILE [--recipe self-prompt|sft] [--steps N | --epochs E] [--batch B]
//  [--seq-len T] [--lr X] [--rank R] [--alpha A] [--targets q_proj,v_proj|all-linear] [--base-dtype ...]
//  [--eval-every N] [--seed S] [--resume DIR] [--engine auto|webgpu|wasm|cpu] --out DIR`
// `--method prompt|prefix [--virtual-tokens N] [--prompt-init random|text:"..."]` trains a soft prompt
// (prompt tuning / prefix tuning, recipes.md §4) instead of LoRA, with lr 3e-2 unless --lr is given; DIR
// then receives a PROMPT_TUNING / PREFIX_TUNING adapter (formats/peft-prompt.ts).
// DIR receives the PEFT adapter, tabtune.json, metrics.jsonl and checkpoints/; progress goes to stderr
// and one JSON summary line to stdout.
// `--recipe rolebench --profiles desc.json [--system-template T]` (recipes.md §2, docs/recipes.md): RoleBench
// JSONL read with readRoleBench, trained as 'sft' with each role's system prompt (masked), and ROUGE-L
// (per role, CUS / SPE / RAW) measured on validation records before and after training: `rouge` in the
// summary, `{"type":"rouge"}` lines in metrics.jsonl.
// S3FT (recipes.md §3, docs/recipes.md § S3FT; records and stage B in ./s3ft.ts):
//   `--recipe s3ft-discriminator` (stage A) trains the discriminator on labelled records and measures it
//   on the held-out ones before and after (`discriminator` in the summary; DIR/s3ft.json keeps the
//   threshold chosen there); `--recipe s3ft-filter --adapter DIR --out kept.jsonl` (stage B) scores and
//   filters candidates, training nothing; `--recipe s3ft-sft [--loss-on final|all-assistant]` (stage C).
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { LORA_TARGETS, SOFT_PROMPT_METHODS, type LoraTarget, type SoftPromptConfig } from '../engine/config.ts';
import { readDataset } from '../data/read.ts';
import type { NormalizedRecord } from '../data/records.ts';
import { readProfiles, readRoleBench } from '../data/rolebench.ts';
import { splitTrainVal } from '../data/template.ts';
import { CHECKPOINT_JSON, CHECKPOINT_TENSORS, decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint.ts';
import { adapterFiles, sha256Hex, softPromptFiles } from '../train/export.ts';
import { chooseThreshold, formatConfusion } from '../train/s3ft.ts';
import { generateRoleBenchSamples, scoreRoleBench, sessionAsker, type RoleBenchRouge } from '../train/rolebench-eval.ts';
import { DEFAULT_SESSION, TrainingSession, type SessionConfig, type SessionEvent } from '../train/session.ts';
import { parse } from './args.ts';
import { chooseEngine } from './engine-choice.ts';
import { UsageError } from './errors.ts';
import { loadModelFromPath, parseBaseDtypeChoice } from './load.ts';
import {
  describeEval, isS3ftRecipe, measureDiscriminator, parseLossOn, parseScoreMethod, parseThresholdMetric, planDiscriminator, planSft, s3ftFilter,
  S3FT_DISCRIMINATOR_VAL_FRACTION, S3FT_JSON, S3FT_SEQ_LEN, type DiscriminatorPlan,
} from './s3ft.ts';
import { DISCRIMINATOR_PROMPT_VERSION, S3FT_LABELS } from '../data/s3ft.ts';

const num = (v: string | undefined, name: string, int = false): number | undefined => {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || (int && !Number.isInteger(x))) throw new UsageError(`--${name} must be ${int ? 'an integer' : 'a number'} (got "${v}")`);
  return x;
};

export function parseTargets(v: string | undefined): LoraTarget[] | undefined {
  if (v === undefined) return undefined;
  if (v === 'all-linear') return [...LORA_TARGETS];
  const ts = v.split(',').map((s) => s.trim());
  for (const t of ts) if (!(LORA_TARGETS as readonly string[]).includes(t)) throw new UsageError(`--targets: "${t}" is not one of ${LORA_TARGETS.join(', ')} (or all-linear)`);
  return ts as LoraTarget[];
}

/**
 * `--method lora|prompt|prefix [--virtual-tokens N] [--prompt-init random|text:"..."]` → the soft
 * prompt (null for LoRA, the default).
 */
/** Soft prompts need a much higher learning rate than LoRA (recipes.md §4: ~3e-2). */
export const SOFT_PROMPT_LR = 3e-2;

export function parseSoftPromptArgs(method: string | undefined, tokens: string | undefined, init: string | undefined): SoftPromptConfig | null {
  const m = method ?? 'lora';
  if (m !== 'lora' && !(SOFT_PROMPT_METHODS as readonly string[]).includes(m)) throw new UsageError(`--method must be lora, prompt or prefix (got "${m}")`);
  if (m === 'lora') {
    if (tokens !== undefined || init !== undefined) throw new UsageError('--virtual-tokens and --prompt-init go with --method prompt or prefix');
    return null;
  }
  const P = num(tokens, 'virtual-tokens', true) ?? 20;
  if (P < 1) throw new UsageError(`--virtual-tokens must be a positive integer (got ${P})`);
  let pi: SoftPromptConfig['init'] = { kind: 'random' };
  if (init !== undefined && init !== 'random') {
    if (!init.startsWith('text:') || init.length <= 5) throw new UsageError(`--prompt-init must be random or text:"..." (got "${init}")`);
    if (m === 'prefix') throw new UsageError('--prompt-init text:… goes with --method prompt (prefix tuning starts random)');
    pi = { kind: 'text', text: init.slice(5) };
  }
  return { method: m as SoftPromptConfig['method'], virtualTokens: P, init: pi };
}

function progressLine(step: number, total: number, loss: number, tps: number, etaS: number): string {
  const w = 24, done = Math.round((w * step) / total);
  return `\r[${'#'.repeat(done)}${'.'.repeat(w - done)}] step ${step}/${total} loss ${loss.toFixed(4)} ${tps.toFixed(0)} tok/s ETA ${Math.max(0, etaS).toFixed(0)}s `;
}

export async function train(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' },
    recipe: { type: 'string', default: 'self-prompt' }, steps: { type: 'string' }, epochs: { type: 'string' },
    batch: { type: 'string' }, 'grad-accum': { type: 'string' }, 'seq-len': { type: 'string' }, lr: { type: 'string' },
    rank: { type: 'string' }, alpha: { type: 'string' }, targets: { type: 'string' }, 'base-dtype': { type: 'string' },
    'eval-every': { type: 'string' }, 'eval-samples': { type: 'string' }, seed: { type: 'string' }, resume: { type: 'string' },
    engine: { type: 'string', default: 'auto' }, separator: { type: 'string' }, 'val-fraction': { type: 'string' },
    checkpointing: { type: 'boolean' }, quiet: { type: 'boolean' }, debug: { type: 'boolean' }, 'hub-base': { type: 'string' },
    profiles: { type: 'string' }, 'system-template': { type: 'string' },
    adapter: { type: 'string' }, labelled: { type: 'string' }, threshold: { type: 'string' }, 'threshold-metric': { type: 'string' },
    score: { type: 'string' }, 'loss-on': { type: 'string' },
    method: { type: 'string', default: 'lora' }, 'virtual-tokens': { type: 'string' }, 'prompt-init': { type: 'string' },
  });
  if (values.recipe === 's3ft-filter') return s3ftFilter(values);
  if (!values.model) throw new UsageError('--model <path> is required');
  if (!values.data) throw new UsageError('--data <file> is required (JSON, JSONL or CSV)');
  if (!values.out) throw new UsageError('--out <dir> is required');
  if (values.recipe !== 'self-prompt' && values.recipe !== 'sft' && values.recipe !== 'rolebench' && !isS3ftRecipe(values.recipe)) {
    throw new UsageError(`--recipe must be self-prompt, sft, rolebench, s3ft-discriminator, s3ft-filter or s3ft-sft (got "${values.recipe}")`);
  }
  const s3ft = isS3ftRecipe(values.recipe) ? values.recipe : null;
  const discriminator = s3ft === 's3ft-discriminator';
  if (!s3ft && (values.adapter || values.labelled || values.threshold || values['threshold-metric'] || values.score || values['loss-on'])) {
    throw new UsageError('--adapter, --labelled, --threshold, --threshold-metric, --score and --loss-on go with the s3ft recipes');
  }
  if (values['loss-on'] && s3ft !== 's3ft-sft') throw new UsageError('--loss-on goes with --recipe s3ft-sft');
  if ((values.adapter || values.labelled || values.threshold) && s3ft) throw new UsageError('--adapter, --labelled and --threshold go with --recipe s3ft-filter');
  const lossOn = parseLossOn(values['loss-on']);
  const scoreMethod = parseScoreMethod(values.score);
  const thresholdMetric = parseThresholdMetric(values['threshold-metric']);
  const roleBench = values.recipe === 'rolebench';
  if (roleBench && !values.profiles) throw new UsageError('--recipe rolebench needs --profiles <desc.json> (role → description)');
  if (!roleBench && (values.profiles || values['system-template'])) throw new UsageError('--profiles and --system-template go with --recipe rolebench');
  if (values.profiles && !existsSync(values.profiles)) throw new UsageError(`${values.profiles}: no such file`);
  if (values.steps && values.epochs) throw new UsageError('give --steps or --epochs, not both');
  if (!existsSync(values.data)) throw new UsageError(`${values.data}: no such file`);

  const m = await loadModelFromPath(values.model, { hubBase: values['hub-base'], baseDtype: parseBaseDtypeChoice(values['base-dtype']) });
  for (const w of m.warnings) process.stderr.write(`tabtune: warning: ${w}\n`);
  if (!m.tokenizer) throw new UsageError(`${values.model}: training on text needs tokenizer.json beside the model`);
  const bytes = new Uint8Array(readFileSync(values.data));
  let records: NormalizedRecord[];
  let profilesText = '';
  if (roleBench) {
    profilesText = readFileSync(values.profiles!, 'utf8');
    const template = values['system-template']?.replace(/\\n/g, '\n');
    const rb = readRoleBench(bytes, values.data, readProfiles(profilesText, values.profiles!), template === undefined ? {} : { systemTemplate: template });
    records = rb.records;
    const dropped = Object.entries(rb.report.dropped).filter(([, c]) => c > 0).map(([r, c]) => `${c} ${r}`).join(', ') || 'none';
    process.stderr.write(`data: ${rb.report.kept} RoleBench records kept of ${rb.report.total} (${rb.report.perCategory.general} general, ${rb.report.perCategory.role_specific} role-specific, ${Object.keys(rb.report.perRole).length} roles); dropped: ${dropped}\n`);
    if (rb.report.unknownRoles.length) process.stderr.write(`  roles without a profile: ${rb.report.unknownRoles.slice(0, 10).join(', ')}\n`);
    for (const r of rb.report.rejections.slice(0, 10)) process.stderr.write(`  ${values.data}:${r.line}: ${r.reason}: ${r.message}\n`);
  } else if (s3ft) {
    records = []; // read below, once the sequence length is known (long records lose their oldest history)
  } else {
    const { records: read, report } = readDataset(bytes, values.data);
    records = read;
    process.stderr.write(`data: ${report.kept} records kept, ${report.rejected} rejected (${report.layout}, ${report.format})\n`);
    for (const r of report.rejections.slice(0, 10)) process.stderr.write(`  ${values.data}:${r.line}: ${r.reason}: ${r.message}\n`);
  }

  const soft = parseSoftPromptArgs(values.method, values['virtual-tokens'], values['prompt-init']);
  if (soft && (values.rank || values.alpha || values.targets)) throw new UsageError(`--rank, --alpha and --targets go with --method lora (not ${soft.method})`);
  const lora = { ...DEFAULT_SESSION.lora };
  lora.rank = num(values.rank, 'rank', true) ?? lora.rank;
  lora.alpha = num(values.alpha, 'alpha') ?? lora.rank * 2;
  lora.targets = parseTargets(values.targets) ?? lora.targets;
  const cfg: SessionConfig = {
    ...DEFAULT_SESSION,
    recipe: values.recipe === 'rolebench' || s3ft ? 'sft' : values.recipe as 'self-prompt' | 'sft', lora,
    baseDtype: m.baseDtype,
    batchSize: num(values.batch, 'batch', true) ?? DEFAULT_SESSION.batchSize,
    gradAccum: num(values['grad-accum'], 'grad-accum', true) ?? 1,
    seqLen: num(values['seq-len'], 'seq-len', true) ?? Math.min(s3ft ? S3FT_SEQ_LEN : DEFAULT_SESSION.seqLen, m.config.maxPositionEmbeddings),
    lr: num(values.lr, 'lr') ?? (soft ? SOFT_PROMPT_LR : DEFAULT_SESSION.lr),
    evalEvery: num(values['eval-every'], 'eval-every', true) ?? DEFAULT_SESSION.evalEvery,
    // rolebench: the session's own samples would be generated without the role prompts; rougeAt below makes them.
    // s3ft: samples would ask the first user turn without the history; discriminator: it is measured below.
    evalSamples: values.recipe === 'rolebench' || discriminator ? 0 : num(values['eval-samples'], 'eval-samples', true) ?? (s3ft ? 0 : DEFAULT_SESSION.evalSamples),
    seed: num(values.seed, 'seed', true) ?? DEFAULT_SESSION.seed,
    valFraction: num(values['val-fraction'], 'val-fraction') ?? (discriminator ? S3FT_DISCRIMINATOR_VAL_FRACTION : DEFAULT_SESSION.valFraction),
    separator: values.separator?.replace(/\\n/g, '\n') ?? DEFAULT_SESSION.separator,
    checkpointing: values.checkpointing ?? false,
    steps: num(values.steps, 'steps', true) ?? DEFAULT_SESSION.steps,
    epochs: num(values.epochs, 'epochs'),
    ...(s3ft === 's3ft-sft' ? { lossOn } : {}),
    ...(soft ? { method: soft.method, virtualTokens: soft.virtualTokens, promptInit: soft.init } : {}),
  };
  // S3FT: stage A splits the labelled records itself (its held-out records measure the discriminator).
  let valRecords: NormalizedRecord[] | undefined;
  let disc: DiscriminatorPlan | null = null;
  let sftInfo: ReturnType<typeof planSft> | null = null;
  if (discriminator) {
    disc = await planDiscriminator(values.data, m.tokenizer, cfg);
    records = disc.records;
    valRecords = disc.valRecords;
  } else if (s3ft === 's3ft-sft') {
    sftInfo = planSft(values.data, m.tokenizer, cfg, lossOn);
    records = sftInfo.records;
  }
  if (roleBench) {
    // Role profiles make long system prompts, and examples are truncated from the end: say so early.
    const longest = Math.max(...[...new Set(records.map((r) => r.system ?? ''))].map((t) => m.tokenizer!.encode(t, { addSpecialTokens: false }).length));
    if (longest >= cfg.seqLen / 2) process.stderr.write(`tabtune: warning: the longest role system prompt is ${longest} tokens of --seq-len ${cfg.seqLen}: answers may be cut or skipped (raise --seq-len or shorten --system-template)\n`);
  }
  const engine = await chooseEngine(values.engine);
  process.stderr.write(`engine: ${engine.label} (${engine.why})\n`);

  const out = values.out;
  mkdirSync(join(out, 'checkpoints'), { recursive: true });
  const metricsPath = join(out, 'metrics.jsonl');
  const started = Date.now();
  let total = cfg.steps;
  const emit = (e: SessionEvent) => {
    if (e.type === 'data') {
      process.stderr.write(`examples: ${e.train} train, ${e.val} validation, ${e.skipped.length} skipped; ${e.stats.tokens} tokens, ${(100 * e.stats.lossFraction).toFixed(0)} % trained, ${e.stats.truncated} truncated\n`);
    } else if (e.type === 'step') {
      appendFileSync(metricsPath, `${JSON.stringify({ type: 'step', ...e.e })}\n`);
      const eta = ((Date.now() - started) / e.e.step) * (total - e.e.step) / 1000;
      if (!values.quiet) process.stderr.write(progressLine(e.e.step, total, e.e.loss, e.e.tokensPerSecond, eta));
    } else if (e.type === 'eval') {
      appendFileSync(metricsPath, `${JSON.stringify({ type: 'eval', step: e.e.step, valLoss: e.e.valLoss, rolePromptRate: e.e.rolePromptRate, rougeRolePrompt: e.e.rougeRolePrompt, rougeAnswer: e.e.rougeAnswer, samples: e.e.samples })}\n`);
      process.stderr.write(`\neval @${e.e.step}: val loss ${e.e.valLoss?.toFixed(4) ?? '—'}${s3ft ? '' : `, role-prompt rate ${(100 * e.e.rolePromptRate).toFixed(0)} %`}\n`);
    }
  };
  const dataHash = await sha256Hex(bytes);
  const runId = {
    model: values.model, data: dataHash, recipe: cfg.recipe, seed: cfg.seed, lora: cfg.lora, seqLen: cfg.seqLen, batch: cfg.batchSize,
    ...(soft ? { softPrompt: soft } : {}),
    ...(roleBench ? { rolebench: { profiles: await sha256Hex(new TextEncoder().encode(profilesText)), systemTemplate: values['system-template'] ?? null } } : {}),
    ...(s3ft ? { s3ft: { recipe: s3ft, promptVersion: DISCRIMINATOR_PROMPT_VERSION, lossOn: cfg.lossOn ?? null, valFraction: cfg.valFraction } } : {}),
  };

  let resume = null;
  if (values.resume) {
    const dir = values.resume;
    const latest = join(dir, 'checkpoints', 'latest');
    const ckDir = existsSync(join(dir, CHECKPOINT_JSON)) ? dir : existsSync(latest) ? join(dir, 'checkpoints', readFileSync(latest, 'utf8').trim()) : null;
    if (!ckDir || !existsSync(join(ckDir, CHECKPOINT_JSON))) throw new UsageError(`--resume ${dir}: no checkpoint found (expected ${CHECKPOINT_JSON} or checkpoints/latest)`);
    const d = await decodeCheckpoint(readFileSync(join(ckDir, CHECKPOINT_JSON), 'utf8'), new Uint8Array(readFileSync(join(ckDir, CHECKPOINT_TENSORS))), ckDir);
    if (JSON.stringify(d.run) !== JSON.stringify(runId)) throw new UsageError(`--resume ${dir}: the checkpoint was made with a different model, data or config`);
    resume = d.checkpoint;
  }

  const session = await TrainingSession.create(cfg, {
    config: m.config, weights: m.weights, tokenizer: m.tokenizer, records, ...(valRecords ? { valRecords } : {}),
    engine: engine.kind === 'webgpu' ? { kind: 'webgpu', gpu: engine.gpu! } : { kind: 'reference' },
  }, emit);
  total = session.trainer.cfg.steps;
  session.onCheckpoint = async (c) => {
    const name = `step-${String(c.step).padStart(6, '0')}`;
    const dir = join(out, 'checkpoints', name);
    mkdirSync(dir, { recursive: true });
    const enc = encodeCheckpoint(c, runId);
    writeFileSync(join(dir, CHECKPOINT_TENSORS), enc.tensors);
    writeFileSync(join(dir, CHECKPOINT_JSON), enc.json);
    writeFileSync(join(out, 'checkpoints', 'latest.tmp'), name);
    renameSync(join(out, 'checkpoints', 'latest.tmp'), join(out, 'checkpoints', 'latest'));
  };
  if (resume) {
    session.trainer.resume(resume);
    process.stderr.write(`resumed at step ${resume.step}\n`);
  }
  const before = resume ? null : await session.evaluate(0);
  // RoleBench: ROUGE-L on validation records (the session's own split), each generated under its role's
  // system prompt; without validation records, the first training records.
  const rougeRecords = roleBench ? (() => {
    const { train: tr, val } = splitTrainVal(records, { valFraction: cfg.valFraction, seed: cfg.seed });
    return (val.length ? val : tr).slice(0, num(values['eval-samples'], 'eval-samples', true) ?? 16);
  })() : [];
  const rougeAt = async (step: number): Promise<RoleBenchRouge> => {
    const samples = await generateRoleBenchSamples(sessionAsker(session), rougeRecords);
    const rouge = scoreRoleBench(samples, rougeRecords);
    appendFileSync(metricsPath, `${JSON.stringify({ type: 'rouge', step, ...rouge, samples: samples.map((s, i) => ({ ...s, role: rougeRecords[i].role, category: rougeRecords[i].category, reference: rougeRecords[i].answer })) })}\n`);
    const f = (g: { rougeL: number | null }) => g.rougeL?.toFixed(4) ?? '—';
    process.stderr.write(`rouge-L @${step} (${rouge.overall.n} samples): overall ${f(rouge.overall)}, CUS ${f(rouge.cus)}, SPE ${f(rouge.spe)}, RAW ${f(rouge.raw)}\n`);
    return rouge;
  };
  const rougeBefore = roleBench && !resume ? await rougeAt(session.trainer.step) : null;
  // S3FT stage A: the discriminator on the held-out labelled records (argmax accuracy, confusion matrix).
  const discAt = async (step: number) => {
    if (!disc || disc.heldOut.records.length === 0) return null;
    const r = await measureDiscriminator(session, m.tokenizer!, disc.heldOut, { method: scoreMethod, batch: cfg.batchSize, vocabSize: m.config.vocabSize });
    appendFileSync(metricsPath, `${JSON.stringify({ type: 'discriminator', step, scoring: r.method, ...r.eval })}\n`);
    process.stderr.write(`${describeEval(step, r.eval)}\n`);
    return r;
  };
  const discBefore = disc && !resume ? await discAt(session.trainer.step) : null;
  let failure: Error | null = null;
  try {
    await session.run();
  } catch (e) {
    failure = e as Error;
  }
  process.stderr.write('\n');
  const rougeAfter = roleBench && !failure ? await rougeAt(session.trainer.step) : null;
  const discAfter = disc && !failure ? await discAt(session.trainer.step) : null;
  let discSummary = null;
  if (disc) {
    // The filter's default threshold: the one that maximises --threshold-metric on the held-out records.
    const chosen = discAfter ? chooseThreshold(discAfter.pExcellent, disc.heldOut.truth.map((t) => t === 'excellent'), thresholdMetric) : null;
    if (discAfter) process.stderr.write(`${formatConfusion(discAfter.eval)}\nthreshold: P(excellent) ≥ ${chosen!.threshold.toFixed(4)} (${thresholdMetric} ${chosen![thresholdMetric].toFixed(3)} on the held-out records)\n`);
    const strip = (r: typeof discAfter) => r && { accuracy: r.eval.accuracy, meanTrueProb: r.eval.meanTrueProb, confusion: r.eval.confusion };
    discSummary = {
      heldOut: disc.heldOut.records.length, labels: S3FT_LABELS, scoring: discAfter?.method ?? discBefore?.method ?? null,
      before: strip(discBefore), after: strip(discAfter), threshold: chosen?.threshold ?? null, thresholdMetric, excellent: chosen,
    };
    if (!failure) {
      writeFileSync(join(out, S3FT_JSON), `${JSON.stringify({
        recipe: 's3ft-discriminator', promptVersion: DISCRIMINATOR_PROMPT_VERSION, labels: S3FT_LABELS, seqLen: cfg.seqLen, seed: cfg.seed,
        valFraction: cfg.valFraction, labelledHash: disc.labelledHash, heldOutLines: disc.heldOut.lines, scoring: discSummary.scoring,
        threshold: discSummary.threshold, thresholdMetric, excellent: chosen, before: discBefore?.eval ?? null, after: discAfter?.eval ?? null,
      }, null, 2)}\n`);
    }
  }
  const params = await session.backend.getLora();
  const meta = {
    recipe: s3ft ?? cfg.recipe, separator: cfg.separator, systemPrompt: cfg.systemPrompt ?? null, chatTemplate: m.tokenizer.chatTemplate ?? null,
    dataHash, baseModel: values.model, baseDtype: cfg.baseDtype, steps: session.trainer.step, seed: cfg.seed, tabtuneVersion: '0.1.0',
  };
  const softValues = soft ? await session.backend.getSoftPrompt() : null;
  const files = soft && softValues ? softPromptFiles(m.config, soft, softValues, meta) : adapterFiles(m.config, cfg.lora, params, meta);
  if (!failure) for (const [name, content] of files) writeFileSync(join(out, name), content);
  const last = session.evals.at(-1);
  const h = session.trainer.history;
  const summary = {
    ok: !failure, error: failure?.message ?? null, out, engine: engine.label, steps: session.trainer.step,
    trainableParameters: session.backend.trainableParameters,
    firstLoss: h[0]?.loss ?? null, finalLoss: h.at(-1)?.loss ?? null,
    valLossBefore: before?.valLoss ?? null, valLossAfter: last?.valLoss ?? null,
    rolePromptRateBefore: before?.rolePromptRate ?? null, rolePromptRateAfter: last?.rolePromptRate ?? null,
    ...(roleBench ? { rouge: { samples: rougeRecords.length, before: rougeBefore, after: rougeAfter } } : {}),
    ...(s3ft ? { recipe: s3ft } : {}),
    ...(discSummary ? { discriminator: discSummary } : {}),
    ...(sftInfo ? { s3ft: { records: sftInfo.records.length, historyTrimmed: sftInfo.historyTrimmed, skipped: sftInfo.skipped, systemRole: sftInfo.systemRole, lossOn } } : {}),
    seconds: (Date.now() - started) / 1000,
  };
  session.dispose();
  engine.gpu?.dispose();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (failure) {
    process.stderr.write(`tabtune: ${failure.message}\n`);
    return 1;
  }
  return 0;
}
