// The Llama-family decoder on WebGPU: forward, loss and hand-written backward for LoRA training.
// One implementation for llama / mistral / qwen2 (see config.ts for the shape alphabet).
//
// Forward, per layer l (x_l [N,C] is the residual stream entering the layer):
//   xn1 = rmsnorm(x_l; input_layernorm)            saves rstd1 [N]
//   q,k,v = Linear(xn1)  (+bias for qwen2, +LoRA)   q [N,H*D], k,v [N,KV*D]
//   q,k = rope(q,k)
//   o, lse = attention(q,k,v)  causal GQA, online softmax
//   x1 = x_l + o_proj(o)
//   xn2 = rmsnorm(x1; post_attention_layernorm)     saves rstd2 [N]
//   g,u = gate_proj(xn2), up_proj(xn2);  hm = silu(g)·u
//   x_{l+1} = x1 + down_proj(hm)
// then xf = rmsnorm(x_L; norm), logits = xf·W_lmᵀ [N,V], masked-mean cross-entropy.
// LoRA dropout (training only): each adapted Linear sees dropout(x) on its LoRA path, with a mask drawn
// from (seed, step, micro-batch, layer, target) (see dropout.ts), so checkpointing recomputes it.
// Weights over the device's storage binding limit (a 151,936-row embedding, a wide MLP) are held as
// row chunks (split.ts, linear.ts); activations must each fit one binding (PlanError otherwise).
//
// The backward is the forward read in reverse, layer by layer. Activation grads use "=", parameter
// (LoRA, soft-prompt) grads use "+=" so that micro-batches accumulate. With gradient checkpointing only
// x_l is kept per layer and each layer's forward is recomputed right before its backward.
//
// Soft prompts (config.ts SoftPromptConfig; P virtual tokens), the alternative to LoRA:
//   prompt tuning  the workspace holds T' = P + T rows per sequence: rows 0..P−1 of x_0 are the prompt
//                  embeddings E_p [P, C] (copied in after the token gather, which writes zeros for the
//                  out-of-vocabulary ids put there), positions 0..T'−1, no loss on the virtual rows;
//                  the backward ends with dE_p += Σ_b dx_0[b, 0..P−1]. Callers see T rows only.
//   prefix tuning  attention gets each layer's K/V prefix (kernels/attention `prefix`), q and k are
//                  rotated at positions P..P+T−1; the attention backward adds the prefix gradients.
// Decoding puts the virtual tokens in front of the KV cache (prompt: a prefill of E_p; prefix: the
// prefix K/V copied into cache rows 0..P−1), so the real tokens continue at position P.
import type { Gpu } from '../gpu/gpu.ts';
import { attention, attentionBackward } from '../kernels/attention/attention.ts';
import { crossEntropy, crossEntropyAndGrad } from '../kernels/cross_entropy/cross_entropy.ts';
import { add, copy, copyCols } from '../kernels/elementwise/elementwise.ts';
import { attentionDecode } from '../kernels/attention_decode/attention_decode.ts';
import { embeddingChunks } from '../kernels/embedding/embedding.ts';
import { rmsnorm, rmsnormBackward } from '../kernels/rmsnorm/rmsnorm.ts';
import { rope, ropeBackward } from '../kernels/rope/rope.ts';
import { swiglu, swigluBackward } from '../kernels/swiglu/swiglu.ts';
import { type LoraConfig, type LoraTarget, type ModelConfig, type SoftPromptConfig, LORA_TARGETS, linearShape, loraScale, ropeInvFreq, softPromptName, softPromptSize } from './config.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { type DropoutKey, dropoutStream } from './dropout.ts';
import { Linear, type LinearDropout } from './linear.ts';
import { type BaseDtype, bytesPerRow } from './quant.ts';
import { Recorder } from './recorder.ts';
import { PlanError, planRowChunks } from './split.ts';
import { type BaseWeightMap, type LoraParams, lmHead, modulePath, tensorF32, tensorSource, validateWeights } from './weights.ts';

export { PlanError } from './split.ts';

export interface ModelOptions {
  baseDtype: BaseDtype;
  lora: { config: LoraConfig; params: LoraParams } | null;
  /** Recompute each layer's activations in the backward instead of keeping them. */
  checkpointing?: boolean;
  /**
   * Storage binding limit to plan with, when lower than the device's maxStorageBufferBindingSize
   * (tests force weight splitting on a tiny model with it).
   */
  maxBindingBytes?: number;
  /** Seed of the LoRA dropout masks (default 0); see DropoutKey. */
  dropoutSeed?: number;
  /** Prompt or prefix tuning (instead of, or besides, LoRA): its config and current values. */
  softPrompt?: { config: SoftPromptConfig; values: Float32Array } | null;
}

/** The trainable soft prompt on the GPU: prompt [P, C] or prefix [L, 2, P, KV·D], and its gradient. */
interface SoftPromptBuffers {
  config: SoftPromptConfig;
  param: GPUBuffer;
  grad: GPUBuffer;
  size: number;
}

export interface Batch {
  tokens: Int32Array; // [B*T]
  targets: Int32Array; // [B*T] token to predict at each position (already shifted)
  lossMask: Float32Array; // [B*T] 1 = counted, 0 = ignored
  B: number;
  T: number;
}

/** Buffers of one layer's forward that the backward reads. */
interface LayerActs {
  xn1: GPUBuffer; rstd1: GPUBuffer;
  q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; o: GPUBuffer; lse: GPUBuffer;
  x1: GPUBuffer; xn2: GPUBuffer; rstd2: GPUBuffer;
  g: GPUBuffer; u: GPUBuffer; hm: GPUBuffer;
  /** xd·Aᵀ [N,R] per adapted target (xd = x, or dropout(x) in training). */
  h: Map<LoraTarget, GPUBuffer>;
}

interface Workspace {
  /** T counts the virtual rows of prompt tuning (T = P + the caller's T when `virt` = P). */
  B: number; T: number; N: number; virt: number;
  tokens: GPUBuffer; targets: GPUBuffer; mask: GPUBuffer;
  xs: GPUBuffer[]; // x_0 .. x_L, [N,C] each
  acts: LayerActs[]; // L sets, or 1 shared set with checkpointing
  xf: GPUBuffer; rstdf: GPUBuffer; logits: GPUBuffer; loss: GPUBuffer;
  // backward scratch
  dres: GPUBuffer; dxn: GPUBuffer; tmpC: GPUBuffer;
  dq: GPUBuffer; dk: GPUBuffer; dv: GPUBuffer; dO: GPUBuffer;
  dg: GPUBuffer; du: GPUBuffer; dhm: GPUBuffer; dlora: GPUBuffer | null;
  /** [N, max in] LoRA dropout scratch (null when p = 0); [N, max chunk rows] for split weights. */
  xdrop: GPUBuffer | null; split: GPUBuffer | null;
  /** [B] ones: sums the prompt gradient over the batch (prompt tuning only). */
  ones: GPUBuffer | null;
  all: GPUBuffer[];
}

/** KV cache and scratch for incremental decoding (batch 1). */
interface DecodeState {
  maxT: number; // real tokens the cache can still take after the virtual ones
  rows: number; // cache rows: virt + maxT
  virt: number; // virtual positions in front (soft prompt), 0 without
  virtPending: boolean; // the virtual rows are not in the cache yet (filled by the first decode)
  chunk: number; // most new tokens per step (prefill is cut into chunks of this size)
  pos: number; // positions already in the cache, virtual ones included
  kc: GPUBuffer[]; vc: GPUBuffer[]; // per layer [maxT, KV·D]
  tokens: GPUBuffer; x: GPUBuffer; x1: GPUBuffer; xn: GPUBuffer; rstd: GPUBuffer;
  q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; o: GPUBuffer;
  g: GPUBuffer; u: GPUBuffer; hm: GPUBuffer; h: GPUBuffer | null; logits: GPUBuffer; split: GPUBuffer | null;
  all: GPUBuffer[];
}

interface LayerWeights {
  inputNorm: GPUBuffer;
  postNorm: GPUBuffer;
  lin: Record<LoraTarget, Linear>;
}

export interface MemoryPlan {
  baseBytes: number;
  loraBytes: number;
  activationBytes: number;
  totalBytes: number;
  /**
   * The largest buffer that cannot be split (an activation; weights are cut into row chunks that fit
   * the binding limit). Over the limit, the batch or the sequence must shrink.
   */
  largestBuffer: { name: string; bytes: number };
}

const f32 = 4;

/**
 * Bytes a (config, batch, sequence, options) needs on the GPU, computed before allocating anything.
 * With `maxBindingBytes`, the scratch that split weights need is counted too.
 */
export function planMemory(cfg: ModelConfig, B: number, T: number, o: { baseDtype: BaseDtype; lora: LoraConfig | null; checkpointing?: boolean; maxBindingBytes?: number; softPrompt?: SoftPromptConfig | null }): MemoryPlan {
  // Prompt tuning puts its P virtual rows in front of every sequence; their values and grads count as adapter bytes.
  if (o.softPrompt?.method === 'prompt') T += o.softPrompt.virtualTokens;
  const N = B * T, C = cfg.hiddenSize, F = cfg.intermediateSize, V = cfg.vocabSize;
  const qd = cfg.numHeads * cfg.headDim, kvd = cfg.numKvHeads * cfg.headDim;
  const perWeight = (out: number, inn: number) => out * bytesPerRow(o.baseDtype, inn);
  let base = V * C * f32 + C * f32 + (cfg.tieWordEmbeddings ? 0 : V * C * f32);
  // Split weights: the largest chunk's output [N, rows] is staged in one scratch buffer.
  let splitRows = 0;
  const chunkRows = (name: string, rows: number, rowBytes: number) => {
    if (o.maxBindingBytes === undefined) return;
    const chunks = planRowChunks(name, rows, rowBytes, o.maxBindingBytes);
    if (chunks.length > 1) splitRows = Math.max(splitRows, chunks[0].rows);
  };
  chunkRows('lm_head', V, C * f32);
  for (const t of LORA_TARGETS) {
    const [out, inn] = linearShape(cfg, t);
    base += cfg.numLayers * perWeight(out, inn);
    chunkRows(t, out, bytesPerRow(o.baseDtype, inn));
  }
  base += cfg.numLayers * 2 * C * f32 + (cfg.attentionBias ? cfg.numLayers * (qd + 2 * kvd) * f32 : 0);
  let lora = 0;
  const R = o.lora?.rank ?? 0;
  if (o.lora) for (const t of o.lora.targets) { const [out, inn] = linearShape(cfg, t); lora += cfg.numLayers * 2 * R * (out + inn) * f32; }
  if (o.softPrompt) lora += 2 * softPromptSize(cfg, o.softPrompt) * f32;
  const nTargets = o.lora?.targets.length ?? 0;
  const maxIn = Math.max(0, ...(o.lora?.targets ?? []).map((t) => linearShape(cfg, t)[1]));
  const dropScratch = o.lora && o.lora.dropout > 0 ? N * maxIn : 0;
  const layerActs = (2 * N * C + 2 * N + N * qd * 2 + N * kvd * 2 + B * cfg.numHeads * T + 2 * N * C + 3 * N * F + nTargets * N * R) * f32;
  const acts = (o.checkpointing ? 1 : cfg.numLayers) * layerActs + (cfg.numLayers + 1) * N * C * f32 + (N * C + N + N * V + N) * f32
    + (3 * N * C + 2 * N * qd + 2 * N * kvd + 3 * N * F + N * R + dropScratch + N * splitRows) * f32 + 3 * N * f32;
  const candidates: [string, number][] = [['logits', N * V], ['g', N * F], ['q', N * qd], ['x', N * C], ['lora dropout scratch', dropScratch]];
  let largest = { name: 'logits', bytes: 0 };
  for (const [name, floats] of candidates) if (floats * f32 > largest.bytes) largest = { name, bytes: floats * f32 };
  return { baseBytes: base, loraBytes: lora, activationBytes: acts, totalBytes: base + lora + acts, largestBuffer: largest };
}

export class GpuModel {
  private layers: LayerWeights[] = [];
  /** embed_tokens [V, C], f32, possibly in row chunks */
  private embed!: Linear;
  private finalNorm!: GPUBuffer;
  /** the LM head [V, C] (the same object as embed when tied) */
  private lmHead!: Linear;
  private invFreq!: GPUBuffer;
  private ws: Workspace | null = null;
  private dec: DecodeState | null = null;
  /** When false, inference (logits, decoding) runs the base model without the LoRA path. */
  adapterEnabled = true;
  readonly loraConfig: LoraConfig | null;
  /** Prompt / prefix tuning parameters (null without). */
  private soft: SoftPromptBuffers | null = null;
  /** The storage binding limit weights and activations are planned against. */
  readonly maxBindingBytes: number;

  private constructor(readonly gpu: Gpu, readonly cfg: ModelConfig, readonly opts: ModelOptions) {
    this.loraConfig = opts.lora?.config ?? null;
    this.maxBindingBytes = Math.min(gpu.device.limits.maxStorageBufferBindingSize, opts.maxBindingBytes ?? Infinity);
  }

  static create(gpu: Gpu, cfg: ModelConfig, weights: BaseWeightMap, opts: ModelOptions): GpuModel {
    validateWeights(cfg, weights);
    if (cfg.ropeLayout !== 'half' && cfg.ropeLayout !== 'interleaved') throw new PlanError(`unknown rope layout ${cfg.ropeLayout}`);
    const lora = opts.lora?.config;
    if (lora && !(lora.dropout >= 0 && lora.dropout < 1)) throw new PlanError(`LoRA dropout must be in [0, 1), got ${lora.dropout}`);
    const m = new GpuModel(gpu, cfg, opts);
    const limit = m.maxBindingBytes, V = cfg.vocabSize, C = cfg.hiddenSize;
    const get = (n: string) => tensorF32(weights.get(n)!); // f32 tensors (validateWeights: only linear weights may be quantized)
    m.embed = new Linear(gpu, 'model.embed_tokens', V, C, get('model.embed_tokens.weight'), null, 'f32', limit);
    m.finalNorm = gpu.upload('norm', get('model.norm.weight'));
    m.lmHead = cfg.tieWordEmbeddings ? m.embed : new Linear(gpu, 'lm_head', V, C, tensorF32(lmHead(cfg, weights)), null, 'f32', limit);
    m.invFreq = gpu.upload('rope.inv_freq', Float32Array.from(ropeInvFreq(cfg)));
    const scale = opts.lora ? loraScale(opts.lora.config) : 0;
    for (let i = 0; i < cfg.numLayers; i++) {
      const lin = {} as Record<LoraTarget, Linear>;
      for (const t of LORA_TARGETS) {
        const [out, inn] = linearShape(cfg, t);
        const p = modulePath(i, t);
        const bias = cfg.attentionBias && (t === 'q_proj' || t === 'k_proj' || t === 'v_proj') ? get(`${p}.bias`) : null;
        const l = new Linear(gpu, p, out, inn, tensorSource(weights.get(`${p}.weight`)!), bias, opts.baseDtype, limit);
        const lp = opts.lora?.params.get(p);
        if (opts.lora && opts.lora.config.targets.includes(t)) {
          if (!lp) throw new PlanError(`LoRA parameters for ${p} are missing`);
          const R = opts.lora.config.rank;
          if (lp.A.length !== R * inn || lp.B.length !== out * R) throw new PlanError(`LoRA parameters for ${p} have the wrong size for rank ${R}`);
          l.lora = {
            A: gpu.upload(`${p}.lora_A`, lp.A), B: gpu.upload(`${p}.lora_B`, lp.B),
            dA: gpu.createBuffer(`${p}.lora_A.grad`, lp.A.byteLength), dB: gpu.createBuffer(`${p}.lora_B.grad`, lp.B.byteLength),
            rank: R, scale,
          };
        }
        lin[t] = l;
      }
      m.layers.push({ inputNorm: gpu.upload(`layer${i}.input_layernorm`, get(`model.layers.${i}.input_layernorm.weight`)), postNorm: gpu.upload(`layer${i}.post_attention_layernorm`, get(`model.layers.${i}.post_attention_layernorm.weight`)), lin });
    }
    const sp = opts.softPrompt;
    if (sp) {
      const size = softPromptSize(cfg, sp.config);
      if (!(Number.isInteger(sp.config.virtualTokens) && sp.config.virtualTokens >= 1)) throw new PlanError(`the number of virtual tokens must be a positive integer, got ${sp.config.virtualTokens}`);
      if (sp.values.length !== size) throw new PlanError(`${sp.config.method} tuning parameters have ${sp.values.length} values, expected ${size}`);
      const name = softPromptName(sp.config);
      m.soft = { config: sp.config, param: gpu.upload(name, sp.values), grad: gpu.createBuffer(`${name}.grad`, size * f32), size };
    }
    return m;
  }

  /** The soft-prompt config (null without prompt / prefix tuning). */
  get softPromptConfig(): SoftPromptConfig | null {
    return this.soft?.config ?? null;
  }

  /** Virtual tokens of prompt tuning put in front of each sequence by this call (0: none). */
  private promptRows(useAdapter: boolean): number {
    return useAdapter && this.soft?.config.method === 'prompt' ? this.soft.config.virtualTokens : 0;
  }

  /** Prefix slots attention sees (0: none). */
  private prefixSlots(useAdapter: boolean): number {
    return useAdapter && this.soft?.config.method === 'prefix' ? this.soft.config.virtualTokens : 0;
  }

  /** Positions the soft prompt takes in front of the real tokens when the adapter is on (prompt or prefix). */
  get virtualPositions(): number {
    return this.adapterEnabled ? (this.soft?.config.virtualTokens ?? 0) : 0;
  }

  /** Allocate (or reuse) activation buffers for batch B × sequence T (T includes `virt` prompt rows). */
  private workspace(B: number, T: number, virt = 0): Workspace {
    if (this.ws && this.ws.B === B && this.ws.T === T) { this.ws.virt = virt; return this.ws; }
    this.freeWorkspace();
    const { gpu, cfg } = this;
    const N = B * T, C = cfg.hiddenSize, F = cfg.intermediateSize, V = cfg.vocabSize;
    const qd = cfg.numHeads * cfg.headDim, kvd = cfg.numKvHeads * cfg.headDim;
    const R = this.loraConfig?.rank ?? 0;
    const plan = planMemory(cfg, B, T, { baseDtype: this.opts.baseDtype, lora: this.loraConfig, checkpointing: this.opts.checkpointing });
    const limit = this.maxBindingBytes;
    if (plan.largestBuffer.bytes > limit) {
      const lb = plan.largestBuffer;
      throw new PlanError(`batch ${B} × sequence ${T}: the activation "${lb.name}" needs ${lb.bytes} bytes, over this device's storage binding limit of ${limit} bytes; use a smaller batch or sequence length${lb.name === 'logits' ? ` (the logits are N×V = ${N}×${V} floats; N = batch × sequence must be at most ${Math.floor(limit / (V * f32))})` : ''}`);
    }
    const all: GPUBuffer[] = [];
    const buf = (name: string, floats: number) => { const b = gpu.createBuffer(name, floats * f32); all.push(b); return b; };
    const nActs = this.opts.checkpointing ? 1 : cfg.numLayers;
    const acts: LayerActs[] = [];
    for (let i = 0; i < nActs; i++) {
      const h = new Map<LoraTarget, GPUBuffer>();
      for (const t of this.loraConfig?.targets ?? []) h.set(t, buf(`l${i}.${t}.h`, N * R));
      acts.push({
        xn1: buf(`l${i}.xn1`, N * C), rstd1: buf(`l${i}.rstd1`, N), q: buf(`l${i}.q`, N * qd), k: buf(`l${i}.k`, N * kvd), v: buf(`l${i}.v`, N * kvd),
        o: buf(`l${i}.o`, N * qd), lse: buf(`l${i}.lse`, B * cfg.numHeads * T), x1: buf(`l${i}.x1`, N * C), xn2: buf(`l${i}.xn2`, N * C), rstd2: buf(`l${i}.rstd2`, N),
        g: buf(`l${i}.g`, N * F), u: buf(`l${i}.u`, N * F), hm: buf(`l${i}.hm`, N * F), h,
      });
    }
    const xs = Array.from({ length: cfg.numLayers + 1 }, (_, i) => buf(`x${i}`, N * C));
    this.ws = {
      B, T, N, virt, all, acts, xs,
      tokens: buf('tokens', N), targets: buf('targets', N), mask: buf('mask', N),
      xf: buf('xf', N * C), rstdf: buf('rstdf', N), logits: buf('logits', N * V), loss: buf('loss', N),
      dres: buf('dres', N * C), dxn: buf('dxn', N * C), tmpC: buf('tmpC', N * C),
      dq: buf('dq', N * qd), dk: buf('dk', N * kvd), dv: buf('dv', N * kvd), dO: buf('dO', N * qd),
      dg: buf('dg', N * F), du: buf('du', N * F), dhm: buf('dhm', N * F), dlora: R ? buf('dlora', N * R) : null,
      xdrop: this.dropoutP > 0 ? buf('lora.xdrop', N * Math.max(...this.loraConfig!.targets.map((t) => linearShape(cfg, t)[1]))) : null,
      split: this.splitRows ? buf('split.scratch', N * this.splitRows) : null,
      ones: this.soft?.config.method === 'prompt' ? buf('ones', B) : null,
    };
    if (this.ws.ones) gpu.write(this.ws.ones, new Float32Array(B).fill(1));
    return this.ws;
  }

  /** Names of the weights held in more than one buffer (over the binding limit), with their chunk count. */
  get splitWeights(): { name: string; chunks: number; maxChunkRows: number }[] {
    const lins = [this.embed, ...(this.lmHead !== this.embed ? [this.lmHead] : []), ...this.layers.flatMap((L) => LORA_TARGETS.map((t) => L.lin[t]))];
    return lins.filter((l) => l.isSplit).map((l) => ({ name: l.name, chunks: l.chunkCount, maxChunkRows: l.maxChunkRows }));
  }

  /** LoRA dropout probability (0 without LoRA). */
  private get dropoutP(): number {
    return this.loraConfig?.dropout ?? 0;
  }

  /** Rows of the largest chunk among the split weights (0 when nothing is split). */
  private get splitRows(): number {
    const lins = [this.lmHead, ...this.layers.flatMap((L) => LORA_TARGETS.map((t) => L.lin[t]))];
    return Math.max(0, ...lins.filter((l) => l.isSplit).map((l) => l.maxChunkRows));
  }

  /** Dropout of layer l's target t for micro-batch `key` (null: inference, p = 0, or t not adapted). */
  private dropoutOf(ws: Workspace, key: DropoutKey | null, l: number, t: LoraTarget): LinearDropout | null {
    if (!key || !ws.xdrop || !this.layers[l].lin[t].lora) return null;
    return { stream: dropoutStream(key, l, t), p: this.dropoutP, xd: ws.xdrop };
  }

  /** Layer l's K/V prefix for kernels/attention (undefined without prefix tuning or with P = 0). */
  private prefixArg(l: number, P: number): { pkv: GPUBuffer; P: number; offset: number } | undefined {
    if (P === 0) return undefined;
    return { pkv: this.soft!.param, P, offset: l * 2 * P * this.cfg.numKvHeads * this.cfg.headDim };
  }

  private freeWorkspace(): void {
    if (this.ws) this.gpu.destroyAll(this.ws.all);
    this.ws = null;
  }

  private acts(ws: Workspace, layer: number): LayerActs {
    return ws.acts[this.opts.checkpointing ? 0 : layer];
  }

  /**
   * Tokens (and targets, mask) [B × T_caller] into the workspace; with prompt tuning each row gets
   * ws.virt virtual rows in front: id V (the gather writes zeros there, the prompt is copied in
   * after), target 0, mask 0.
   */
  private uploadBatch(ws: Workspace, tokens: Int32Array, targets?: Int32Array, mask?: Float32Array): void {
    const V = this.cfg.vocabSize, P = ws.virt, T = ws.T - P;
    for (const t of tokens) if (t < 0 || t >= V || !Number.isInteger(t)) throw new PlanError(`token id ${t} is outside the vocabulary (0..${V - 1})`);
    const pad = <A extends Uint32Array | Float32Array>(src: ArrayLike<number>, out: A, fill: number): A => {
      for (let b = 0; b < ws.B; b++) {
        out.fill(fill, b * ws.T, b * ws.T + P);
        for (let t = 0; t < T; t++) out[b * ws.T + P + t] = src[b * T + t];
      }
      return out;
    };
    this.gpu.write(ws.tokens, pad(tokens, new Uint32Array(ws.N), V));
    if (targets) this.gpu.write(ws.targets, pad(targets.map((t) => (t >= 0 && t < V ? t : 0)), new Uint32Array(ws.N), 0));
    if (mask) this.gpu.write(ws.mask, pad(mask, new Float32Array(ws.N), 0));
  }

  /**
   * One decoder layer forward: ws.xs[l] → ws.xs[l+1], saving activations into acts. `drop`: the
   * micro-batch's dropout key in training (null for inference).
   */
  private layerForward(rec: Recorder, ws: Workspace, l: number, useAdapter: boolean, drop: DropoutKey | null): void {
    const { gpu, cfg } = this;
    const a = this.acts(ws, l), L = this.layers[l], N = ws.N;
    const x = ws.xs[l], xNext = ws.xs[l + 1];
    const lin = L.lin;
    const h = (t: LoraTarget) => (useAdapter ? (a.h.get(t) ?? null) : null);
    const o = (t: LoraTarget) => ({ scratch: ws.split, dropout: this.dropoutOf(ws, drop, l, t) });
    rec.keep(rmsnorm(gpu, rec.pass, { x, w: L.inputNorm, y: a.xn1, rstd: a.rstd1, N, C: cfg.hiddenSize, eps: cfg.rmsNormEps }));
    lin.q_proj.forward(rec, a.xn1, a.q, N, h('q_proj'), o('q_proj'));
    lin.k_proj.forward(rec, a.xn1, a.k, N, h('k_proj'), o('k_proj'));
    lin.v_proj.forward(rec, a.xn1, a.v, N, h('v_proj'), o('v_proj'));
    const P = this.prefixSlots(useAdapter);
    rec.keep(rope(gpu, rec.pass, { x: a.q, invFreq: this.invFreq, N, T: ws.T, numHeads: cfg.numHeads, D: cfg.headDim, posOffset: P, layout: cfg.ropeLayout }));
    rec.keep(rope(gpu, rec.pass, { x: a.k, invFreq: this.invFreq, N, T: ws.T, numHeads: cfg.numKvHeads, D: cfg.headDim, posOffset: P, layout: cfg.ropeLayout }));
    rec.keep(attention(gpu, rec.pass, { q: a.q, k: a.k, v: a.v, o: a.o, lse: a.lse, B: ws.B, T: ws.T, H: cfg.numHeads, KV: cfg.numKvHeads, D: cfg.headDim, slidingWindow: cfg.slidingWindow ?? 0, prefix: this.prefixArg(l, P) }));
    lin.o_proj.forward(rec, a.o, a.x1, N, h('o_proj'), o('o_proj'));
    rec.keep(add(gpu, rec.pass, { a: a.x1, b: x, count: N * cfg.hiddenSize }));
    rec.keep(rmsnorm(gpu, rec.pass, { x: a.x1, w: L.postNorm, y: a.xn2, rstd: a.rstd2, N, C: cfg.hiddenSize, eps: cfg.rmsNormEps }));
    lin.gate_proj.forward(rec, a.xn2, a.g, N, h('gate_proj'), o('gate_proj'));
    lin.up_proj.forward(rec, a.xn2, a.u, N, h('up_proj'), o('up_proj'));
    rec.keep(swiglu(gpu, rec.pass, { g: a.g, u: a.u, h: a.hm, count: N * cfg.intermediateSize }));
    lin.down_proj.forward(rec, a.hm, xNext, N, h('down_proj'), o('down_proj'));
    rec.keep(add(gpu, rec.pass, { a: xNext, b: a.x1, count: N * cfg.hiddenSize }));
  }

  /** Backward of layer l: ws.dres holds d x_{l+1} on entry and d x_l on exit. `drop` = the forward's. */
  private layerBackward(rec: Recorder, ws: Workspace, l: number, drop: DropoutKey | null): void {
    const { gpu, cfg } = this;
    const a = this.acts(ws, l), L = this.layers[l], N = ws.N, C = cfg.hiddenSize;
    const lin = L.lin;
    const h = (t: LoraTarget) => a.h.get(t) ?? null;
    const o = (t: LoraTarget) => ({ scratch: ws.split, dropout: this.dropoutOf(ws, drop, l, t) });
    // MLP
    lin.down_proj.backward(rec, ws.dres, a.hm, h('down_proj'), ws.dhm, ws.dlora, N, false, o('down_proj'));
    rec.keep(swigluBackward(gpu, rec.pass, { dh: ws.dhm, g: a.g, u: a.u, dg: ws.dg, du: ws.du, count: N * cfg.intermediateSize }));
    lin.gate_proj.backward(rec, ws.dg, a.xn2, h('gate_proj'), ws.dxn, ws.dlora, N, false, o('gate_proj'));
    lin.up_proj.backward(rec, ws.du, a.xn2, h('up_proj'), ws.dxn, ws.dlora, N, true, o('up_proj'));
    rec.keep(rmsnormBackward(gpu, rec.pass, { dy: ws.dxn, x: a.x1, w: L.postNorm, rstd: a.rstd2, dx: ws.tmpC, N, C }));
    rec.keep(add(gpu, rec.pass, { a: ws.dres, b: ws.tmpC, count: N * C }));
    // attention
    lin.o_proj.backward(rec, ws.dres, a.o, h('o_proj'), ws.dO, ws.dlora, N, false, o('o_proj'));
    const P = this.prefixSlots(true);
    rec.keep(attentionBackward(gpu, rec.pass, { q: a.q, k: a.k, v: a.v, o: a.o, lse: a.lse, dO: ws.dO, dq: ws.dq, dk: ws.dk, dv: ws.dv, B: ws.B, T: ws.T, H: cfg.numHeads, KV: cfg.numKvHeads, D: cfg.headDim, slidingWindow: cfg.slidingWindow ?? 0, prefix: this.prefixArg(l, P), dpkv: this.soft?.grad }));
    rec.keep(ropeBackward(gpu, rec.pass, { dx: ws.dq, invFreq: this.invFreq, N, T: ws.T, numHeads: cfg.numHeads, D: cfg.headDim, posOffset: P, layout: cfg.ropeLayout }));
    rec.keep(ropeBackward(gpu, rec.pass, { dx: ws.dk, invFreq: this.invFreq, N, T: ws.T, numHeads: cfg.numKvHeads, D: cfg.headDim, posOffset: P, layout: cfg.ropeLayout }));
    lin.q_proj.backward(rec, ws.dq, a.xn1, h('q_proj'), ws.dxn, ws.dlora, N, false, o('q_proj'));
    lin.k_proj.backward(rec, ws.dk, a.xn1, h('k_proj'), ws.dxn, ws.dlora, N, true, o('k_proj'));
    lin.v_proj.backward(rec, ws.dv, a.xn1, h('v_proj'), ws.dxn, ws.dlora, N, true, o('v_proj'));
    rec.keep(rmsnormBackward(gpu, rec.pass, { dy: ws.dxn, x: ws.xs[l], w: L.inputNorm, rstd: a.rstd1, dx: ws.tmpC, N, C }));
    rec.keep(add(gpu, rec.pass, { a: ws.dres, b: ws.tmpC, count: N * C }));
  }

  /** Embedding, every layer, final norm and LM head: fills ws.logits [N,V]. `drop`: training only. */
  private forwardAll(rec: Recorder, ws: Workspace, useAdapter: boolean, drop: DropoutKey | null): void {
    const { gpu, cfg } = this;
    const N = ws.N, C = cfg.hiddenSize;
    rec.keep(embeddingChunks(gpu, rec.pass, { chunks: this.embed.f32Chunks(), tok: ws.tokens, x: ws.xs[0], N, C, V: cfg.vocabSize }));
    // prompt tuning: x_0[b, 0..P−1] = E_p (those rows' ids were out of vocabulary: zeros until here)
    for (let b = 0; b < ws.B && ws.virt > 0; b++) rec.keep(copy(gpu, rec.pass, { src: this.soft!.param, dst: ws.xs[0], count: ws.virt * C, dstOffset: b * ws.T * C }));
    for (let l = 0; l < cfg.numLayers; l++) this.layerForward(rec, ws, l, useAdapter, drop);
    rec.keep(rmsnorm(gpu, rec.pass, { x: ws.xs[cfg.numLayers], w: this.finalNorm, y: ws.xf, rstd: ws.rstdf, N, C, eps: cfg.rmsNormEps }));
    // logits = xf·W_lmᵀ : [N,C]·[C,V]
    this.lmHead.forward(rec, ws.xf, ws.logits, N, null, { scratch: ws.split });
  }

  /** Logits [B*T*V] for token ids [B*T]. */
  async logits(tokens: Int32Array, B: number, T: number): Promise<Float32Array> {
    if (tokens.length !== B * T) throw new PlanError(`expected ${B}×${T} tokens, got ${tokens.length}`);
    const P = this.promptRows(this.adapterEnabled);
    const ws = this.workspace(B, P + T, P);
    this.uploadBatch(ws, tokens);
    const rec = new Recorder(this.gpu, 'forward');
    this.forwardAll(rec, ws, this.adapterEnabled, null);
    rec.submit();
    const V = this.cfg.vocabSize;
    const all = await this.gpu.readF32(ws.logits, ws.N * V);
    if (P === 0) return all;
    // drop the virtual rows: [B, P+T, V] → [B, T, V]
    const out = new Float32Array(B * T * V);
    for (let b = 0; b < B; b++) out.set(all.subarray((b * ws.T + P) * V, (b + 1) * ws.T * V), b * T * V);
    return out;
  }

  /** Zero every LoRA and soft-prompt gradient (start of an accumulation window). */
  zeroGrads(): void {
    for (const L of this.layers) for (const t of LORA_TARGETS) {
      const l = L.lin[t].lora;
      if (l) { this.gpu.write(l.dA, new Float32Array(l.dA.size / 4)); this.gpu.write(l.dB, new Float32Array(l.dB.size / 4)); }
    }
    if (this.soft) this.gpu.write(this.soft.grad, new Float32Array(this.soft.size));
  }

  /**
   * Forward + loss + backward for one micro-batch; LoRA grads are ADDED to the grad buffers (call
   * zeroGrads first). Returns the masked-mean loss of this micro-batch. With LoRA dropout, `drop` picks
   * the masks (the train backend passes the optimizer step and the micro-batch index); default
   * { seed: dropoutSeed, step: 0, micro: 0 }.
   */
  async forwardBackward(batch: Batch, drop?: DropoutKey): Promise<number> {
    const { cfg, gpu } = this;
    const { B, T } = batch;
    if (batch.tokens.length !== B * T || batch.targets.length !== B * T || batch.lossMask.length !== B * T) throw new PlanError(`batch arrays must have ${B}×${T} entries`);
    if (!this.loraConfig && !this.soft) throw new PlanError('training needs a LoRA adapter or a soft prompt');
    const P = this.promptRows(true);
    const ws = this.workspace(B, P + T, P);
    this.uploadBatch(ws, batch.tokens, batch.targets, batch.lossMask);
    let count = 0;
    for (const m of batch.lossMask) count += m;
    const key = this.dropoutP > 0 ? (drop ?? { seed: this.opts.dropoutSeed ?? 0, step: 0, micro: 0 }) : null;
    const rec = new Recorder(gpu, 'train-step');
    this.forwardAll(rec, ws, true, key);
    const N = ws.N, C = cfg.hiddenSize, V = cfg.vocabSize;
    // loss per row and dlogits in place (zero where masked; zero everywhere when nothing is counted)
    rec.keep(crossEntropyAndGrad(gpu, rec.pass, { logits: ws.logits, targets: ws.targets, mask: ws.mask, loss: ws.loss, N, V, invCount: count > 0 ? 1 / count : 0 }));
    // dxf = dlogits · W_lm : [N,V]·[V,C] (summed over the head's row chunks when split)
    this.lmHead.backward(rec, ws.logits, ws.xf, null, ws.dxn, null, N, false, { scratch: ws.split });
    rec.keep(rmsnormBackward(gpu, rec.pass, { dy: ws.dxn, x: ws.xs[cfg.numLayers], w: this.finalNorm, rstd: ws.rstdf, dx: ws.dres, N, C }));
    for (let l = cfg.numLayers - 1; l >= 0; l--) {
      if (this.opts.checkpointing) this.layerForward(rec, ws, l, true, key); // same key ⇒ same masks
      this.layerBackward(rec, ws, l, key);
    }
    if (P > 0) {
      // prompt tuning: dE_p += Σ_b dx_0[b, 0..P−1] — gather the rows [B, P·C] into tmpC, then onesᵀ·that
      rec.keep(copyCols(gpu, rec.pass, { src: ws.dres, dst: ws.tmpC, rows: ws.B, cols: P * C, srcLd: ws.T * C, srcCol: 0, dstLd: P * C, dstCol: 0 }));
      rec.keep(matmul(gpu, rec.pass, { A: ws.ones!, B: ws.tmpC, C: this.soft!.grad, M: 1, N: P * C, K: ws.B, accumulate: true }));
    }
    rec.submit();
    const loss = await gpu.readF32(ws.loss, N);
    let s = 0;
    for (const v of loss) s += v;
    return count > 0 ? s / count : 0;
  }

  private loraPairs(): { path: string; l: NonNullable<Linear['lora']>; out: number; inn: number }[] {
    const out: { path: string; l: NonNullable<Linear['lora']>; out: number; inn: number }[] = [];
    this.layers.forEach((L, i) => { for (const t of LORA_TARGETS) { const lin = L.lin[t]; if (lin.lora) out.push({ path: modulePath(i, t), l: lin.lora, out: lin.out, inn: lin.inn }); } });
    return out;
  }

  /** Current LoRA parameters, read back. */
  async readLora(): Promise<LoraParams> {
    const p: LoraParams = new Map();
    for (const { path, l, out, inn } of this.loraPairs()) p.set(path, { A: await this.gpu.readF32(l.A, l.rank * inn), B: await this.gpu.readF32(l.B, out * l.rank) });
    return p;
  }

  /** Overwrite the LoRA parameters (checkpoint resume, adapter import). */
  writeLora(p: LoraParams): void {
    for (const { path, l, out, inn } of this.loraPairs()) {
      const v = p.get(path);
      if (!v) throw new PlanError(`LoRA parameters for ${path} are missing`);
      if (v.A.length !== l.rank * inn || v.B.length !== out * l.rank) throw new PlanError(`LoRA parameters for ${path} have the wrong size`);
      this.gpu.write(l.A, v.A);
      this.gpu.write(l.B, v.B);
    }
  }

  /** Masked-mean loss of a batch without any backward (validation). */
  async loss(batch: Batch): Promise<number> {
    const { B, T } = batch;
    const P = this.promptRows(true);
    const ws = this.workspace(B, P + T, P);
    this.uploadBatch(ws, batch.tokens, batch.targets, batch.lossMask);
    let count = 0;
    for (const m of batch.lossMask) count += m;
    if (count === 0) return 0;
    const rec = new Recorder(this.gpu, 'eval');
    this.forwardAll(rec, ws, true, null);
    rec.keep(crossEntropy(this.gpu, rec.pass, { logits: ws.logits, targets: ws.targets, mask: ws.mask, loss: ws.loss, N: ws.N, V: this.cfg.vocabSize }));
    rec.submit();
    const loss = await this.gpu.readF32(ws.loss, ws.N);
    let s = 0;
    for (const v of loss) s += v;
    return s / count;
  }

  /** Current LoRA gradients, read back (same layout as the parameters). */
  async readLoraGrads(): Promise<LoraParams> {
    const p: LoraParams = new Map();
    for (const { path, l, out, inn } of this.loraPairs()) p.set(path, { A: await this.gpu.readF32(l.dA, l.rank * inn), B: await this.gpu.readF32(l.dB, out * l.rank) });
    return p;
  }

  /** GPU buffers of every trainable parameter (LoRA A/B, soft prompt) with its gradient (for the optimizer). */
  trainables(): { name: string; param: GPUBuffer; grad: GPUBuffer; size: number }[] {
    const out = this.loraPairs().flatMap(({ path, l, out, inn }) => [
      { name: `${path}.lora_A`, param: l.A, grad: l.dA, size: l.rank * inn },
      { name: `${path}.lora_B`, param: l.B, grad: l.dB, size: out * l.rank },
    ]);
    if (this.soft) out.push({ name: softPromptName(this.soft.config), param: this.soft.param, grad: this.soft.grad, size: this.soft.size });
    return out;
  }

  /** Current soft-prompt values (prompt [P, C] or prefix [L, 2, P, KV·D]), or null without. */
  async readSoftPrompt(): Promise<Float32Array | null> {
    return this.soft ? this.gpu.readF32(this.soft.param, this.soft.size) : null;
  }

  /** Its gradient (same layout), or null. */
  async readSoftPromptGrad(): Promise<Float32Array | null> {
    return this.soft ? this.gpu.readF32(this.soft.grad, this.soft.size) : null;
  }

  /** Overwrite the soft-prompt values (checkpoint resume, adapter import). */
  writeSoftPrompt(v: Float32Array): void {
    if (!this.soft) throw new PlanError('this model has no soft prompt');
    if (v.length !== this.soft.size) throw new PlanError(`soft prompt has ${v.length} values, expected ${this.soft.size}`);
    this.gpu.write(this.soft.param, v);
  }

  get trainableParameterCount(): number {
    return this.trainables().reduce((s, t) => s + t.size, 0);
  }

  // --- incremental decoding with a KV cache ---------------------------------------------------------

  /**
   * Start a new sequence: allocate (or reuse) a KV cache of `maxT` positions (plus the soft prompt's
   * virtual ones in front, when the adapter is on) and empty it.
   */
  beginDecode(maxT: number): void {
    const { gpu, cfg } = this;
    const virt = this.virtualPositions;
    if (maxT + virt > cfg.maxPositionEmbeddings) throw new PlanError(`sequence of ${maxT} tokens${virt ? ` after ${virt} virtual tokens` : ''} exceeds the model's ${cfg.maxPositionEmbeddings} positions`);
    if (this.dec && this.dec.rows >= maxT + virt) {
      Object.assign(this.dec, { pos: 0, virt, virtPending: virt > 0, maxT: this.dec.rows - virt });
      return;
    }
    this.endDecode();
    const rows = maxT + virt;
    const C = cfg.hiddenSize, F = cfg.intermediateSize, V = cfg.vocabSize;
    const qd = cfg.numHeads * cfg.headDim, kvd = cfg.numKvHeads * cfg.headDim;
    // The chunk's logits [chunk, V] must fit one binding.
    const chunk = Math.max(1, Math.min(64, rows, Math.floor(this.maxBindingBytes / (V * f32)))), R = this.loraConfig?.rank ?? 0;
    const splitRows = this.splitRows;
    const all: GPUBuffer[] = [];
    const buf = (name: string, floats: number) => { const b = gpu.createBuffer(`decode.${name}`, floats * f32); all.push(b); return b; };
    this.dec = {
      maxT, rows, virt, virtPending: virt > 0, chunk, pos: 0, all,
      kc: Array.from({ length: cfg.numLayers }, (_, i) => buf(`k${i}`, rows * kvd)),
      vc: Array.from({ length: cfg.numLayers }, (_, i) => buf(`v${i}`, rows * kvd)),
      tokens: buf('tokens', chunk), x: buf('x', chunk * C), x1: buf('x1', chunk * C), xn: buf('xn', chunk * C), rstd: buf('rstd', chunk),
      q: buf('q', chunk * qd), k: buf('k', chunk * kvd), v: buf('v', chunk * kvd), o: buf('o', chunk * qd),
      g: buf('g', chunk * F), u: buf('u', chunk * F), hm: buf('hm', chunk * F), h: R ? buf('h', chunk * R) : null, logits: buf('logits', chunk * V),
      split: splitRows ? buf('split.scratch', chunk * splitRows) : null,
    };
  }

  endDecode(): void {
    if (this.dec) this.gpu.destroyAll(this.dec.all);
    this.dec = null;
  }

  /** Tokens already in the KV cache (the soft prompt's virtual positions not counted). */
  get decodePosition(): number {
    return this.dec ? this.dec.pos - this.dec.virt : 0;
  }

  /** Append `tokens` to the sequence (prefill or one decoding step); returns the logits [V] of the last. */
  async decode(tokens: ArrayLike<number>): Promise<Float32Array> {
    const d = this.dec;
    if (!d) throw new PlanError('decode() before beginDecode()');
    if (tokens.length === 0) throw new PlanError('decode() needs at least one token');
    if (d.pos - d.virt + tokens.length > d.maxT) throw new PlanError(`the sequence would exceed ${d.maxT} tokens (the KV cache size)`);
    if (d.virtPending) this.prefillVirtual(d);
    let last: Float32Array | null = null;
    for (let i = 0; i < tokens.length; i += d.chunk) {
      const part = Int32Array.from(Array.prototype.slice.call(tokens, i, i + d.chunk) as number[]);
      last = await this.decodeChunk(d, part, i + d.chunk >= tokens.length);
    }
    return last!;
  }

  /**
   * Put the soft prompt in front of the cache: prompt tuning runs its P embeddings through the layers
   * (in chunks, no logits); prefix tuning copies each layer's K/V prefix into rows 0..P−1 (stored
   * keys carry no RoPE of ours, as HF's past_key_values). Then pos = P.
   */
  private prefillVirtual(d: DecodeState): void {
    const { gpu, cfg } = this;
    const sp = this.soft!, P = d.virt;
    d.virtPending = false;
    if (sp.config.method === 'prompt') {
      for (let i = 0; i < P; i += d.chunk) this.recordDecodeChunk(d, { virtualFrom: i, n: Math.min(d.chunk, P - i) }, false).submit();
      return;
    }
    const kvd = cfg.numKvHeads * cfg.headDim;
    const rec = new Recorder(gpu, 'decode.prefix');
    for (let l = 0; l < cfg.numLayers; l++) {
      rec.keep(copy(gpu, rec.pass, { src: sp.param, srcOffset: (2 * l) * P * kvd, dst: d.kc[l], count: P * kvd }));
      rec.keep(copy(gpu, rec.pass, { src: sp.param, srcOffset: (2 * l + 1) * P * kvd, dst: d.vc[l], count: P * kvd }));
    }
    rec.submit();
    d.pos = P;
  }

  private async decodeChunk(d: DecodeState, tokens: Int32Array, wantLogits: boolean): Promise<Float32Array | null> {
    const n = tokens.length, V = this.cfg.vocabSize;
    for (const t of tokens) if (t < 0 || t >= V || !Number.isInteger(t)) throw new PlanError(`token id ${t} is outside the vocabulary (0..${V - 1})`);
    this.gpu.write(d.tokens, new Uint32Array(tokens));
    this.recordDecodeChunk(d, { tokens: n }, wantLogits).submit();
    d.pos += n;
    return wantLogits ? this.gpu.readF32Range(d.logits, (n - 1) * V, V) : null;
  }

  /**
   * Record one chunk of n positions at d.pos: tokens (ids already in d.tokens) or prompt-tuning
   * virtual tokens virtualFrom .. virtualFrom+n−1 (their embeddings copied from the prompt). The
   * virtual form advances d.pos itself; the caller submits.
   */
  private recordDecodeChunk(d: DecodeState, what: { tokens: number } | { virtualFrom: number; n: number }, wantLogits: boolean): Recorder {
    const { gpu, cfg } = this;
    const n = 'tokens' in what ? what.tokens : what.n, C = cfg.hiddenSize, V = cfg.vocabSize;
    const kvd = cfg.numKvHeads * cfg.headDim;
    const rec = new Recorder(gpu, 'decode');
    const h = this.adapterEnabled ? d.h : null;
    const o = { scratch: d.split };
    if ('tokens' in what) rec.keep(embeddingChunks(gpu, rec.pass, { chunks: this.embed.f32Chunks(), tok: d.tokens, x: d.x, N: n, C, V }));
    else rec.keep(copy(gpu, rec.pass, { src: this.soft!.param, srcOffset: what.virtualFrom * C, dst: d.x, count: n * C }));
    for (let l = 0; l < cfg.numLayers; l++) {
      const L = this.layers[l], lin = L.lin;
      rec.keep(rmsnorm(gpu, rec.pass, { x: d.x, w: L.inputNorm, y: d.xn, rstd: d.rstd, N: n, C, eps: cfg.rmsNormEps }));
      lin.q_proj.forward(rec, d.xn, d.q, n, h, o);
      lin.k_proj.forward(rec, d.xn, d.k, n, h, o);
      lin.v_proj.forward(rec, d.xn, d.v, n, h, o);
      rec.keep(rope(gpu, rec.pass, { x: d.q, invFreq: this.invFreq, N: n, T: n, numHeads: cfg.numHeads, D: cfg.headDim, posOffset: d.pos, layout: cfg.ropeLayout }));
      rec.keep(rope(gpu, rec.pass, { x: d.k, invFreq: this.invFreq, N: n, T: n, numHeads: cfg.numKvHeads, D: cfg.headDim, posOffset: d.pos, layout: cfg.ropeLayout }));
      rec.keep(copy(gpu, rec.pass, { src: d.k, dst: d.kc[l], count: n * kvd, dstOffset: d.pos * kvd }));
      rec.keep(copy(gpu, rec.pass, { src: d.v, dst: d.vc[l], count: n * kvd, dstOffset: d.pos * kvd }));
      rec.keep(attentionDecode(gpu, rec.pass, { q: d.q, kc: d.kc[l], vc: d.vc[l], o: d.o, n, pos0: d.pos, H: cfg.numHeads, KV: cfg.numKvHeads, D: cfg.headDim, slidingWindow: cfg.slidingWindow ?? 0 }));
      lin.o_proj.forward(rec, d.o, d.x1, n, h, o);
      rec.keep(add(gpu, rec.pass, { a: d.x1, b: d.x, count: n * C }));
      rec.keep(rmsnorm(gpu, rec.pass, { x: d.x1, w: L.postNorm, y: d.xn, rstd: d.rstd, N: n, C, eps: cfg.rmsNormEps }));
      lin.gate_proj.forward(rec, d.xn, d.g, n, h, o);
      lin.up_proj.forward(rec, d.xn, d.u, n, h, o);
      rec.keep(swiglu(gpu, rec.pass, { g: d.g, u: d.u, h: d.hm, count: n * cfg.intermediateSize }));
      lin.down_proj.forward(rec, d.hm, d.x, n, h, o);
      rec.keep(add(gpu, rec.pass, { a: d.x, b: d.x1, count: n * C }));
    }
    if (wantLogits) {
      rec.keep(rmsnorm(gpu, rec.pass, { x: d.x, w: this.finalNorm, y: d.xn, rstd: d.rstd, N: n, C, eps: cfg.rmsNormEps }));
      this.lmHead.forward(rec, d.xn, d.logits, n, null, o);
    }
    if (!('tokens' in what)) d.pos += n;
    return rec;
  }

  dispose(): void {
    this.endDecode();
    this.freeWorkspace();
    for (const L of this.layers) { for (const t of LORA_TARGETS) L.lin[t].dispose(); this.gpu.destroyAll([L.inputNorm, L.postNorm]); }
    this.embed.dispose();
    if (this.lmHead !== this.embed) this.lmHead.dispose();
    this.gpu.destroyAll([this.finalNorm, this.invFreq]);
    if (this.soft) this.gpu.destroyAll([this.soft.param, this.soft.grad]);
    this.soft = null;
    this.layers = [];
  }
}

