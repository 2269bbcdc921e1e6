// A compact full-parameter training graph for the tiny Llama (tfjs; meant for the 'wasm' backend).
//
// Same maths as src/reference/model.ts (HF LlamaForCausalLM: rotate-half RoPE, GQA, SwiGLU, RMSNorm,
// optional tied head) but every weight is a tf.Variable, and two ops are written for training speed and
// for the wasm backend, which has no UnsortedSegmentSum kernel (the gradient of tf.gather):
//   - the embedding lookup is a gather whose custom gradient is oneHotᵀ·dy;
//   - the masked cross-entropy has a custom gradient (softmax − onehot)·mask/Σmask;
//   - every matmul is `mm`: a plain A·B whose custom gradient uses explicitly transposed operands. On
//     tfjs-wasm only the untransposed BatchMatMul reaches XNNPACK's fast path (measured on 2048×2048·
//     2048×128: A·B 21 GFLOP/s, A·Bᵀ 1.6, Aᵀ·B 0.44), and tfjs's own matMul gradient uses transposes.
// pretrain-tiny.ts checks this graph's logits against ReferenceModel's on the trained weights.
// Shapes: B batch, T length, N = B·T, C hidden, H heads, KV kv heads, G = H/KV, D head dim, V vocab.

import * as tf from '@tensorflow/tfjs-core';
import { type ModelConfig, ropeInvFreq } from '../../src/engine/config.ts';
import { Rng } from '../../src/engine/rng.ts';
import { type WeightMap, expectedTensors } from '../../src/engine/weights.ts';

const MASKED = -1e9;

/** tf.customGrad's argument type (its inputs are typed as a rest array; ours are positional). */
type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** Swap the last two axes. */
function swapLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(t, perm);
}

/** a·b (same batch dims, no broadcasting) with a gradient made of untransposed matmuls. */
const mm = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy, swapLast(saved[1])), tf.matMul(swapLast(saved[0]), dy)],
  };
}) as unknown as CustomGradFn) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

export interface TrainBatch {
  tokens: Int32Array; // (N)
  targets: Int32Array; // (N), 0 where mask is 0
  mask: Float32Array; // (N)
  B: number;
  T: number;
}

/**
 * Seeded GPT-2-style init: matrices and the (tied) embedding ~ N(0, 0.02²), the residual output
 * projections (o_proj, down_proj) ~ N(0, (0.02/√(2L))²), norm weights 1.
 */
export function initWeights(cfg: ModelConfig, seed: number): WeightMap {
  const rng = new Rng(seed);
  const w: WeightMap = new Map();
  for (const [name, shape] of expectedTensors(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.endsWith('norm.weight')) data = new Float32Array(n).fill(1);
    else if (name.endsWith('o_proj.weight') || name.endsWith('down_proj.weight')) data = rng.normals(n, 0.02 / Math.sqrt(2 * cfg.numLayers));
    else data = rng.normals(n, 0.02);
    w.set(name, { shape: [...shape], data });
  }
  return w;
}

export class TinyTrainGraph {
  readonly cfg: ModelConfig;
  readonly vars = new Map<string, tf.Variable>();
  private readonly tables = new Map<number, { cos: tf.Tensor; sin: tf.Tensor; mask: tf.Tensor }>();

  constructor(cfg: ModelConfig, weights: WeightMap) {
    if (!cfg.tieWordEmbeddings || cfg.attentionBias || cfg.ropeScaling || cfg.slidingWindow !== null || cfg.ropeLayout !== 'half') {
      throw new Error('TinyTrainGraph supports only tied, bias-free, unscaled rotate-half llama configs');
    }
    this.cfg = cfg;
    for (const [name, shape] of expectedTensors(cfg)) {
      const w = weights.get(name);
      if (!w) throw new Error(`missing ${name}`);
      tf.tidy(() => {
        this.vars.set(name, tf.variable(tf.tensor(w.data, shape, 'float32'), true));
      });
    }
  }

  getWeights(): WeightMap {
    const out: WeightMap = new Map();
    for (const [name, v] of this.vars) out.set(name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    return out;
  }

  get numParams(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Overwrite every weight (arrays in `names` order). */
  setWeights(data: readonly Float32Array[]): void {
    const names = this.names;
    if (data.length !== names.length) throw new Error(`setWeights: ${data.length} arrays for ${names.length} tensors`);
    tf.tidy(() => names.forEach((n, i) => {
      const v = this.vars.get(n)!;
      v.assign(tf.tensor(data[i], v.shape, 'float32'));
    }));
  }

  /** Tensor names in expectedTensors order. */
  get names(): string[] {
    return [...this.vars.keys()];
  }

  /** The masked mean loss and its gradient w.r.t. every weight (in `names` order). */
  lossAndGrads(batch: TrainBatch): { loss: number; grads: Float32Array[] } {
    const list = this.names.map((n) => this.vars.get(n)!);
    const ts = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => this.loss(batch), list);
      return [value, ...list.map((v) => grads[v.name])];
    });
    try {
      return { loss: ts[0].dataSync()[0], grads: ts.slice(1).map((t) => Float32Array.from(t.dataSync() as Float32Array)) };
    } finally {
      tf.dispose(ts);
    }
  }

  /** Masked mean cross-entropy, without gradients. */
  evalLoss(batch: TrainBatch): number {
    const l = tf.tidy(() => this.loss(batch));
    const out = l.dataSync()[0];
    l.dispose();
    return out;
  }

  /** Per-position negative log-likelihood of the target (N), 0 where the mask is 0. */
  nll(batch: TrainBatch): Float32Array {
    const t = tf.tidy(() => {
      const logp = tf.logSoftmax(this.forward(batch.tokens, batch.B, batch.T));
      const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(batch.targets, 'int32'), this.cfg.vocabSize)), -1);
      return tf.mul(tf.neg(picked), tf.tensor1d(batch.mask));
    });
    const out = Float32Array.from(t.dataSync() as Float32Array);
    t.dispose();
    return out;
  }

  /** Logits (N, V) as a Float32Array. */
  logits(tokens: Int32Array, B: number, T: number): Float32Array {
    const t = tf.tidy(() => this.forward(tokens, B, T));
    const out = Float32Array.from(t.dataSync() as Float32Array);
    t.dispose();
    return out;
  }

  dispose(): void {
    for (const x of this.vars.values()) x.dispose();
    for (const tb of this.tables.values()) tf.dispose([tb.cos, tb.sin, tb.mask]);
    this.tables.clear();
  }

  // --- graph ------------------------------------------------------------------------------------------

  private w(name: string): tf.Tensor {
    const t = this.vars.get(name);
    if (!t) throw new Error(`missing ${name}`);
    return t;
  }

  private loss(b: TrainBatch): tf.Scalar {
    const V = this.cfg.vocabSize;
    let msum = 0;
    for (const x of b.mask) msum += x;
    const logits = this.forward(b.tokens, b.B, b.T); // (N, V)
    const targets = b.targets, mask = b.mask, N = b.B * b.T;
    const weights = (): tf.Tensor => tf.tensor2d(mask.map((x) => x / Math.max(msum, 1e-9)), [N, 1]);
    const ce = tf.customGrad(((lg: tf.Tensor, save: tf.GradSaveFunc) => {
      const logp = tf.logSoftmax(lg);
      save([logp]);
      const value = tf.neg(tf.sum(tf.mul(tf.mul(logp, tf.oneHot(tf.tensor1d(targets, 'int32'), V)), weights())));
      return {
        value: value as tf.Scalar,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.mul(tf.mul(tf.sub(tf.exp(saved[0]), tf.oneHot(tf.tensor1d(targets, 'int32'), V)), weights()), dy),
      };
    }) as unknown as CustomGradFn);
    return ce(logits) as tf.Scalar;
  }

  private embed(tokens: Int32Array): tf.Tensor {
    const V = this.cfg.vocabSize;
    const f = tf.customGrad(((table: tf.Tensor) => ({
      value: tf.gather(table, tf.tensor1d(tokens, 'int32')),
      gradFunc: (dy: tf.Tensor) => tf.matMul(tf.transpose(tf.oneHot(tf.tensor1d(tokens, 'int32'), V)), dy),
    })) as unknown as CustomGradFn);
    return f(this.w('model.embed_tokens.weight'));
  }

  private forward(tokens: Int32Array, B: number, T: number): tf.Tensor {
    const cfg = this.cfg;
    const N = B * T, H = cfg.numHeads, KV = cfg.numKvHeads, D = cfg.headDim, G = H / KV;
    const { cos, sin, mask } = this.tablesFor(T);
    let x = this.embed(tokens); // (N, C)
    const lin = (h: tf.Tensor, name: string) => mm(h, tf.transpose(this.w(name)));
    for (let l = 0; l < cfg.numLayers; l++) {
      const p = `model.layers.${l}`;
      let h = this.rmsnorm(x, `${p}.input_layernorm.weight`);
      const q = this.rope(tf.reshape(lin(h, `${p}.self_attn.q_proj.weight`), [B, T, H, D]), cos, sin);
      const k = this.rope(tf.reshape(lin(h, `${p}.self_attn.k_proj.weight`), [B, T, KV, D]), cos, sin);
      const v = tf.reshape(lin(h, `${p}.self_attn.v_proj.weight`), [B, T, KV, D]);
      const qg = tf.reshape(tf.transpose(q, [0, 2, 1, 3]), [B, KV, G * T, D]);
      const kt = tf.transpose(k, [0, 2, 1, 3]);
      const vt = tf.transpose(v, [0, 2, 1, 3]);
      const scores = tf.add(tf.mul(mm(qg, swapLast(kt)), 1 / Math.sqrt(D)), mask);
      const att = mm(tf.softmax(scores, -1), vt); // (B, KV, G*T, D)
      const a = tf.reshape(tf.transpose(tf.reshape(att, [B, H, T, D]), [0, 2, 1, 3]), [N, H * D]);
      x = tf.add(x, lin(a, `${p}.self_attn.o_proj.weight`));
      h = this.rmsnorm(x, `${p}.post_attention_layernorm.weight`);
      const gate = lin(h, `${p}.mlp.gate_proj.weight`);
      const up = lin(h, `${p}.mlp.up_proj.weight`);
      x = tf.add(x, lin(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up), `${p}.mlp.down_proj.weight`));
    }
    x = this.rmsnorm(x, 'model.norm.weight');
    return mm(x, tf.transpose(this.w('model.embed_tokens.weight'))); // (N, V)
  }

  private rmsnorm(x: tf.Tensor, name: string): tf.Tensor {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.cfg.rmsNormEps))), this.w(name));
  }

  private rope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
    const [x1, x2] = tf.split(x, 2, 3);
    return tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], 3);
  }

  private tablesFor(T: number): { cos: tf.Tensor; sin: tf.Tensor; mask: tf.Tensor } {
    const hit = this.tables.get(T);
    if (hit) return hit;
    const inv = ropeInvFreq(this.cfg);
    const half = this.cfg.headDim / 2, G = this.cfg.numHeads / this.cfg.numKvHeads;
    const cos = new Float32Array(T * half), sin = new Float32Array(T * half);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < half; i++) {
        cos[t * half + i] = Math.cos(t * inv[i]);
        sin[t * half + i] = Math.sin(t * inv[i]);
      }
    }
    const mask = new Float32Array(G * T * T);
    for (let g = 0; g < G; g++) for (let t = 0; t < T; t++) for (let s = t + 1; s < T; s++) mask[(g * T + t) * T + s] = MASKED;
    const tb = {
      cos: tf.keep(tf.tensor(cos, [T, 1, half], 'float32')),
      sin: tf.keep(tf.tensor(sin, [T, 1, half], 'float32')),
      mask: tf.keep(tf.tensor(mask, [G * T, T], 'float32')),
    };
    this.tables.set(T, tb);
    return tb;
  }
}
