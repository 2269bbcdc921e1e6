// An independent float64 forward pass of the same decoder graph as model.ts, in plain loops (no tfjs).
//
// It is the oracle the tfjs reference is tested against, and the loss whose central finite differences
// check tfjs's LoRA gradients. It is written from the maths (formats.md §1, §6), not from model.ts, so
// the two share no code beyond config/weights. Slow (O(N·C·F) per layer in JS loops): tiny models only.
//
// Shapes (alphabet in src/engine/config.ts): N = B*T rows, row n = b*T + t, position of token t is t.
//   x (N, C)  q (N, H*D)  k, v (N, KV*D)  attention out (N, H*D)  MLP hidden (N, F)  logits (N, V)

import { type LoraConfig, type LoraTarget, type ModelConfig, linearShape, loraScale, ropeInvFreq } from '../engine/config.ts';
import { type LoraParams, type WeightMap, WeightError, lmHead, modulePath, validateWeights } from '../engine/weights.ts';

/** LoRA values in float64, by module path; A (R, in), B (out, R). Mutable: finite differences poke entries. */
export type Lora64 = Map<string, { A: Float64Array; B: Float64Array }>;

export interface Cpu64Batch {
  tokens: Int32Array; // (N)
  targets: Int32Array; // (N), read only where lossMask != 0
  lossMask: Float32Array; // (N)
  B: number;
  T: number;
}

export class Cpu64Model {
  readonly cfg: ModelConfig;
  readonly scale: number;
  readonly rank: number;
  /** The adapter values used by every call; edit in place for finite differences. */
  readonly lora: Lora64 = new Map();
  private readonly w = new Map<string, Float64Array>();
  private readonly head: Float64Array; // (V, C)
  private readonly invFreq: Float64Array; // (D/2)

  constructor(cfg: ModelConfig, weights: WeightMap, lora?: { config: LoraConfig; params: LoraParams }) {
    validateWeights(cfg, weights, 'Cpu64Model');
    this.cfg = cfg;
    for (const [name, t] of weights) this.w.set(name, Float64Array.from(t.data));
    this.head = Float64Array.from(lmHead(cfg, weights).data);
    this.invFreq = ropeInvFreq(cfg);
    this.scale = lora ? loraScale(lora.config) : 0;
    this.rank = lora ? lora.config.rank : 0;
    if (lora) {
      for (let l = 0; l < cfg.numLayers; l++) {
        for (const target of lora.config.targets) {
          const path = modulePath(l, target);
          const p = lora.params.get(path);
          if (!p) throw new WeightError(`Cpu64Model: LoRA parameters for "${path}" are missing`);
          this.lora.set(path, { A: Float64Array.from(p.A), B: Float64Array.from(p.B) });
        }
      }
    }
  }

  /** Logits (N, V) in float64. */
  logits(tokens: Int32Array, B: number, T: number): Float64Array {
    const cfg = this.cfg;
    const N = B * T, C = cfg.hiddenSize, V = cfg.vocabSize;
    const emb = this.get('model.embed_tokens.weight');
    let x: Float64Array = new Float64Array(N * C);
    for (let n = 0; n < N; n++) {
      const id = tokens[n];
      if (!(id >= 0 && id < V)) throw new RangeError(`Cpu64Model: token ${id} outside [0, ${V})`);
      for (let c = 0; c < C; c++) x[n * C + c] = emb[id * C + c];
    }
    for (let l = 0; l < cfg.numLayers; l++) {
      let h = this.rmsnorm(x, N, `model.layers.${l}.input_layernorm.weight`);
      const q = this.linear(h, N, l, 'q_proj');
      const k = this.linear(h, N, l, 'k_proj');
      const v = this.linear(h, N, l, 'v_proj');
      this.rope(q, B, T, cfg.numHeads);
      this.rope(k, B, T, cfg.numKvHeads);
      x = add(x, this.linear(this.attention(q, k, v, B, T), N, l, 'o_proj'));
      h = this.rmsnorm(x, N, `model.layers.${l}.post_attention_layernorm.weight`);
      const gate = this.linear(h, N, l, 'gate_proj');
      const up = this.linear(h, N, l, 'up_proj');
      for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i]; // silu(gate)·up
      x = add(x, this.linear(gate, N, l, 'down_proj'));
    }
    const hf = this.rmsnorm(x, N, 'model.norm.weight');
    const logits = new Float64Array(N * V);
    for (let n = 0; n < N; n++) {
      for (let vv = 0; vv < V; vv++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += hf[n * C + c] * this.head[vv * C + c];
        logits[n * V + vv] = s;
      }
    }
    return logits;
  }

  /** Σ_n mask_n·CE(logits_n, targets_n) / Σ_n mask_n, or 0 when Σ mask = 0. */
  loss(batch: Cpu64Batch): number {
    const { tokens, targets, lossMask, B, T } = batch;
    const N = B * T, V = this.cfg.vocabSize;
    let maskSum = 0;
    for (let n = 0; n < N; n++) maskSum += lossMask[n];
    if (maskSum === 0) return 0;
    const logits = this.logits(tokens, B, T);
    let total = 0;
    for (let n = 0; n < N; n++) {
      if (lossMask[n] === 0) continue;
      let m = -Infinity;
      for (let vv = 0; vv < V; vv++) m = Math.max(m, logits[n * V + vv]);
      let z = 0;
      for (let vv = 0; vv < V; vv++) z += Math.exp(logits[n * V + vv] - m);
      const tgt = targets[n];
      if (!(tgt >= 0 && tgt < V)) throw new RangeError(`Cpu64Model: target ${tgt} outside [0, ${V})`);
      total += lossMask[n] * (m + Math.log(z) - logits[n * V + tgt]);
    }
    return total / maskSum;
  }

  private get(name: string): Float64Array {
    const t = this.w.get(name);
    if (!t) throw new WeightError(`Cpu64Model: tensor "${name}" is missing`);
    return t;
  }

  /** x (N, C) -> w ⊙ x / sqrt(mean(x²) + eps) */
  private rmsnorm(x: Float64Array, N: number, name: string): Float64Array {
    const C = this.cfg.hiddenSize, w = this.get(name);
    const out = new Float64Array(N * C);
    for (let n = 0; n < N; n++) {
      let ss = 0;
      for (let c = 0; c < C; c++) ss += x[n * C + c] * x[n * C + c];
      const r = 1 / Math.sqrt(ss / C + this.cfg.rmsNormEps);
      for (let c = 0; c < C; c++) out[n * C + c] = w[c] * x[n * C + c] * r;
    }
    return out;
  }

  /** x (N, in) -> y (N, out) = x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ */
  private linear(x: Float64Array, N: number, layer: number, target: LoraTarget): Float64Array {
    const [out, inn] = linearShape(this.cfg, target);
    const path = modulePath(layer, target);
    const W = this.get(`${path}.weight`);
    const bias = this.w.get(`${path}.bias`);
    const ad = this.lora.get(path);
    const R = this.rank;
    const y = new Float64Array(N * out);
    const hA = new Float64Array(R);
    for (let n = 0; n < N; n++) {
      if (ad) {
        for (let r = 0; r < R; r++) {
          let s = 0;
          for (let i = 0; i < inn; i++) s += x[n * inn + i] * ad.A[r * inn + i];
          hA[r] = s;
        }
      }
      for (let o = 0; o < out; o++) {
        let s = bias ? bias[o] : 0;
        for (let i = 0; i < inn; i++) s += x[n * inn + i] * W[o * inn + i];
        if (ad) {
          let d = 0;
          for (let r = 0; r < R; r++) d += hA[r] * ad.B[o * R + r];
          s += this.scale * d;
        }
        y[n * out + o] = s;
      }
    }
    return y;
  }

  /** In place on x (N, heads*D): rotate each (cos, sin) pair of each head by angle t·invFreq[i]. */
  private rope(x: Float64Array, B: number, T: number, heads: number): void {
    const D = this.cfg.headDim, half = D / 2, interleaved = this.cfg.ropeLayout === 'interleaved';
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let hd = 0; hd < heads; hd++) {
          const base = (b * T + t) * heads * D + hd * D;
          for (let i = 0; i < half; i++) {
            const ang = t * this.invFreq[i];
            const c = Math.cos(ang), s = Math.sin(ang);
            const i1 = base + (interleaved ? 2 * i : i); // first of the pair
            const i2 = base + (interleaved ? 2 * i + 1 : i + half); // its partner
            const a = x[i1], bb = x[i2];
            x[i1] = a * c - bb * s;
            x[i2] = bb * c + a * s;
          }
        }
      }
    }
  }

  /** Causal (optionally sliding-window) grouped-query attention: q (N, H*D), k, v (N, KV*D) -> (N, H*D). */
  private attention(q: Float64Array, k: Float64Array, v: Float64Array, B: number, T: number): Float64Array {
    const H = this.cfg.numHeads, KV = this.cfg.numKvHeads, D = this.cfg.headDim, W = this.cfg.slidingWindow;
    const G = H / KV, qs = H * D, ks = KV * D, inv = 1 / Math.sqrt(D);
    const out = new Float64Array(B * T * qs);
    const p = new Float64Array(T);
    for (let b = 0; b < B; b++) {
      for (let hd = 0; hd < H; hd++) {
        const kvh = Math.floor(hd / G);
        for (let t = 0; t < T; t++) {
          const s0 = W === null ? 0 : Math.max(0, t - W + 1); // keys s with t - W < s <= t
          let m = -Infinity;
          for (let s = s0; s <= t; s++) {
            let dot = 0;
            for (let d = 0; d < D; d++) dot += q[(b * T + t) * qs + hd * D + d] * k[(b * T + s) * ks + kvh * D + d];
            p[s] = dot * inv;
            m = Math.max(m, p[s]);
          }
          let z = 0;
          for (let s = s0; s <= t; s++) {
            p[s] = Math.exp(p[s] - m);
            z += p[s];
          }
          for (let d = 0; d < D; d++) {
            let acc = 0;
            for (let s = s0; s <= t; s++) acc += p[s] * v[(b * T + s) * ks + kvh * D + d];
            out[(b * T + t) * qs + hd * D + d] = acc / z;
          }
        }
      }
    }
    return out;
  }
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}
