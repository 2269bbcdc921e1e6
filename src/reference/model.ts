// The reference model: tabtune's Llama-family decoder written with TensorFlow.js ops.
//
// It is (1) the autograd oracle every WebGPU kernel and gradient is checked against, (2) the fallback
// engine when WebGPU is missing, and (3) the benchmark baseline. It is NOT optimised and NOT the engine:
// no KV cache, no quantized weights (callers dequantize). LoRA dropout applies in the gradient methods
// only, with the engine's masks (engine/dropout.ts draws the same hash on the CPU), so the engine's
// gradients with dropout are checked against autograd on exactly the same dropped inputs.
//
// Shapes use the alphabet declared in src/engine/config.ts:
//   B = batch, T = sequence length, N = B*T rows, C = hidden, H = query heads, KV = key/value heads,
//   G = H/KV (query heads per kv head), D = head dim, F = MLP size, V = vocab, L = layers, R = LoRA rank.
//
// Graph (HF LlamaForCausalLM / Qwen2ForCausalLM / MistralForCausalLM, position of token t is t):
//   x = embed[tokens]                                                   (N, C)
//   per layer:  h = rmsnorm(x)·w_in;  q,k,v = linear(h)  (+bias for qwen2, + LoRA)
//               q,k = rope(q,k);  a = softmax(q·kᵀ/√D + causal/sliding mask)·v   (GQA: head h → kv h/G)
//               x = x + o_proj(a);  h = rmsnorm(x)·w_post;  x = x + down(silu(gate(h))·up(h))
//   logits = rmsnorm(x)·w_final · lm_headᵀ                              (N, V)
// LoRA on a linear layer: y = x·Wᵀ (+b) + s·(xd·Aᵀ)·Bᵀ with A (R, in), B (out, R), s = loraScale(),
// xd = x ⊙ mask (training with dropout p > 0; mask = 1/(1−p) or 0) or x.
// Soft prompts (engine/config.ts SoftPromptConfig, P virtual tokens), one tf.Variable:
//   prompt tuning  x = concat(E_p tiled over B, embed[tokens]) (B, P+T, C) at positions 0..P+T−1; the
//                  logits of the P virtual rows are dropped (callers see (B*T, V)).
//   prefix tuning  per layer k, v = concat(prefix_k / prefix_v tiled over B, k, v) along time; q, k rotated
//                  at positions P..P+T−1; every query sees the P slots (a sliding window counts slot j
//                  as position j), causal inside the sequence.
//
// The model never picks a backend: it runs on whichever one the caller set (see backend.ts, whose
// useBackend() also registers tfjs's gradient functions, which lossAndGrads needs). The sync
// methods read results with dataSync (fine on 'cpu' and 'wasm'); on 'webgpu' use the *Async twins.
// Every method runs inside tf.tidy; the only long-lived tensors are the weights, the LoRA variables and
// the per-T RoPE/mask tables, and dispose() frees all of them.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { type LoraConfig, type LoraTarget, type ModelConfig, type SoftPromptConfig, linearShape, loraScale, ropeInvFreq, softPromptSize } from '../engine/config.ts';
import { type DropoutKey, dropoutMask, dropoutStream } from '../engine/dropout.ts';
import { type LoraParams, type WeightMap, WeightError, modulePath, validateWeights } from '../engine/weights.ts';
import { linearFrozen, matMulNN, matMulNT } from './matmul.ts';

export interface ReferenceLora {
  config: LoraConfig;
  params: LoraParams;
  /** Seed of the LoRA dropout masks (default 0), as GpuModel's dropoutSeed. */
  dropoutSeed?: number;
}

/** One training batch. targets[n] is the token to predict AT position n (already shifted by the caller). */
export interface LossBatch {
  tokens: Int32Array; // (B*T)
  targets: Int32Array; // (B*T); entries where lossMask is 0 are never read
  lossMask: Float32Array; // (B*T) weight of each position in the mean
  B: number;
  T: number;
}

/** Gradients of the loss w.r.t. every LoRA matrix, keyed by module path; A (R, in), B (out, R). */
export type LoraGrads = Map<string, { A: Float32Array; B: Float32Array }>;

export interface LossAndGrads {
  loss: number;
  grads: LoraGrads;
  /** Gradient of the soft prompt (same layout as its values), when the model has one. */
  softPrompt?: Float32Array;
}

/** Prompt / prefix tuning values for the reference (layouts in engine/config.ts). */
export interface ReferenceSoftPrompt {
  config: SoftPromptConfig;
  values: Float32Array;
}

/** Large negative additive mask: exp() underflows to exactly 0 in f32 after softmax's max-subtraction. */
const MASKED = -1e9;

/** Keys and values of the rows a decoder has seen, one pair per layer (B = 1): see ReferenceModel.decoder. */
interface KvCache {
  rows: number;
  layers: ({ k: tf.Tensor; v: tf.Tensor } | undefined)[];
  /** Replaced pairs, disposed after the forward's tidy. */
  stale: tf.Tensor[];
}

/** Incremental decoding with a key/value cache (the reference's twin of the engine's KV-cached decode). */
export interface ReferenceDecoder {
  /** Feeds tokens (the prompt, then one token at a time) and returns the logits (V) after the last one. */
  feed(tokens: readonly number[]): Promise<Float32Array>;
  /** Sequence rows in the cache: the tokens fed, plus a prompt-tuned model's virtual rows. */
  readonly rows: number;
  dispose(): void;
}

interface Adapter {
  A: tf.Variable; // (R, in)
  B: tf.Variable; // (out, R)
}

export class ReferenceModel {
  readonly cfg: ModelConfig;
  readonly loraConfig: LoraConfig | null;
  /** s = loraScale(loraConfig); 0 without LoRA. */
  readonly scale: number;
  readonly dropoutSeed: number;

  private readonly w = new Map<string, tf.Tensor>(); // frozen weights by HF name
  private readonly adapters = new Map<string, Adapter>(); // by module path, in layer-then-target order
  /** The soft prompt: (P, C) for prompt tuning, (L, 2, P, KV, D) for prefix tuning. */
  private soft: { config: SoftPromptConfig; v: tf.Variable } | null = null;
  private readonly invFreq: Float64Array; // (D/2)
  private readonly tables = new Map<string, { cos: tf.Tensor; sin: tf.Tensor; mask: tf.Tensor }>(); // by `T,P`
  private disposed = false;
  /** When false, logits and losses are the base model's (no LoRA path, no soft prompt). */
  adapterEnabled = true;

  constructor(cfg: ModelConfig, weights: WeightMap, lora?: ReferenceLora, softPrompt?: ReferenceSoftPrompt) {
    validateWeights(cfg, weights, 'ReferenceModel');
    if (cfg.numHeads % cfg.numKvHeads !== 0) throw new WeightError(`numHeads ${cfg.numHeads} is not a multiple of numKvHeads ${cfg.numKvHeads}`);
    if (cfg.headDim % 2 !== 0) throw new WeightError(`headDim ${cfg.headDim} must be even`);
    this.cfg = cfg;
    this.loraConfig = lora?.config ?? null;
    this.scale = lora ? loraScale(lora.config) : 0;
    this.dropoutSeed = lora?.dropoutSeed ?? 0;
    if (lora && !(lora.config.dropout >= 0 && lora.config.dropout < 1)) throw new WeightError(`ReferenceModel: LoRA dropout must be in [0, 1), got ${lora.config.dropout}`);
    this.invFreq = ropeInvFreq(cfg);
    // Check the adapters before creating any tensor, so a bad argument leaks nothing.
    const pairs: [string, { A: Float32Array; B: Float32Array }, [number, number]][] = [];
    if (lora) {
      const R = lora.config.rank;
      for (let i = 0; i < cfg.numLayers; i++) {
        for (const target of lora.config.targets) {
          const path = modulePath(i, target);
          const p = lora.params.get(path);
          const [out, inn] = linearShape(cfg, target);
          if (!p) throw new WeightError(`ReferenceModel: LoRA parameters for "${path}" are missing`);
          if (p.A.length !== R * inn || p.B.length !== out * R) {
            throw new WeightError(`ReferenceModel: LoRA "${path}" has ${p.A.length}/${p.B.length} values, expected A [${R},${inn}] and B [${out},${R}]`);
          }
          pairs.push([path, p, [out, inn]]);
        }
      }
    }
    if (softPrompt) {
      const sp = softPrompt.config, n = softPromptSize(cfg, sp);
      if (!(Number.isInteger(sp.virtualTokens) && sp.virtualTokens >= 1)) throw new WeightError(`ReferenceModel: the number of virtual tokens must be a positive integer, got ${sp.virtualTokens}`);
      if (softPrompt.values.length !== n) throw new WeightError(`ReferenceModel: ${sp.method} tuning parameters have ${softPrompt.values.length} values, expected ${n}`);
    }
    for (const [name, t] of weights) {
      if (name === 'lm_head.weight' && cfg.tieWordEmbeddings) continue;
      this.w.set(name, tf.tensor(t.data, t.shape, 'float32'));
    }
    for (const [path, p, [out, inn]] of pairs) {
      const R = this.loraConfig!.rank;
      // Unnamed variables: tfjs names must be unique per process and several models may coexist.
      // tidy frees the initial-value tensors (a variable is not tracked by tidy and keeps the data).
      this.adapters.set(path, tf.tidy(() => ({
        A: tf.variable(tf.tensor2d(p.A, [R, inn]), true),
        B: tf.variable(tf.tensor2d(p.B, [out, R]), true),
      })));
    }
    if (softPrompt) {
      const sp = softPrompt.config, P = sp.virtualTokens;
      const shape = sp.method === 'prompt' ? [P, cfg.hiddenSize] : [cfg.numLayers, 2, P, cfg.numKvHeads, cfg.headDim];
      this.soft = { config: sp, v: tf.tidy(() => tf.variable(tf.tensor(softPrompt.values, shape, 'float32'), true)) };
    }
  }

  /** The soft-prompt config (null without). */
  get softPromptConfig(): SoftPromptConfig | null {
    return this.soft?.config ?? null;
  }

  /** A copy of the soft-prompt values, or null without one. */
  getSoftPrompt(): Float32Array | null {
    this.check();
    return this.soft ? Float32Array.from(this.soft.v.dataSync() as Float32Array) : null;
  }

  setSoftPrompt(values: Float32Array): void {
    this.check();
    if (!this.soft) throw new WeightError('ReferenceModel: this model has no soft prompt');
    if (values.length !== this.soft.v.size) throw new WeightError(`ReferenceModel: soft prompt has ${values.length} values, expected ${this.soft.v.size}`);
    tf.tidy(() => this.soft!.v.assign(tf.tensor(values, this.soft!.v.shape, 'float32')));
  }

  // --- public API: sync (cpu, wasm) ---------------------------------------------------------------

  /** Logits (B*T, V), row n = b*T + t. */
  logits(tokens: Int32Array, B: number, T: number): Float32Array {
    const t = this.logitsTensor(tokens, B, T);
    try {
      return Float32Array.from(t.dataSync() as Float32Array);
    } finally {
      t.dispose();
    }
  }

  /** Masked mean cross-entropy (0 when the mask sums to 0). */
  loss(batch: LossBatch): number {
    const ts = this.lossTensors(batch, false);
    try {
      return ts.length ? ts[0].dataSync()[0] : 0;
    } finally {
      tf.dispose(ts);
    }
  }

  /**
   * The loss and its gradients w.r.t. every LoRA A and B (zeros when the mask sums to 0). With LoRA
   * dropout, `drop` picks the masks (default { seed: dropoutSeed, step: 0, micro: 0 }, as the engine).
   */
  lossAndGrads(batch: LossBatch, drop?: DropoutKey): LossAndGrads {
    const ts = this.lossTensors(batch, true, drop);
    try {
      return this.unpack(ts.map((t) => t.dataSync() as Float32Array));
    } finally {
      tf.dispose(ts);
    }
  }

  // --- public API: async (any backend; required on webgpu, whose readSync needs a canvas) ----------

  /**
   * A greedy/sampling decoder that keeps each layer's keys and values, so each new token costs one row
   * instead of the whole sequence (same logits as logitsAsync on the full sequence, within f32
   * rounding). Adapters must not change while it is in use; dispose() frees the cache.
   */
  decoder(): ReferenceDecoder {
    this.check();
    const cache: KvCache = { rows: 0, layers: [], stale: [] };
    const V = this.cfg.vocabSize;
    let open = true;
    const free = () => {
      open = false;
      for (const l of cache.layers) if (l) tf.dispose([l.k, l.v]);
      tf.dispose(cache.stale);
      cache.layers = [];
      cache.stale = [];
    };
    return {
      get rows() {
        return cache.rows;
      },
      feed: async (tokens) => {
        if (!open) throw new WeightError('ReferenceDecoder: used after dispose()');
        this.check();
        if (tokens.length === 0) throw new RangeError('ReferenceDecoder.feed: no tokens');
        const ids = Int32Array.from(tokens);
        this.checkTokens('tokens', ids, ids.length);
        const virtual = cache.rows === 0 ? this.virtualRows() : 0;
        if (cache.rows + virtual + ids.length > this.cfg.maxPositionEmbeddings) {
          throw new RangeError(`ReferenceDecoder: ${cache.rows + virtual + ids.length} positions exceed max_position_embeddings ${this.cfg.maxPositionEmbeddings}`);
        }
        let last: tf.Tensor;
        try {
          last = tf.tidy(() => tf.slice(this.forward(ids, 1, ids.length, null, cache), [ids.length - 1, 0], [1, V]));
        } catch (e) {
          free(); // a half-updated cache is useless
          throw e;
        }
        tf.dispose(cache.stale);
        cache.stale = [];
        cache.rows += virtual + ids.length;
        try {
          return Float32Array.from((await last.data()) as Float32Array);
        } finally {
          last.dispose();
        }
      },
      dispose: () => {
        if (open) free();
      },
    };
  }

  /** Rows prompt tuning puts in front of the sequence (0 for prefix tuning, LoRA, or adapters off). */
  private virtualRows(): number {
    const sp = this.adapterEnabled ? this.soft : null;
    return sp?.config.method === 'prompt' ? sp.config.virtualTokens : 0;
  }

  async logitsAsync(tokens: Int32Array, B: number, T: number): Promise<Float32Array> {
    const t = this.logitsTensor(tokens, B, T);
    try {
      return Float32Array.from((await t.data()) as Float32Array);
    } finally {
      t.dispose();
    }
  }

  async lossAsync(batch: LossBatch): Promise<number> {
    const ts = this.lossTensors(batch, false);
    try {
      return ts.length ? (await ts[0].data())[0] : 0;
    } finally {
      tf.dispose(ts);
    }
  }

  async lossAndGradsAsync(batch: LossBatch, drop?: DropoutKey): Promise<LossAndGrads> {
    const ts = this.lossTensors(batch, true, drop);
    try {
      return this.unpack((await Promise.all(ts.map((t) => t.data()))) as Float32Array[]);
    } finally {
      tf.dispose(ts);
    }
  }

  /**
   * One training step kept on the backend: loss and LoRA gradients, then `optimizer` applies them to
   * the adapter variables (grads scaled by gradScale). Only the loss is read back. Used by the fallback
   * engine and as the benchmark baseline (tfjs-webgpu), so no CPU round trip of the gradients.
   */
  async trainStep(batch: LossBatch, optimizer: tf.Optimizer, gradScale = 1, drop?: DropoutKey): Promise<number> {
    const ts = this.lossTensors(batch, true, drop);
    if (!ts.length) return 0;
    try {
      const named: tf.NamedTensorMap = {};
      let i = 1;
      for (const ad of this.adapters.values()) {
        named[ad.A.name] = gradScale === 1 ? ts[i] : tf.mul(ts[i], gradScale);
        named[ad.B.name] = gradScale === 1 ? ts[i + 1] : tf.mul(ts[i + 1], gradScale);
        i += 2;
      }
      if (this.soft) named[this.soft.v.name] = gradScale === 1 ? ts[i] : tf.mul(ts[i], gradScale);
      optimizer.applyGradients(named);
      if (gradScale !== 1) tf.dispose(Object.values(named));
      return (await ts[0].data())[0];
    } finally {
      tf.dispose(ts);
    }
  }

  // --- adapter access (for the fallback engine's optimizer step) ----------------------------------

  /** Module paths of the LoRA adapters, in layer-then-target order. */
  get loraPaths(): string[] {
    return [...this.adapters.keys()];
  }

  /** A copy of the current LoRA values. */
  getLora(): LoraParams {
    this.check();
    const out: LoraParams = new Map();
    for (const [path, ad] of this.adapters) {
      out.set(path, { A: Float32Array.from(ad.A.dataSync() as Float32Array), B: Float32Array.from(ad.B.dataSync() as Float32Array) });
    }
    return out;
  }

  /** Overwrite LoRA values (every path in `params` must be an adapter of this model). */
  setLora(params: LoraParams): void {
    this.check();
    tf.tidy(() => {
      for (const [path, p] of params) {
        const ad = this.adapters.get(path);
        if (!ad) throw new WeightError(`ReferenceModel: no LoRA adapter at "${path}"`);
        if (p.A.length !== ad.A.size || p.B.length !== ad.B.size) throw new WeightError(`ReferenceModel: LoRA "${path}" size mismatch`);
        ad.A.assign(tf.tensor(p.A, ad.A.shape, 'float32'));
        ad.B.assign(tf.tensor(p.B, ad.B.shape, 'float32'));
      }
    });
  }

  /** Free every tensor this model holds. The model is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.w.values()) t.dispose();
    for (const ad of this.adapters.values()) {
      ad.A.dispose();
      ad.B.dispose();
    }
    for (const tb of this.tables.values()) tf.dispose([tb.cos, tb.sin, tb.mask]);
    this.soft?.v.dispose();
    this.soft = null;
    this.w.clear();
    this.adapters.clear();
    this.tables.clear();
  }

  // --- graph --------------------------------------------------------------------------------------

  private check(): void {
    if (this.disposed) throw new Error('ReferenceModel: used after dispose()');
  }

  private checkTokens(name: string, ids: Int32Array, N: number, mask?: Float32Array): void {
    if (ids.length !== N) throw new RangeError(`ReferenceModel: ${name} has ${ids.length} entries, expected B*T = ${N}`);
    const V = this.cfg.vocabSize;
    for (let n = 0; n < N; n++) {
      if (mask && mask[n] === 0) continue;
      if (!(ids[n] >= 0 && ids[n] < V)) throw new RangeError(`ReferenceModel: ${name}[${n}] = ${ids[n]} is outside the vocabulary [0, ${V})`);
    }
  }

  /** Logits as a tensor the caller must dispose. */
  private logitsTensor(tokens: Int32Array, B: number, T: number): tf.Tensor {
    this.check();
    this.checkTokens('tokens', tokens, B * T);
    return tf.tidy(() => this.forward(tokens, B, T));
  }

  /**
   * [loss] or [loss, dA_0, dB_0, dA_1, ...] (adapter order) as tensors the caller must dispose; [] when
   * the mask sums to 0 (loss 0, zero gradients: nothing to compute).
   */
  private lossTensors(batch: LossBatch, withGrads: boolean, drop?: DropoutKey): tf.Tensor[] {
    this.check();
    const { tokens, targets, lossMask, B, T } = batch;
    const N = B * T;
    this.checkTokens('tokens', tokens, N);
    if (lossMask.length !== N) throw new RangeError(`ReferenceModel: lossMask has ${lossMask.length} entries, expected ${N}`);
    this.checkTokens('targets', targets, N, lossMask);
    let maskSum = 0;
    // Masked targets may hold anything (e.g. -100): send 0 instead, its weight is 0 anyway.
    const tgt = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      maskSum += lossMask[n];
      tgt[n] = lossMask[n] === 0 ? 0 : targets[n];
    }
    if (maskSum === 0) return [];
    // Dropout is a training-time thing: only the gradient methods apply it.
    const p = this.loraConfig?.dropout ?? 0;
    const key = withGrads && p > 0 ? (drop ?? { seed: this.dropoutSeed, step: 0, micro: 0 }) : null;
    return tf.tidy(() => {
      const lossFn = (): tf.Scalar => {
        const logp = tf.logSoftmax(this.forward(tokens, B, T, key)); // (N, V)
        const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(tgt, 'int32'), this.cfg.vocabSize)), -1); // (N)
        return tf.div(tf.neg(tf.sum(tf.mul(picked, tf.tensor1d(lossMask, 'float32')))), maskSum) as tf.Scalar;
      };
      if (!withGrads || (this.adapters.size === 0 && !this.soft)) return [lossFn()];
      if (tf.getGradient('BatchMatMul') === undefined) {
        throw new Error('ReferenceModel: tfjs gradient functions are not registered; call `await useBackend(...)` or `await registerGradients()` (src/reference/backend.ts) first');
      }
      const vars: tf.Variable[] = [];
      for (const ad of this.adapters.values()) vars.push(ad.A, ad.B);
      if (this.soft) vars.push(this.soft.v);
      const { value, grads } = tf.variableGrads(lossFn, vars);
      return [value, ...vars.map((v) => grads[v.name])];
    });
  }

  private unpack(values: Float32Array[]): LossAndGrads {
    const grads: LoraGrads = new Map();
    let k = 1;
    for (const [path, ad] of this.adapters) {
      if (values.length === 0) grads.set(path, { A: new Float32Array(ad.A.size), B: new Float32Array(ad.B.size) });
      else grads.set(path, { A: Float32Array.from(values[k]), B: Float32Array.from(values[k + 1]) });
      k += 2;
    }
    const out: LossAndGrads = { loss: values.length ? values[0][0] : 0, grads };
    if (this.soft) out.softPrompt = values.length ? Float32Array.from(values[k]) : new Float32Array(this.soft.v.size);
    return out;
  }

  /**
   * tokens (N) -> logits (N, V). Call inside tf.tidy. `drop`: LoRA dropout key (training), or null.
   * `cache` (decoding, B = 1): the keys and values of the rows already seen, one pair per layer; the new
   * rows attend to them and are appended (kept tensors that replace the old ones, which are disposed).
   * Prompt tuning's virtual rows go in front only when the cache is empty.
   */
  private forward(tokens: Int32Array, B: number, Treal: number, drop: DropoutKey | null = null, cache: KvCache | null = null): tf.Tensor {
    const cfg = this.cfg;
    const sp = this.adapterEnabled ? this.soft : null;
    const offset = cache?.rows ?? 0; // sequence rows already in the cache
    const Pv = sp?.config.method === 'prompt' && offset === 0 ? sp.config.virtualTokens : 0; // virtual rows in front
    const Pk = sp?.config.method === 'prefix' ? sp.config.virtualTokens : 0; // prefix slots
    const T = Pv + Treal;
    const N = B * T, H = cfg.numHeads, KV = cfg.numKvHeads, D = cfg.headDim, G = H / KV, C = cfg.hiddenSize;
    const { cos, sin, mask } = this.tablesFor(T, Pk, offset);
    let x = tf.gather(this.weight('model.embed_tokens.weight'), tf.tensor1d(tokens, 'int32')); // (B*Treal, C)
    if (Pv) x = tf.reshape(tf.concat([tf.tile(tf.expandDims(sp!.v, 0), [B, 1, 1]), tf.reshape(x, [B, Treal, C])], 1), [N, C]); // (N, C)
    for (let l = 0; l < cfg.numLayers; l++) {
      // attention block
      let h = this.rmsnorm(x, `model.layers.${l}.input_layernorm.weight`);
      const q = this.rope(tf.reshape(this.linear(h, l, 'q_proj', drop), [B, T, H, D]), cos, sin); // (B, T, H, D)
      let k = this.rope(tf.reshape(this.linear(h, l, 'k_proj', drop), [B, T, KV, D]), cos, sin); // (B, T, KV, D)
      let v = tf.reshape(this.linear(h, l, 'v_proj', drop), [B, T, KV, D]);
      if (cache) {
        const past = cache.layers[l];
        if (past) {
          k = tf.concat([past.k, k], 1); // (1, offset+T, KV, D)
          v = tf.concat([past.v, v], 1);
          cache.stale.push(past.k, past.v);
        }
        cache.layers[l] = { k: tf.keep(k), v: tf.keep(v) };
      }
      if (Pk) {
        // prefix: (L, 2, P, KV, D) → this layer's keys / values (1, P, KV, D), tiled over B, in front
        const pre = (i: number) => tf.tile(tf.reshape(tf.slice(sp!.v, [l, i, 0, 0, 0], [1, 1, Pk, KV, D]), [1, Pk, KV, D]), [B, 1, 1, 1]);
        k = tf.concat([pre(0), k], 1); // (B, Pk+T, KV, D)
        v = tf.concat([pre(1), v], 1);
      }
      // GQA without copying k/v: query head h = j*G + g uses kv head j, so group the G query heads of
      // kv head j along the row axis: q (B, KV, G*T, D) against k, v (B, KV, Pk+T, D).
      const qg = tf.reshape(tf.transpose(q, [0, 2, 1, 3]), [B, KV, G * T, D]);
      const kt = tf.transpose(k, [0, 2, 1, 3]); // (B, KV, Pk+T, D)
      const vt = tf.transpose(v, [0, 2, 1, 3]); // (B, KV, Pk+T, D)
      const scores = tf.add(tf.mul(matMulNT(qg, kt), 1 / Math.sqrt(D)), mask); // (B, KV, G*T, Pk+T)
      const att = matMulNN(tf.softmax(scores, -1), vt); // (B, KV, G*T, D)
      const a = tf.reshape(tf.transpose(tf.reshape(att, [B, H, T, D]), [0, 2, 1, 3]), [N, H * D]);
      x = tf.add(x, this.linear(a, l, 'o_proj', drop));
      // MLP block
      h = this.rmsnorm(x, `model.layers.${l}.post_attention_layernorm.weight`);
      const gate = this.linear(h, l, 'gate_proj', drop); // (N, F)
      const up = this.linear(h, l, 'up_proj', drop); // (N, F)
      x = tf.add(x, this.linear(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up), l, 'down_proj', drop));
    }
    x = this.rmsnorm(x, 'model.norm.weight');
    const head = this.cfg.tieWordEmbeddings ? this.weight('model.embed_tokens.weight') : this.weight('lm_head.weight');
    const logits = linearFrozen(x, head); // (N, V)
    if (!Pv) return logits;
    const V = cfg.vocabSize;
    return tf.reshape(tf.slice(tf.reshape(logits, [B, T, V]), [0, Pv, 0], [B, Treal, V]), [B * Treal, V]); // virtual rows dropped
  }

  private weight(name: string): tf.Tensor {
    const t = this.w.get(name);
    if (!t) throw new WeightError(`ReferenceModel: tensor "${name}" is missing`);
    return t;
  }

  /** x (N, C) -> x / sqrt(mean(x²) + eps) · w */
  private rmsnorm(x: tf.Tensor, name: string): tf.Tensor {
    const ms = tf.mean(tf.square(x), -1, true); // (N, 1)
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.cfg.rmsNormEps))), this.weight(name));
  }

  /** x (N, in) -> x·Wᵀ (+b) (+ s·(xd·Aᵀ)·Bᵀ)   (N, out); xd = x ⊙ mask with a dropout key, else x */
  private linear(x: tf.Tensor, layer: number, target: LoraTarget, drop: DropoutKey | null): tf.Tensor {
    const path = modulePath(layer, target);
    let y = linearFrozen(x, this.weight(`${path}.weight`));
    const bias = this.w.get(`${path}.bias`);
    if (bias) y = tf.add(y, bias);
    const ad = this.adapterEnabled ? this.adapters.get(path) : undefined;
    if (ad) {
      let xd = x;
      if (drop) {
        const [N, inn] = x.shape;
        xd = tf.mul(x, tf.tensor2d(dropoutMask(dropoutStream(drop, layer, target), this.loraConfig!.dropout, N * inn), [N, inn]));
      }
      y = tf.add(y, tf.mul(matMulNT(matMulNT(xd, ad.A), ad.B), this.scale));
    }
    return y;
  }

  /** x (B, T, heads, D) rotated by position t. cos, sin: (T, 1, D/2). */
  private rope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
    const [B, T, nh, D] = x.shape;
    if (this.cfg.ropeLayout === 'half') {
      // HF rotate_half: pairs (i, i + D/2)
      const [x1, x2] = tf.split(x, 2, 3); // (B, T, nh, D/2) each
      return tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], 3);
    }
    // Meta / llama.cpp 'llama': adjacent pairs (2i, 2i+1)
    const [x1, x2] = tf.split(tf.reshape(x, [B, T, nh, D / 2, 2]), 2, 4); // (B, T, nh, D/2, 1) each
    const c = tf.expandDims(cos, -1), s = tf.expandDims(sin, -1); // (T, 1, D/2, 1)
    return tf.reshape(tf.concat([tf.sub(tf.mul(x1, c), tf.mul(x2, s)), tf.add(tf.mul(x1, s), tf.mul(x2, c))], 4), [B, T, nh, D]);
  }

  /**
   * RoPE tables and the additive attention mask for T new rows after P prefix slots and `offset` cached
   * sequence rows (decoding), in float64 maths, f32 storage. Row t is at position P + offset + t. Tables
   * without an offset are built once and kept; decoding tables (one row each) live in the caller's tidy.
   */
  private tablesFor(T: number, P = 0, offset = 0): { cos: tf.Tensor; sin: tf.Tensor; mask: tf.Tensor } {
    const hit = offset === 0 ? this.tables.get(`${T},${P}`) : undefined;
    if (hit) return hit;
    const half = this.cfg.headDim / 2, G = this.cfg.numHeads / this.cfg.numKvHeads, W = this.cfg.slidingWindow;
    const cos = new Float32Array(T * half), sin = new Float32Array(T * half);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < half; i++) {
        const ang = (P + offset + t) * this.invFreq[i];
        cos[t * half + i] = Math.cos(ang);
        sin[t * half + i] = Math.sin(ang);
      }
    }
    // (G*T, P+S), S = offset + T sequence keys: row g*T + t is query position P + q, q = offset + t; it
    // sees prefix slot j (position j) when P + q - W < j with a window (always without), and sequence
    // key s when s <= q (and q - W < s).
    const S = offset + T, K = P + S;
    const mask = new Float32Array(G * T * K);
    for (let g = 0; g < G; g++) {
      for (let t = 0; t < T; t++) {
        const q = offset + t;
        for (let j = 0; j < P; j++) mask[(g * T + t) * K + j] = W === null || j > P + q - W ? 0 : MASKED;
        for (let s = 0; s < S; s++) {
          const visible = s <= q && (W === null || s > q - W);
          mask[(g * T + t) * K + P + s] = visible ? 0 : MASKED;
        }
      }
    }
    const make = () => ({
      cos: tf.tensor(cos, [T, 1, half], 'float32'),
      sin: tf.tensor(sin, [T, 1, half], 'float32'),
      mask: tf.tensor(mask, [G * T, K], 'float32'),
    });
    if (offset > 0) return make();
    // Called inside forward's tidy: keep() exempts them from it; dispose() frees them.
    const tb = tf.tidy(make);
    for (const t of Object.values(tb)) tf.keep(t);
    this.tables.set(`${T},${P}`, tb);
    return tb;
  }
}
