// `npm run demo:eval`: the demo property of the embedded default, measured end to end.
//   1. the base model (public/models/tabtune-tiny) answers the held-out questions: role-prompt rate ≈ 0;
//   2. default self-prompt LoRA tuning on public/data/self-prompt.train.jsonl;
//   3. the tuned model on the same held-out questions: role-prompt rate, validation loss change,
//      ROUGE-L of generated role prompts and answers against the references, the share of role prompts
//      that fit the question's domain or name its subject, five examples; for comparison, domain fit on
//      the validation split's questions (training domains, questions not trained on).
// Usage: npm run demo:eval -- [--engine auto|webgpu|wasm|cpu] [--steps N] [--lr X] [--batch N] [--questions N] [--model DIR] [--json FILE]
//        [--method lora|prompt|prefix] [--virtual-tokens N] [--prompt-init random|text:"..."]  (soft prompts: lr 3e-2 unless --lr)
// (scripts/run.mjs registers tsx and the .wgsl?raw hook, as the CLI does).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chooseEngine } from '../src/cli/engine-choice.ts';
import { loadModelFromPath } from '../src/cli/load.ts';
import { parseSoftPromptArgs, SOFT_PROMPT_LR } from '../src/cli/train.ts';
import { readDataset } from '../src/data/read.ts';
import { splitTrainVal } from '../src/data/template.ts';
import { domainFitRate, meanRougeL, rolePromptRate, subjectRate } from '../src/train/metrics.ts';
import { DEMO_SESSION, TrainingSession, type EvalEvent } from '../src/train/session.ts';
import { TOPICS } from './sample-data-topics.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'auto' },
    steps: { type: 'string' },
    json: { type: 'string' },
    questions: { type: 'string' },
    model: { type: 'string', default: 'public/models/tabtune-tiny' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    method: { type: 'string', default: 'lora' },
    'virtual-tokens': { type: 'string' },
    'prompt-init': { type: 'string' },
  },
});
const soft = parseSoftPromptArgs(values.method, values['virtual-tokens'], values['prompt-init']);

const MODEL = values.model!;
const t0 = Date.now();
const m = await loadModelFromPath(MODEL);
if (!m.tokenizer) throw new Error(`${MODEL}: tokenizer missing`);
const train = readDataset(new Uint8Array(readFileSync('public/data/self-prompt.train.jsonl')), 'self-prompt.train.jsonl').records;
const heldAll = readDataset(new Uint8Array(readFileSync('public/data/self-prompt.heldout.jsonl')), 'self-prompt.heldout.jsonl').records;
const held = values.questions ? heldAll.slice(0, Number(values.questions)) : heldAll;
const engine = await chooseEngine(values.engine);
process.stderr.write(`engine: ${engine.label} (${engine.why})\n`);

const cfg = { ...DEMO_SESSION, ...(soft ? { method: soft.method, virtualTokens: soft.virtualTokens, promptInit: soft.init } : {}), steps: values.steps ? Number(values.steps) : DEMO_SESSION.steps, lr: values.lr ? Number(values.lr) : soft ? SOFT_PROMPT_LR : DEMO_SESSION.lr, batchSize: values.batch ? Number(values.batch) : DEMO_SESSION.batchSize, evalEvery: 0, evalSamples: held.length };
const session = await TrainingSession.create(cfg, {
  config: m.config, weights: m.weights, tokenizer: m.tokenizer, records: train, evalRecords: held,
  engine: engine.kind === 'webgpu' ? { kind: 'webgpu', gpu: engine.gpu! } : { kind: 'reference' },
}, (e) => {
  if (e.type === 'step' && (e.e.step % 10 === 0 || e.e.step === 1)) process.stderr.write(`step ${e.e.step}/${cfg.steps} loss ${e.e.loss.toFixed(3)} (${(e.e.elapsedMs / 1000).toFixed(0)} s)\n`);
});

process.stderr.write(`base model on ${held.length} held-out questions…\n`);
const before: EvalEvent = await session.evaluate(0);
const tTrain = Date.now();
await session.run();
const trainSeconds = (Date.now() - tTrain) / 1000;
process.stderr.write(`tuned model on ${held.length} held-out questions…\n`);
const after: EvalEvent = await session.evaluate(session.trainer.step);

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(3));
const drop = before.valLoss && after.valLoss ? 1 - after.valLoss / before.valLoss : null;
const roleRouge = (e: EvalEvent) => {
  const withRole = e.samples.filter((s) => s.rolePrompt && s.reference.rolePrompt);
  return withRole.length ? meanRougeL(withRole.map((s) => s.rolePrompt!), withRole.map((s) => s.reference.rolePrompt!)) : null;
};
// Domain fit: does the generated role prompt name a word only its domain's reference role prompts use
// (src/train/metrics.ts domainFitRate)? References: every domain of the train and held-out files.
const rawRecords = (file: string) =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { question: string; role_prompt: string; domain: string });
// Subject: does the role prompt name what the question is about (scripts/sample-data-topics.ts, one
// hand-picked phrase per question, copied from it)? A weaker test of fit than naming a fitting expert.
const refsByDomain = new Map<string, string[]>();
const domainOf = new Map<string, string>();
for (const file of ['public/data/self-prompt.train.jsonl', 'public/data/self-prompt.heldout.jsonl']) {
  for (const r of rawRecords(file)) {
    refsByDomain.set(r.domain, [...(refsByDomain.get(r.domain) ?? []), r.role_prompt]);
    domainOf.set(r.question, r.domain);
  }
}
const fits = (e: EvalEvent) => {
  const g = e.samples.map((s) => ({ rolePrompt: s.rolePrompt ?? null, domain: domainOf.get(s.question) ?? '?', subject: TOPICS[s.question] ?? null }));
  return { domain: domainFitRate(g, refsByDomain), subject: subjectRate(g) };
};
const fitBefore = fits(before);
const fitAfter = fits(after);
// For comparison, where the domain is known: the validation split's questions (training domains, but
// questions the tuning never saw), answered by the tuned model.
const seenVal = splitTrainVal(train, { valFraction: cfg.valFraction, seed: cfg.seed }).val;
process.stderr.write(`tuned model on ${seenVal.length} validation questions of the training domains…\n`);
const seenGen: { rolePrompt: string | null; domain: string }[] = [];
for (const r of seenVal) seenGen.push({ rolePrompt: (await session.ask(r.question)).rolePrompt, domain: domainOf.get(r.question) ?? '?' });
const fitSeen = domainFitRate(seenGen, refsByDomain);
session.dispose();
engine.gpu?.dispose();
const frac = (x: { rate: number }, n: number, d: number) => `${pct(x.rate)} (${n}/${d})`;
const lines = [
  `| | base | tuned |`,
  `|---|---:|---:|`,
  `| role-prompt rate (held-out, n=${held.length}) | ${pct(before.rolePromptRate)} | ${pct(after.rolePromptRate)} |`,
  `| validation loss | ${fmt(before.valLoss)} | ${fmt(after.valLoss)} (${drop === null ? '—' : `−${pct(drop)}`}) |`,
  `| ROUGE-L role prompt vs reference | ${fmt(roleRouge(before))} | ${fmt(roleRouge(after))} |`,
  `| role prompt names the question's subject | ${frac(fitBefore.subject, fitBefore.subject.naming, fitBefore.subject.total)} | ${frac(fitAfter.subject, fitAfter.subject.naming, fitAfter.subject.total)} |`,
  `| role prompt fits the domain (names a word only that domain's references use) | ${frac(fitBefore.domain, fitBefore.domain.fitting, fitBefore.domain.total)} | ${frac(fitAfter.domain, fitAfter.domain.fitting, fitAfter.domain.total)} |`,
  `| ROUGE-L answer vs reference | ${fmt(before.rougeAnswer)} | ${fmt(after.rougeAnswer)} |`,
  `| for comparison: fits the domain on the training domains' validation questions (n=${seenVal.length}) | — | ${frac(fitSeen, fitSeen.fitting, fitSeen.total)} |`,
  '',
  `engine ${engine.label}; ${session.trainer.step} steps in ${trainSeconds.toFixed(0)} s (total ${((Date.now() - t0) / 1000).toFixed(0)} s); ${soft ? `${soft.method} tuning, ${soft.virtualTokens} virtual tokens (${soft.init.kind} init)` : `LoRA r=${cfg.lora.rank} α=${cfg.lora.alpha} on ${cfg.lora.targets.join(', ')}`}; ${session.backend.trainableParameters} trained parameters; lr ${cfg.lr}; batch ${cfg.batchSize}`,
  '',
  'Examples (held-out questions, tuned model):',
  ...after.samples.slice(0, 5).flatMap((s) => [`- Q: ${s.question}`, `  role prompt: ${s.rolePrompt ?? '(none)'}`, `  answer: ${s.answer}`]),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ engine: engine.label, method: soft?.method ?? 'lora', trainableParameters: session.backend.trainableParameters, steps: session.trainer.step, trainSeconds, before, after, rolePromptRate: { before: rolePromptRate(before.samples.map((s) => s.text), cfg.separator), after: after.rolePromptRate }, domainFitRate: { before: fitBefore.domain.rate, after: fitAfter.domain.rate, seenDomainsValidation: fitSeen.rate }, subjectRate: { before: fitBefore.subject.rate, after: fitAfter.subject.rate }, valLossDrop: drop }, null, 2)}\n`);
}
