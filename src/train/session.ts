// A training session: one recipe run from (model, tokenizer, dataset) to an adapter, shared by the CLI
// (`tabtune train`) and the app's engine worker. It builds examples, picks the engine, drives the
// Trainer, evaluates (validation loss; generated samples split into role prompt and answer; role-prompt
// rate; ROUGE-L) and reports everything through one event callback. It never touches files or the DOM:
// callers persist checkpoints and exports.
import type { LoraConfig, ModelConfig, SoftPromptConfig } from '../engine/config.ts';
import { initSoftPrompt } from '../engine/soft-prompt.ts';
import { argmax, generate } from '../engine/generate.ts';
import { GpuModel } from '../engine/model.ts';
import type { BaseDtype } from '../engine/quant.ts';
import { GpuTrainBackend } from '../engine/train-backend.ts';
import { effectiveWeights, initLora, tensorF32, type BaseWeightMap, type LoraParams } from '../engine/weights.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { TabTokenizer } from '../formats/tokenizer.ts';
import type { NormalizedRecord } from '../data/records.ts';
import { DEFAULT_SEPARATOR, buildExamples, makeBatches, splitTrainVal, type DatasetStats, type Example, type TrainMode } from '../data/template.ts';
import { meanRougeL, rolePromptRate, splitRolePrompt } from './metrics.ts';
import { Trainer, toEngineBatch, type Checkpoint, type StepEvent, type TrainBackend, type TrainConfig } from './trainer.ts';

export interface SessionConfig {
  recipe: TrainMode;
  separator: string;
  systemPrompt?: string;
  seqLen: number;
  truncation: 'truncate' | 'drop';
  lora: LoraConfig;
  baseDtype: BaseDtype;
  steps: number;
  /** When set, the number of steps is derived: ceil(epochs · train examples / (batch · accumulation)). */
  epochs?: number;
  batchSize: number;
  gradAccum: number;
  lr: number;
  warmupRatio: number;
  weightDecay: number;
  maxGradNorm: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
  valFraction: number;
  /** Held-out questions generated at each evaluation. */
  evalSamples: number;
  maxNewTokens: number;
  checkpointing: boolean;
  /** Multi-turn records: learn every assistant turn (default) or only the last ('final', S3FT). */
  lossOn?: 'all-assistant' | 'final';
  /**
   * What trains (default 'lora'): LoRA (`lora`), or a soft prompt of `virtualTokens` virtual tokens —
   * 'prompt' (prompt tuning) or 'prefix' (prefix tuning / P-Tuning v2), `lora` then being unused.
   */
  method?: 'lora' | 'prompt' | 'prefix';
  /** Soft prompts: virtual tokens P (default 20). */
  virtualTokens?: number;
  /** Prompt tuning's init (default random vocabulary rows); prefix tuning starts random. */
  promptInit?: SoftPromptConfig['init'];
}

/** The session's soft prompt (null with LoRA). */
export function sessionSoftPrompt(c: Pick<SessionConfig, 'method' | 'virtualTokens' | 'promptInit'>): SoftPromptConfig | null {
  if (!c.method || c.method === 'lora') return null;
  return { method: c.method, virtualTokens: c.virtualTokens ?? 20, init: c.promptInit ?? { kind: 'random' } };
}

export const DEFAULT_SESSION: SessionConfig = {
  recipe: 'self-prompt', separator: DEFAULT_SEPARATOR, seqLen: 128, truncation: 'truncate',
  lora: { rank: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false }, baseDtype: 'f32',
  steps: 60, batchSize: 4, gradAccum: 1, lr: 2e-3, warmupRatio: 0.05, weightDecay: 0, maxGradNorm: 1,
  evalEvery: 20, checkpointEvery: 20, seed: 42, valFraction: 0.1, evalSamples: 4, maxNewTokens: 48, checkpointing: false,
};

/**
 * Defaults for the embedded default model (public/models/tabtune-tiny) and the sample LIMA-Role-style
 * data: what `npm start` preselects and `npm run demo:eval` measures.
 */
export const DEMO_SESSION: SessionConfig = {
  ...DEFAULT_SESSION,
  lora: { rank: 16, alpha: 32, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], useRslora: false },
  steps: 250, batchSize: 8, lr: 6e-3, warmupRatio: 0.05, seqLen: 128, evalEvery: 50, checkpointEvery: 50,
};

export interface Sample {
  question: string;
  reference: { rolePrompt?: string; answer: string };
  text: string;
  rolePrompt: string | null;
  answer: string;
}

export interface EvalEvent {
  step: number;
  valLoss: number | null;
  samples: Sample[];
  rolePromptRate: number;
  rougeRolePrompt: number | null;
  rougeAnswer: number;
}

export type SessionEvent =
  | { type: 'data'; stats: DatasetStats; train: number; val: number; skipped: { id: string; reason: string; message: string }[] }
  | { type: 'step'; e: StepEvent }
  | { type: 'eval'; e: EvalEvent }
  | { type: 'checkpoint'; step: number }
  | { type: 'paused'; step: number };

export interface SessionInput {
  config: ModelConfig;
  weights: BaseWeightMap; // linear weights possibly pre-quantized (loaders convert while reading)
  tokenizer: TabTokenizer;
  records: NormalizedRecord[];
  /** Records for generation samples (default: the validation split's records). */
  evalRecords?: NormalizedRecord[];
  /** A given validation set instead of a split. */
  valRecords?: NormalizedRecord[];
  /** 'webgpu' needs `gpu`; 'reference' runs on whatever tfjs backend is active. */
  engine: { kind: 'webgpu'; gpu: Gpu } | { kind: 'reference' };
  /** Start from these adapter values (import) instead of a fresh init. */
  initialLora?: LoraParams;
  /** Start from these soft-prompt values (method prompt / prefix) instead of a fresh init. */
  initialSoftPrompt?: Float32Array;
}

export class SessionError extends Error {
  override name = 'SessionError';
}

/** Generates text for a prompt of token ids (both engines decode with a KV cache). */
type Generator = (prompt: number[], maxNew: number, stop: readonly number[], o: { useAdapter: boolean; onToken?: (id: number) => void }) => Promise<number[]>;
/** Logits [B*T*V] of the adapted model for token ids [B*T] (S3FT's discriminator reads label probabilities). */
type LogitsFn = (tokens: Int32Array, B: number, T: number) => Promise<Float32Array>;

export class TrainingSession {
  readonly trainer: Trainer;
  readonly backend: TrainBackend & { dispose?(): void };
  readonly train: Example[];
  readonly val: Example[];
  readonly stats: DatasetStats;
  private readonly evalRecords: NormalizedRecord[];
  private readonly gen: Generator;
  private readonly logitsFn: LogitsFn;
  private readonly cleanup: () => void;
  readonly evals: EvalEvent[] = [];
  /** Persists checkpoints (a directory in Node, OPFS in the browser); set by the caller. */
  onCheckpoint: ((c: Checkpoint) => Promise<void>) | null = null;

  private constructor(
    readonly cfg: SessionConfig,
    private readonly input: SessionInput,
    parts: { backend: TrainBackend & { dispose?(): void }; gen: Generator; logits: LogitsFn; cleanup: () => void; train: Example[]; val: Example[]; stats: DatasetStats; evalRecords: NormalizedRecord[] },
    private readonly emit: (e: SessionEvent) => void,
  ) {
    this.backend = parts.backend;
    this.gen = parts.gen;
    this.logitsFn = parts.logits;
    this.cleanup = parts.cleanup;
    this.train = parts.train;
    this.val = parts.val;
    this.stats = parts.stats;
    this.evalRecords = parts.evalRecords;
    const steps = cfg.epochs ? Math.max(1, Math.ceil((cfg.epochs * this.train.length) / (cfg.batchSize * cfg.gradAccum))) : cfg.steps;
    const tc: TrainConfig = {
      steps, batchSize: cfg.batchSize, gradAccum: cfg.gradAccum, lr: cfg.lr,
      warmupSteps: Math.round(cfg.warmupRatio * steps), minLrRatio: 0.1, evalEvery: cfg.evalEvery,
      checkpointEvery: cfg.checkpointEvery, seed: cfg.seed, buckets: bucketsFor(cfg.seqLen), padId: input.tokenizer.padId ?? 0,
    };
    this.trainer = new Trainer(this.backend, this.train, tc, {
      onStep: (e) => emit({ type: 'step', e }),
      onEval: async (step) => { await this.evaluate(step); },
      onCheckpoint: async (c) => {
        await this.onCheckpoint?.(c);
        emit({ type: 'checkpoint', step: c.step });
      },
      onPause: (step) => emit({ type: 'paused', step }),
    });
  }

  static async create(cfg: SessionConfig, input: SessionInput, emit: (e: SessionEvent) => void = () => {}): Promise<TrainingSession> {
    validateSessionConfig(cfg, input.config);
    const tok = input.tokenizer;
    const opts = { mode: cfg.recipe, separator: cfg.separator, systemPrompt: cfg.systemPrompt, maxLen: cfg.seqLen, truncation: cfg.truncation, lossOn: cfg.lossOn };
    let trainRecords = input.records, valRecords = input.valRecords ?? [];
    if (!input.valRecords && cfg.valFraction > 0) ({ train: trainRecords, val: valRecords } = splitTrainVal(input.records, { valFraction: cfg.valFraction, seed: cfg.seed }));
    const built = buildExamples(tok, trainRecords, opts);
    const val = buildExamples(tok, valRecords, opts).examples;
    if (built.examples.length === 0) {
      const why = built.skipped.slice(0, 3).map((s) => `${s.id}: ${s.message}`).join('; ');
      throw new SessionError(`no usable training example (${built.skipped.length} skipped${why ? `: ${why}` : ''})`);
    }
    emit({ type: 'data', stats: built.stats, train: built.examples.length, val: val.length, skipped: built.skipped });
    const sp = sessionSoftPrompt(cfg);
    const lora = input.initialLora ?? initLora(input.config, cfg.lora, cfg.seed);
    // Soft prompts: the init text is tokenized without special tokens (PEFT's TEXT init does the same).
    const soft = sp && {
      config: sp,
      values: input.initialSoftPrompt ?? initSoftPrompt(input.config, tensorF32(input.weights.get('model.embed_tokens.weight')!), sp, cfg.seed,
        sp.init.kind === 'text' ? tok.encode(sp.init.text, { addSpecialTokens: false }) : undefined),
    };
    const hyper = { lr: cfg.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay };
    let backend: TrainBackend & { dispose?(): void }, gen: Generator, logits: LogitsFn, cleanup: () => void;
    if (input.engine.kind === 'webgpu') {
      const gpu = input.engine.gpu;
      const model = GpuModel.create(gpu, input.config, input.weights, { baseDtype: cfg.baseDtype, lora: soft ? null : { config: cfg.lora, params: lora }, softPrompt: soft, checkpointing: cfg.checkpointing });
      const b = new GpuTrainBackend(gpu, model, hyper, cfg.maxGradNorm);
      backend = b;
      gen = async (prompt, maxNew, stop, o) => {
        model.adapterEnabled = o.useAdapter;
        try {
          return await generate(model, prompt, { maxNewTokens: maxNew, stopIds: [...stop], onToken: o.onToken });
        } finally {
          model.adapterEnabled = true;
        }
      };
      logits = (tokens, B, T) => model.logits(tokens, B, T);
      cleanup = () => { b.dispose(); model.dispose(); };
    } else {
      const { ReferenceModel } = await import('../reference/model.ts');
      const { ReferenceTrainBackend } = await import('../reference/train-backend.ts');
      const ref = new ReferenceModel(input.config, effectiveWeights(input.config, input.weights, cfg.baseDtype), soft ? undefined : { config: cfg.lora, params: lora }, soft ?? undefined);
      backend = new ReferenceTrainBackend(ref, hyper, cfg.maxGradNorm);
      gen = async (prompt, maxNew, stop, o) => {
        // Greedy decoding with the reference's KV cache (ReferenceModel.decoder): one row per new token.
        const saved = o.useAdapter ? null : ref.getLora();
        if (saved) ref.setLora(new Map([...saved].map(([k, p]) => [k, { A: p.A, B: new Float32Array(p.B.length) }])));
        ref.adapterEnabled = o.useAdapter; // the soft prompt (LoRA is zeroed above)
        const virt = o.useAdapter ? (sp?.virtualTokens ?? 0) : 0;
        const dec = ref.decoder();
        try {
          const out: number[] = [];
          if (virt + prompt.length >= input.config.maxPositionEmbeddings) return out; // no room to generate
          let lg = await dec.feed(prompt);
          for (let i = 0; i < maxNew; i++) {
            const best = argmax(lg);
            if (stop.includes(best)) break;
            out.push(best);
            o.onToken?.(best);
            if (virt + prompt.length + out.length >= input.config.maxPositionEmbeddings || i + 1 === maxNew) break;
            lg = await dec.feed([best]);
          }
          return out;
        } finally {
          dec.dispose();
          if (saved) ref.setLora(saved);
          ref.adapterEnabled = true;
        }
      };
      logits = (tokens, B, T) => ref.logitsAsync(tokens, B, T);
      cleanup = () => ref.dispose();
    }
    const evalRecords = (input.evalRecords ?? valRecords).slice(0, cfg.evalSamples);
    return new TrainingSession(cfg, input, { backend, gen, logits, cleanup, train: built.examples, val, stats: built.stats, evalRecords }, emit);
  }

  /** Validation loss over the validation examples (null without any). */
  async valLoss(): Promise<number | null> {
    if (this.val.length === 0) return null;
    const batches = makeBatches(this.val, { batchSize: this.cfg.batchSize, buckets: bucketsFor(this.cfg.seqLen), padId: this.input.tokenizer.padId ?? 0 });
    let sum = 0, n = 0;
    for (const b of batches) {
      let count = 0;
      for (const m of b.mask) count += m;
      sum += (await this.backend.evalLoss(toEngineBatch(b))) * count;
      n += count;
    }
    return n > 0 ? sum / n : null;
  }

  /**
   * Generate an answer for `question` (with the adapter, or the base model when useAdapter is false) and
   * split it by the recipe's separator. onText receives the decoded text as it grows, token by token.
   */
  async ask(question: string, maxNewTokens = this.cfg.maxNewTokens, o: { useAdapter?: boolean; onText?: (delta: string) => void; system?: string } = {}): Promise<{ text: string; rolePrompt: string | null; answer: string }> {
    const tok = this.input.tokenizer;
    // The record's own system text (e.g. a RoleBench role prompt) wins over the session-wide one.
    const system = o.system ?? this.cfg.systemPrompt;
    const messages = [...(system ? [{ role: 'system', content: system }] : []), { role: 'user', content: question }];
    const prompt = tok.encode(tok.applyChatTemplate(messages, { addGenerationPrompt: true }), { addSpecialTokens: true });
    const sofar: number[] = [];
    let shown = '';
    const onToken = o.onText
      ? (id: number) => {
          sofar.push(id);
          const text = tok.decode(sofar, { skipSpecialTokens: true });
          // Emit only complete characters: a token can end inside a multi-byte UTF-8 sequence.
          if (!text.endsWith('\uFFFD') && text.startsWith(shown)) {
            o.onText!(text.slice(shown.length));
            shown = text;
          }
        }
      : undefined;
    const ids = await this.gen(prompt, maxNewTokens, tok.eosIds, { useAdapter: o.useAdapter ?? true, onToken });
    const text = tok.decode(ids, { skipSpecialTokens: true }).trim();
    const split = splitRolePrompt(text, this.cfg.separator);
    return { text, rolePrompt: split?.rolePrompt ?? null, answer: split?.answer ?? text };
  }

  async evaluate(step: number): Promise<EvalEvent> {
    const valLoss = await this.valLoss();
    const samples: Sample[] = [];
    for (const r of this.evalRecords) {
      const out = await this.ask(r.question, this.cfg.maxNewTokens, { system: r.system });
      samples.push({ question: r.question, reference: { rolePrompt: r.rolePrompt, answer: r.answer }, ...out });
    }
    const withRef = samples.filter((s) => s.reference.rolePrompt && s.rolePrompt);
    const e: EvalEvent = {
      step, valLoss, samples,
      rolePromptRate: rolePromptRate(samples.map((s) => s.text), this.cfg.separator),
      rougeRolePrompt: withRef.length ? meanRougeL(withRef.map((s) => s.rolePrompt!), withRef.map((s) => s.reference.rolePrompt!)) : null,
      rougeAnswer: samples.length ? meanRougeL(samples.map((s) => s.answer), samples.map((s) => s.reference.answer)) : 0,
    };
    this.evals.push(e);
    this.emit({ type: 'eval', e });
    return e;
  }

  /** Logits [B*T*V] of the model with the current adapter for token ids [B*T] (right-padded rows are fine: causal). */
  logits(tokens: Int32Array, B: number, T: number): Promise<Float32Array> {
    return this.logitsFn(tokens, B, T);
  }

  /** Run (or continue) training; checkpoints go through onCheckpoint. */
  run(): Promise<StepEvent[]> {
    return this.trainer.run();
  }

  dispose(): void {
    this.cleanup();
  }
}

/**
 * Padded row lengths: powers of two from 32 and the midpoints between them (32, 48, 64, 96, 128, 192, …),
 * capped by seqLen. Midpoints waste at most a third of a row on padding instead of half, for few extra
 * shapes (each shape costs a pipeline/program variant on some backends).
 */
export function bucketsFor(seqLen: number): number[] {
  const out: number[] = [];
  for (let b = 32; b < seqLen; b *= 2) {
    out.push(b);
    if (b * 1.5 < seqLen) out.push(b * 1.5);
  }
  out.push(seqLen);
  return out;
}

export function validateSessionConfig(c: SessionConfig, model: ModelConfig): void {
  const bad = (what: string) => { throw new SessionError(what); };
  const posInt = (v: number, name: string) => { if (!Number.isInteger(v) || v < 1) bad(`${name} must be a positive integer, got ${v}`); };
  if (c.epochs !== undefined && !(c.epochs > 0)) bad(`epochs must be positive, got ${c.epochs}`);
  posInt(c.steps, 'steps'); posInt(c.batchSize, 'batch'); posInt(c.gradAccum, 'grad accumulation'); posInt(c.seqLen, 'sequence length'); posInt(c.lora.rank, 'rank');
  if (c.seqLen > model.maxPositionEmbeddings) bad(`sequence length ${c.seqLen} exceeds the model's ${model.maxPositionEmbeddings} positions`);
  if (c.method !== undefined && !['lora', 'prompt', 'prefix'].includes(c.method)) bad(`method must be lora, prompt or prefix, got ${c.method}`);
  const sp = sessionSoftPrompt(c);
  if (sp) {
    posInt(sp.virtualTokens, 'virtual tokens');
    if (c.seqLen + sp.virtualTokens > model.maxPositionEmbeddings) bad(`sequence length ${c.seqLen} + ${sp.virtualTokens} virtual tokens exceeds the model's ${model.maxPositionEmbeddings} positions`);
    if (sp.method === 'prefix' && sp.init.kind === 'text') bad('a text init goes with prompt tuning; prefix tuning starts random');
    if (sp.init.kind === 'text' && !sp.init.text) bad('the prompt init text must not be empty');
  }
  if (!(c.lr > 0 && c.lr < 1)) bad(`learning rate must be in (0, 1), got ${c.lr}`);
  if (!(c.lora.alpha > 0)) bad(`alpha must be positive, got ${c.lora.alpha}`);
  if (c.lora.targets.length === 0) bad('at least one LoRA target is needed');
  if (!(c.valFraction >= 0 && c.valFraction < 1)) bad(`validation fraction must be in [0, 1), got ${c.valFraction}`);
  if (!(c.warmupRatio >= 0 && c.warmupRatio < 1)) bad(`warmup ratio must be in [0, 1), got ${c.warmupRatio}`);
  if (!(c.lora.dropout >= 0 && c.lora.dropout < 1)) bad(`LoRA dropout must be in [0, 1), got ${c.lora.dropout}`);
  if (!c.separator) bad('the role-prompt separator must not be empty');
}
