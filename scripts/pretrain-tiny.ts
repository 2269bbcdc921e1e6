// Pretrain tabtune-tiny, the small base model shipped in public/models/tabtune-tiny/.
//
//   npx tsx scripts/train-tokenizer.ts          # first: tokenizer.json + tokenizer_config.json
//   npx tsx scripts/pretrain-tiny.ts [--epochs 10] [--workers 2] [--seed 20240709] [--lr 3e-3] [--loss all|assistant] [--out DIR]
//
// Llama (GQA, rotate-half RoPE, SwiGLU, RMSNorm, tied embeddings), ~1.0 M parameters, trained from a
// seeded init on public/data/pretrain.jsonl rendered through the ChatML template, full-parameter AdamW,
// on tfjs-wasm (CPU). Work split: `--workers` worker threads each compute the gradient of its share of
// the batch's rows (scripts/tiny/worker.ts, graph in scripts/tiny/graph.ts); the main thread averages
// them (weighted by each share's loss-token count, so the result is the full batch's mean-loss
// gradient), clips and applies AdamW (scripts/tiny/adamw.ts). Deterministic for a given seed and
// worker count (data order, packing and init come from seeded Rngs; tfjs-wasm runs single-threaded).
//
// Afterwards it writes config.json, model.safetensors (F32), tabtune-tiny.gguf (F16 matrices, with the
// tokenizer) and README.md; checks the training graph against src/reference/model.ts on the saved
// weights; greedy-generates answers with ReferenceModel for 10 held-out and 10 training-domain questions
// and measures how many open with a role prompt (must be 0: the base model never saw one).

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { configFromHf, type ModelConfig } from '../src/engine/config.ts';
import { Rng } from '../src/engine/rng.ts';
import { type WeightMap, expectedTensors } from '../src/engine/weights.ts';
import { type GgufEntry, ggufArray, modelToGguf } from '../src/formats/gguf.ts';
import { hfConfigJson, weightsToSafetensors } from '../src/formats/safetensors.ts';
import { type TabTokenizer, loadTokenizer } from '../src/formats/tokenizer.ts';
import { currentBackend, useBackend } from '../src/reference/backend.ts';
import { ReferenceModel } from '../src/reference/model.ts';
import { looksLikeRolePrompt, rolePromptRate, splitRolePrompt } from '../src/train/metrics.ts';
import { AdamW } from './tiny/adamw.ts';
import {
  DATA_DIR,
  type EncodedConversation,
  MODEL_DIR,
  type PackedRow,
  type RowsBatch,
  encodeConversation,
  packRows,
  pretrainConversations,
  readJsonl,
  rowsToBatch,
} from './tiny/data.ts';
import { type Generation, greedyAnswer } from './tiny/generate.ts';
import { initWeights } from './tiny/graph.ts';
import type { WorkerReply, WorkerRequest } from './tiny/worker.ts';

/** The shipped architecture (HF config.json fields); vocab_size comes from the tokenizer. */
export const TINY_ARCH = {
  hidden_size: 128,
  intermediate_size: 352,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 32,
  rope_theta: 10000,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: true,
} as const;

const SHORT_T = 64;
const LONG_T = 128;
const EVAL_BATCH_TOKENS = 2048;

interface Args {
  epochs: number;
  workers: number;
  seed: number;
  lr: number;
  minLrFrac: number;
  warmup: number;
  weightDecay: number;
  lossOn: 'all' | 'assistant';
  /** Token slots per batch: rows of 64 or 128 tokens, batchTokens/T of them. */
  batchTokens: number;
  out: string;
  /** Experiments: stop after the final losses (no files, no generations). */
  quick: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  };
  const lossOn = get('loss', 'all');
  if (lossOn !== 'all' && lossOn !== 'assistant') throw new Error('--loss must be all or assistant');
  return {
    epochs: Number(get('epochs', '10')),
    workers: Number(get('workers', '2')),
    seed: Number(get('seed', '20240709')),
    lr: Number(get('lr', '3e-3')),
    minLrFrac: Number(get('min-lr-frac', '0.1')),
    warmup: Number(get('warmup', '30')),
    weightDecay: Number(get('wd', '0.1')),
    lossOn,
    batchTokens: Number(get('batch-tokens', '2048')),
    out: resolve(get('out', MODEL_DIR)),
    quick: argv.includes('--quick'),
  };
}

// --- workers --------------------------------------------------------------------------------------------

class Pool {
  private readonly workers: Worker[] = [];
  constructor(n: number) {
    // Workers do not inherit tsx's loader: a tiny bootstrap registers it, then imports the TS worker.
    const url = new URL('./tiny/worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((m) => m.tsImport(${JSON.stringify(url)}, ${JSON.stringify(import.meta.url)}))`;
    for (let i = 0; i < n; i++) this.workers.push(new Worker(boot, { eval: true }));
  }
  get size(): number {
    return this.workers.length;
  }
  private ask(i: number, req: WorkerRequest): Promise<WorkerReply> {
    return new Promise((res, rej) => {
      const w = this.workers[i];
      const onMsg = (r: WorkerReply) => {
        w.off('error', onErr);
        if (r.type === 'error') rej(new Error(`worker ${i}: ${r.message}`));
        else res(r);
      };
      const onErr = (e: Error) => {
        w.off('message', onMsg);
        rej(e);
      };
      w.once('message', onMsg);
      w.once('error', onErr);
      w.postMessage(req);
    });
  }
  async init(cfg: ModelConfig, w: WeightMap): Promise<void> {
    const names = [...w.keys()];
    await Promise.all(this.workers.map((_, i) => this.ask(i, { type: 'init', cfg, names, shapes: names.map((n) => w.get(n)!.shape), weights: names.map((n) => w.get(n)!.data) })));
  }
  /** Rows split into contiguous shares, one per worker (fewer workers when there are fewer rows). */
  private shares(rows: PackedRow[], padId: number, lossOn: Args['lossOn']): RowsBatch[] {
    const n = Math.min(this.size, rows.length);
    const out: RowsBatch[] = [];
    for (let k = 0; k < n; k++) out.push(rowsToBatch(rows.slice(Math.floor((k * rows.length) / n), Math.floor(((k + 1) * rows.length) / n)), padId, lossOn));
    return out;
  }
  /** Mean loss over the rows' loss tokens and its gradient. */
  async grads(params: Float32Array[], rows: PackedRow[], padId: number, lossOn: Args['lossOn']): Promise<{ loss: number; tokens: number; grads: Float32Array[] }> {
    const shares = this.shares(rows, padId, lossOn);
    const replies = (await Promise.all(shares.map((batch, k) => this.ask(k, { type: 'grads', weights: params, batch })))) as Extract<WorkerReply, { type: 'grads' }>[];
    const total = replies.reduce((a, r) => a + r.maskSum, 0);
    const grads = params.map((p) => new Float32Array(p.length));
    let loss = 0;
    for (const r of replies) {
      const wgt = r.maskSum / total;
      loss += r.loss * wgt;
      r.grads.forEach((g, j) => {
        const dst = grads[j];
        for (let i = 0; i < g.length; i++) dst[i] += wgt * g[i];
      });
    }
    return { loss, tokens: total, grads };
  }
  /** Per-token losses over the rows: [sum, count] on all tokens and on assistant tokens only. */
  async lossSums(params: Float32Array[], rows: PackedRow[], padId: number): Promise<{ all: [number, number]; assistant: [number, number] }> {
    const n = Math.min(this.size, rows.length);
    const parts = Array.from({ length: n }, (_, k) => rows.slice(Math.floor((k * rows.length) / n), Math.floor(((k + 1) * rows.length) / n)));
    const replies = (await Promise.all(parts.map((p, k) => this.ask(k, { type: 'loss', weights: params, batch: rowsToBatch(p, padId, 'all') })))) as Extract<WorkerReply, { type: 'loss' }>[];
    const all: [number, number] = [0, 0], assistant: [number, number] = [0, 0];
    replies.forEach((r, k) => {
      const asst = rowsToBatch(parts[k], padId, 'assistant').mask, every = rowsToBatch(parts[k], padId, 'all').mask;
      for (let i = 0; i < r.nll.length; i++) {
        if (every[i]) { all[0] += r.nll[i]; all[1]++; }
        if (asst[i]) { assistant[0] += r.nll[i]; assistant[1]++; }
      }
    });
    return { all, assistant };
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// --- helpers --------------------------------------------------------------------------------------------

/** Batches of same-length rows (batchTokens / T rows each), in a seeded order. */
function epochBatches(convs: EncodedConversation[], rng: Rng, batchTokens: number): PackedRow[][] {
  const order = rng.shuffle(convs.map((_, i) => i));
  const rows = packRows(convs, order, SHORT_T, LONG_T);
  const batches: PackedRow[][] = [];
  for (const T of [LONG_T, SHORT_T]) {
    const same = rows.filter((r) => r.T === T);
    const per = batchTokens / T;
    for (let i = 0; i < same.length; i += per) batches.push(same.slice(i, i + per));
  }
  return rng.shuffle(batches);
}

function lrAt(step: number, total: number, a: Args): number {
  if (step < a.warmup) return (a.lr * (step + 1)) / a.warmup;
  const p = Math.min(1, (step - a.warmup) / Math.max(1, total - a.warmup));
  return a.lr * (a.minLrFrac + (1 - a.minLrFrac) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** Rows holding every conversation once (fixed order), for evaluation. */
function evalRows(convs: EncodedConversation[]): PackedRow[][] {
  const rows = packRows(convs, convs.map((_, i) => i), SHORT_T, LONG_T);
  const out: PackedRow[][] = [];
  for (const T of [LONG_T, SHORT_T]) {
    const same = rows.filter((r) => r.T === T);
    for (let i = 0; i < same.length; i += EVAL_BATCH_TOKENS / T) out.push(same.slice(i, i + EVAL_BATCH_TOKENS / T));
  }
  return out;
}

/** Mean per-token loss over the batches, on all tokens and on assistant tokens. */
async function meanLosses(pool: Pool, params: Float32Array[], batches: PackedRow[][], padId: number): Promise<{ all: number; assistant: number }> {
  const all = [0, 0], asst = [0, 0];
  for (const b of batches) {
    const r = await pool.lossSums(params, b, padId);
    all[0] += r.all[0]; all[1] += r.all[1];
    asst[0] += r.assistant[0]; asst[1] += r.assistant[1];
  }
  return { all: all[0] / all[1], assistant: asst[0] / asst[1] };
}

function tokenizerGgufMetadata(tok: TabTokenizer, tokenizerJson: Record<string, unknown>, template: string): Record<string, GgufEntry> {
  const model = tokenizerJson.model as { vocab: Record<string, number>; merges: string[] };
  const tokens: string[] = new Array(tok.vocabSize);
  for (const [t, id] of Object.entries(model.vocab)) tokens[id] = t;
  const types = tokens.map((_, id) => (tok.isSpecialId(id) ? 3 : 1)); // 3 control, 1 normal
  return {
    'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
    'tokenizer.ggml.pre': { type: 'string', value: 'gpt-2' },
    'tokenizer.ggml.tokens': { type: 'array', value: ggufArray('string', tokens) },
    'tokenizer.ggml.token_type': { type: 'array', value: ggufArray('i32', types) },
    'tokenizer.ggml.merges': { type: 'array', value: ggufArray('string', model.merges) },
    'tokenizer.ggml.padding_token_id': { type: 'u32', value: tok.padId ?? 0 },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: false },
    'tokenizer.chat_template': { type: 'string', value: template },
  };
}

function fmtBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

// --- main -----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const tokJsonText = readFileSync(join(a.out, 'tokenizer.json'), 'utf8');
  const tokCfgText = readFileSync(join(a.out, 'tokenizer_config.json'), 'utf8');
  const tok = loadTokenizer(tokJsonText, tokCfgText);
  const imStart = tok.specialTokenId('<|im_start|>')!, imEnd = tok.specialTokenId('<|im_end|>')!, padId = tok.padId ?? 0;

  const hf = { architectures: ['LlamaForCausalLM'], model_type: 'llama', ...TINY_ARCH, vocab_size: tok.vocabSize, bos_token_id: imStart, eos_token_id: imEnd };
  const cfg = configFromHf(hf);
  const convs = pretrainConversations().map((c) => encodeConversation(tok, c));
  const convTokens = convs.reduce((s, c) => s + c.ids.length, 0);
  const heldout = readJsonl(join(DATA_DIR, 'self-prompt.heldout.jsonl'));
  const heldConvs = heldout.map((r) => encodeConversation(tok, [{ role: 'user', content: String(r.question) }, { role: 'assistant', content: String(r.answer) }]));

  const init = initWeights(cfg, a.seed);
  const names = expectedTensors(cfg).map(([n]) => n);
  const params = names.map((n) => init.get(n)!.data);
  const nParams = params.reduce((s, p) => s + p.length, 0);
  const opt = new AdamW(params, names.map((n) => init.get(n)!.shape.length === 2), { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: a.weightDecay, clipNorm: 1 });
  console.log(`tabtune-tiny: ${nParams.toLocaleString('en')} parameters, vocab ${cfg.vocabSize}; ${convs.length} conversations, ${convTokens} tokens/epoch; ${a.epochs} epochs, ${a.workers} workers, loss on ${a.lossOn}`);

  const pool = new Pool(a.workers);
  await pool.init(cfg, init);
  const rng = new Rng(a.seed ^ 0x5eed);
  const epochs: PackedRow[][][] = [];
  for (let e = 0; e < a.epochs; e++) epochs.push(epochBatches(convs, rng, a.batchTokens));
  const totalSteps = epochs.reduce((s, b) => s + b.length, 0);
  const evalBatches = evalRows(convs);
  const heldBatches = evalRows(heldConvs);

  const initLoss = (await meanLosses(pool, params, evalBatches.slice(0, 4), padId)).all;
  console.log(`initial loss ${initLoss.toFixed(3)} (first 4 batches; ln V = ${Math.log(cfg.vocabSize).toFixed(3)})`);

  const curve: { step: number; epoch: number; loss: number; lr: number; tokPerS: number }[] = [];
  const epochLoss: number[] = [];
  const t0 = performance.now();
  let step = 0, realTokens = 0, windowLoss = 0, windowN = 0, windowT0 = t0, windowTokens = 0;
  for (let e = 0; e < a.epochs; e++) {
    let eSum = 0, eN = 0;
    for (const rows of epochs[e]) {
      const lr = lrAt(step, totalSteps, a);
      const { loss, tokens, grads } = await pool.grads(params, rows, padId, a.lossOn);
      opt.step(grads, lr);
      const nTok = rows.reduce((s, r) => s + r.ids.length, 0);
      realTokens += nTok;
      windowTokens += nTok;
      eSum += loss * tokens;
      eN += tokens;
      windowLoss += loss;
      windowN++;
      step++;
      if (step % 10 === 0 || step === totalSteps) {
        const now = performance.now();
        const tokPerS = (windowTokens / (now - windowT0)) * 1000;
        curve.push({ step, epoch: e + 1, loss: windowLoss / windowN, lr, tokPerS });
        console.log(`step ${String(step).padStart(4)}/${totalSteps}  epoch ${e + 1}  lr ${lr.toExponential(2)}  loss ${(windowLoss / windowN).toFixed(4)}  ${tokPerS.toFixed(0)} tok/s  ${((now - t0) / 1000).toFixed(0)} s`);
        windowLoss = 0; windowN = 0; windowT0 = now; windowTokens = 0;
      }
    }
    epochLoss.push(eSum / eN);
    console.log(`epoch ${e + 1}: mean train loss ${(eSum / eN).toFixed(4)}`);
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const tokPerS = realTokens / trainSeconds;
  console.log(`trained ${step} steps, ${realTokens} tokens in ${trainSeconds.toFixed(0)} s (${tokPerS.toFixed(0)} tok/s)`);

  const { all: finalAll, assistant: finalAsst } = await meanLosses(pool, params, evalBatches, padId);
  const heldAsst = (await meanLosses(pool, params, heldBatches, padId)).assistant;
  await pool.close();
  console.log(`final loss on pretrain.jsonl: all tokens ${finalAll.toFixed(3)}, assistant tokens ${finalAsst.toFixed(3)}; held-out answers (self-prompt.heldout, no role prompt) ${heldAsst.toFixed(3)}`);
  if (a.quick) return;

  // --- files ---
  const weights: WeightMap = new Map(names.map((n, i) => [n, { shape: [...init.get(n)!.shape], data: params[i] }]));
  const configJson = { ...hfConfigJson(cfg), pad_token_id: padId };
  writeFileSync(join(a.out, 'config.json'), JSON.stringify(configJson, null, 2) + '\n');
  writeFileSync(join(a.out, 'model.safetensors'), weightsToSafetensors(cfg, weights, 'F32'));
  const tokJson = JSON.parse(tokJsonText) as Record<string, unknown>;
  const gguf = modelToGguf(cfg, weights, 'F16', { name: 'tabtune-tiny', metadata: tokenizerGgufMetadata(tok, tokJson, tok.chatTemplate!) });
  writeFileSync(join(a.out, 'tabtune-tiny.gguf'), gguf);

  // --- check against the reference model and generate ---
  await useBackend('wasm');
  const ref = new ReferenceModel(cfg, weights);
  const probe = rowsToBatch(evalBatches[0].slice(0, 4), padId, 'all');
  const refLoss = ref.loss({ tokens: probe.tokens, targets: probe.targets, lossMask: probe.mask, B: probe.B, T: probe.T });
  const pool2 = new Pool(1);
  await pool2.init(cfg, weights);
  const graphLoss = (await pool2.lossSums(params, evalBatches[0].slice(0, 4), padId)).all;
  await pool2.close();
  const parity = Math.abs(refLoss - graphLoss[0] / graphLoss[1]);
  console.log(`reference-model parity: ReferenceModel loss ${refLoss.toFixed(5)} vs training graph ${(graphLoss[0] / graphLoss[1]).toFixed(5)} (|Δ| ${parity.toExponential(1)}, backend ${currentBackend()})`);
  if (!(parity < 1e-3)) throw new Error('the training graph and ReferenceModel disagree');

  const train = readJsonl(join(DATA_DIR, 'self-prompt.train.jsonl'));
  const pick = <T>(xs: T[], n: number): T[] => Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
  const heldQs = pick(heldout, 10).map((r) => String(r.question));
  const trainQs = pick(train, 10).map((r) => String(r.question));
  const gen = (qs: string[]): Generation[] => qs.map((q) => greedyAnswer(ref, tok, q, 48));
  const tg = performance.now();
  const heldGen = gen(heldQs);
  const trainGen = gen(trainQs);
  ref.dispose();
  const all = [...heldGen, ...trainGen];
  const rate = rolePromptRate(all.map((g) => g.text), '\n\n');
  const firstParaRole = all.filter((g) => looksLikeRolePrompt(g.text.split('\n\n')[0])).length;
  console.log(`\ngenerations (greedy, ≤48 new tokens, ${((performance.now() - tg) / 1000).toFixed(0)} s):`);
  for (const [label, gs] of [['held-out', heldGen], ['training-domain', trainGen]] as const) {
    for (const g of gs) {
      const role = splitRolePrompt(g.text, '\n\n') !== null;
      console.log(`[${label}] Q: ${g.question}\n   A: ${JSON.stringify(g.text)}${g.stopped ? '' : ' (no <|im_end|>)'}${role ? '  <-- ROLE PROMPT' : ''}`);
    }
  }
  console.log(`role-prompt rate (splitRolePrompt, "\\n\\n"): ${rate} over ${all.length}; first paragraph looksLikeRolePrompt: ${firstParaRole}/${all.length}`);

  const totalSeconds = (performance.now() - started) / 1000;
  const sizes: Record<string, number> = {};
  for (const f of ['config.json', 'model.safetensors', 'tabtune-tiny.gguf', 'tokenizer.json', 'tokenizer_config.json']) sizes[f] = statSync(join(a.out, f)).size;
  writeFileSync(join(a.out, 'README.md'), modelCard({
    a, cfg, nParams, convs: convs.length, convTokens, totalSteps, realTokens, trainSeconds, tokPerS, totalSeconds, initLoss, finalAll, finalAsst, heldAsst,
    curve, epochLoss, heldGen, trainGen, rate, firstParaRole, parity, sizes,
  }));
  const total = Object.values(sizes).reduce((s, x) => s + x, 0) + statSync(join(a.out, 'README.md')).size;
  console.log(`wrote ${a.out}: ${Object.entries(sizes).map(([f, s]) => `${f} ${fmtBytes(s)}`).join(', ')}, README.md; total ${fmtBytes(total)}; run ${totalSeconds.toFixed(0)} s`);
  if (rate !== 0) process.exitCode = 2;
}

interface CardInput {
  a: Args;
  cfg: ModelConfig;
  nParams: number;
  convs: number;
  convTokens: number;
  totalSteps: number;
  realTokens: number;
  trainSeconds: number;
  tokPerS: number;
  totalSeconds: number;
  initLoss: number;
  finalAll: number;
  finalAsst: number;
  heldAsst: number;
  curve: { step: number; epoch: number; loss: number; lr: number; tokPerS: number }[];
  epochLoss: number[];
  heldGen: Generation[];
  trainGen: Generation[];
  rate: number;
  firstParaRole: number;
  parity: number;
  sizes: Record<string, number>;
}

function modelCard(c: CardInput): string {
  const { cfg } = c;
  const every = Math.max(1, Math.ceil(c.curve.length / 16));
  const curveRows = c.curve.filter((_, i) => i % every === 0 || i === c.curve.length - 1);
  const q = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '⏎');
  const genRows = (gs: Generation[]) => gs.map((g) => `| ${q(g.question)} | ${q(g.text)}${g.stopped ? '' : ' …'} |`).join('\n');
  return `---
license: mit
language: en
library_name: tabtune
tags: [llama, tiny, chatml, base-model]
---

# tabtune-tiny

The small base model tabtune ships so that every recipe (self-prompt tuning first) can be tried offline,
with nothing to download. It is a ${(c.nParams / 1e6).toFixed(2)} M-parameter Llama trained from scratch in
${(c.trainSeconds / 60).toFixed(1)} minutes on two CPU cores, on tabtune's own synthetic Q/A data. It answers
short questions plainly, in simple English; it knows a few hundred simple facts and **has never seen a
role prompt**, so any role prompting it does after self-prompt tuning comes from the tuning.

Generated — do not edit by hand. Rebuild (deterministic for the same seed and worker count). The
tokenizer's vocabulary comes from the text of \`public/data/*.jsonl\` as of commit 95d7a24; the self-prompt
files have changed since (more question phrasings), so train it on that revision of the data to get the
same tokenizer (checked: byte-identical). Pretraining reads only \`pretrain.jsonl\`, unchanged since.

\`\`\`sh
mkdir -p /tmp/tabtune-data-v1 && git archive 95d7a24 public/data | tar -x -C /tmp/tabtune-data-v1   # the data revision the tokenizer was trained on
npx tsx scripts/train-tokenizer.ts --data /tmp/tabtune-data-v1/public/data   # tokenizer.json, tokenizer_config.json (a few seconds)
npx tsx scripts/pretrain-tiny.ts     # everything else (≈ ${Math.ceil(c.totalSeconds / 60)} min on 2 cores)
\`\`\`

## Files

| file | bytes | what |
|---|---|---|
${Object.entries(c.sizes).map(([f, s]) => `| ${f} | ${s.toLocaleString('en')} | ${FILE_NOTES[f] ?? ''} |`).join('\n')}

## Architecture

Llama (\`model_type: llama\`, \`LlamaForCausalLM\` layout and tensor names), ${c.nParams.toLocaleString('en')} parameters:

| hidden | intermediate | layers | heads | kv heads | head dim | vocab | RoPE θ | max positions | RMSNorm ε | tied embeddings |
|---|---|---|---|---|---|---|---|---|---|---|
| ${cfg.hiddenSize} | ${cfg.intermediateSize} | ${cfg.numLayers} | ${cfg.numHeads} | ${cfg.numKvHeads} | ${cfg.headDim} | ${cfg.vocabSize} | ${cfg.ropeTheta} | ${cfg.maxPositionEmbeddings} | ${cfg.rmsNormEps} | yes |

GQA, rotate-half RoPE (HF layout; the GGUF has q/k permuted as llama.cpp expects), SwiGLU MLP, no biases.

## Tokenizer

Byte-level BPE (GPT-2 style: ByteLevel pre-tokenizer with the GPT-2 split regex, bytes_to_unicode
alphabet, ByteLevel decoder), ${cfg.vocabSize} entries = 3 specials + 256 bytes + ${cfg.vocabSize - 259} merges,
trained by \`scripts/train-tokenizer.ts\` on the text of \`public/data/*.jsonl\` (ties broken
lexicographically). Specials: \`<|endoftext|>\` = 0 (pad), \`<|im_start|>\` = 1 (bos), \`<|im_end|>\` = 2 (eos).
No BOS is added automatically. Chat template: ChatML, like SmolLM2-Instruct's but with **no default
system line** (a system turn appears only if the conversation has one):

\`\`\`text
<|im_start|>user
What is the capital of France?<|im_end|>
<|im_start|>assistant
The capital of France is Paris.<|im_end|>
\`\`\`

## Training

- Data: \`public/data/pretrain.jsonl\` — ${c.convs.toLocaleString('en')} plain Q/A conversations (${c.convTokens.toLocaleString('en')} tokens
  per epoch once rendered), written for tabtune; no assistant turn contains a role-prompt phrase. The
  self-prompt data is used only for the tokenizer's vocabulary.
- Rendering: each conversation through the chat template above. Whole conversations are packed (never
  split) into rows of 64 or 128 tokens; every row starts with a conversation; batches of ${c.a.batchTokens.toLocaleString('en')} token slots (${c.a.batchTokens / 64} rows of 64 or ${c.a.batchTokens / 128} of 128).
- Loss: next-token cross-entropy on **${c.a.lossOn === 'all' ? 'every token of the rendered conversation (user and assistant turns, role headers, <|im_end|>)' : 'assistant turns only'}**; padding is masked.
- Optimizer: AdamW (β 0.9/0.95, ε 1e-8, decoupled weight decay ${c.a.weightDecay} on matrices), global-norm
  clipping 1.0, peak LR ${c.a.lr} with ${c.a.warmup} warm-up steps and cosine decay to ${c.a.minLrFrac}× peak; ${c.a.epochs} epochs =
  ${c.totalSteps} steps; seeded GPT-2-style init (N(0, 0.02²), residual projections scaled by 1/√(2L)); seed ${c.a.seed}.
- Engine: a full-parameter TensorFlow.js graph (\`scripts/tiny/graph.ts\`) on the **tfjs-wasm** backend
  (XNNPACK, SIMD, one thread per worker), ${c.a.workers} worker threads splitting each batch; the graph agrees
  with tabtune's reference model (\`src/reference/model.ts\`) on the saved weights (|Δ loss| ${c.parity.toExponential(1)}).
- Run: ${c.realTokens.toLocaleString('en')} tokens in ${c.trainSeconds.toFixed(0)} s of training (${c.tokPerS.toFixed(0)} tokens/s), ${c.totalSeconds.toFixed(0)} s for the whole script, on a 2-core x86 machine without a GPU.

### Loss

| | loss (nats/token) |
|---|---|
| initial (all tokens) | ${c.initLoss.toFixed(3)} (ln ${cfg.vocabSize} = ${Math.log(cfg.vocabSize).toFixed(3)}) |
| final, pretrain.jsonl, all tokens | ${c.finalAll.toFixed(3)} |
| final, pretrain.jsonl, assistant tokens | ${c.finalAsst.toFixed(3)} |
| held-out answers (\`self-prompt.heldout.jsonl\` question → answer, unseen domains) | ${c.heldAsst.toFixed(3)} |

Mean training loss per epoch: ${c.epochLoss.map((l) => l.toFixed(3)).join(', ')}.

| step | epoch | lr | train loss (mean of 10 steps) | tokens/s |
|---|---|---|---|---|
${curveRows.map((r) => `| ${r.step} | ${r.epoch} | ${r.lr.toExponential(2)} | ${r.loss.toFixed(3)} | ${r.tokPerS.toFixed(0)} |`).join('\n')}

## What it can do

Greedy decoding with the reference model, at most 48 new tokens, stopping at \`<|im_end|>\` (… = cut off).
The answers are often wrong; the point is plain, on-topic English in the ChatML format.
**Role-prompt rate: ${c.rate}** over these ${c.heldGen.length + c.trainGen.length} answers (\`rolePromptRate\`, separator "\\n\\n"; ${c.firstParaRole} of ${c.heldGen.length + c.trainGen.length} first
paragraphs match \`looksLikeRolePrompt\`).

Held-out questions (domains and question forms not in the training data):

| question | answer |
|---|---|
${genRows(c.heldGen)}

Training-domain questions (from \`self-prompt.train.jsonl\`; the same facts are in pretrain.jsonl):

| question | answer |
|---|---|
${genRows(c.trainGen)}

## Limitations

A toy: ${(c.nParams / 1e6).toFixed(1)} M parameters and ~${Math.round(c.convTokens / 1000)} k tokens of data. It memorises much of its data, makes
up facts outside it, cannot hold a conversation of more than a turn or two, and has a 256-token context.
Use it to try tabtune's recipes end to end, not to answer questions.

## Licence

MIT (the weights, the tokenizer and this card), like tabtune. The training data is tabtune's own
synthetic sample data (\`public/data\`).
`;
}

const FILE_NOTES: Record<string, string> = {
  'config.json': 'HF Llama config (eos = <|im_end|>, tie_word_embeddings)',
  'model.safetensors': 'weights, F32, HF names',
  'tabtune-tiny.gguf': 'llama GGUF v3: F16 matrices, F32 norms, GPT-2 BPE tokenizer and chat template in the metadata',
  'tokenizer.json': 'HF tokenizers file (byte-level BPE)',
  'tokenizer_config.json': 'specials, ChatML chat_template',
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
