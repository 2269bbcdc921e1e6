// Tests for the tfjs reference model (tfjs 'cpu' backend, no GPU): logits against the independent
// float64 loops in cpu64.ts, LoRA gradients against central finite differences of cpu64's loss, the
// LoRA B = 0 invariant, the loss mask, and that no tensor leaks.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LORA_TARGETS, type LoraConfig, type ModelConfig, softPromptSize } from '../engine/config.ts';
import { Rng } from '../engine/rng.ts';
import { type LoraParams, type WeightMap, initLora, modulePath, randomLora, randomWeights, tinyConfig } from '../engine/weights.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';
import { useBackend } from './backend.ts';
import { Cpu64Model } from './cpu64.ts';
import { type LossBatch, ReferenceModel } from './model.ts';

const ALL7: LoraConfig = { rank: 4, alpha: 8, dropout: 0, targets: [...LORA_TARGETS], useRslora: false };

function randomTokens(n: number, V: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(V));
}

/** A batch whose mask zeroes a prompt-like prefix of each row and one position in the middle. */
function makeBatch(B: number, T: number, V: number, seed: number): LossBatch {
  const tokens = randomTokens(B * T, V, seed);
  const targets = randomTokens(B * T, V, seed + 1);
  const lossMask = new Float32Array(B * T).fill(1);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Math.min(2 + b, T); t++) lossMask[b * T + t] = 0;
  }
  lossMask[Math.floor((B * T) / 2) + 1] = 0;
  return { tokens, targets, lossMask, B, T };
}

interface Case {
  name: string;
  cfg: ModelConfig;
  lora?: LoraConfig;
}

const CASES: Case[] = [
  { name: 'MHA (H = KV), untied head', cfg: tinyConfig({ numHeads: 4, numKvHeads: 4 }) },
  { name: 'GQA (H = 4, KV = 2), tied head', cfg: tinyConfig({ tieWordEmbeddings: true }) },
  { name: 'GQA (H = 4, KV = 1), qwen2 q/k/v biases, tied', cfg: tinyConfig({ modelType: 'qwen2', attentionBias: true, numKvHeads: 1, tieWordEmbeddings: true, rmsNormEps: 1e-6 }) },
  { name: "interleaved ('llama.cpp') rope layout", cfg: tinyConfig({ ropeLayout: 'interleaved' }) },
  {
    name: 'llama3 rope_scaling (all three frequency bands)',
    // D = 8: wavelengths 6.3, 63, 628, 6283 vs orig/high = 16 and orig/low = 64 -> keep, smooth, divide, divide.
    cfg: tinyConfig({ ropeTheta: 10000, ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 }, tieWordEmbeddings: true }),
  },
  { name: 'mistral sliding window W = 3', cfg: tinyConfig({ modelType: 'mistral', slidingWindow: 3 }) },
  { name: 'LoRA on all seven targets (GQA, qwen2 biases)', cfg: tinyConfig({ attentionBias: true }), lora: ALL7 },
  { name: 'LoRA q,v with rsLoRA, interleaved + window', cfg: tinyConfig({ ropeLayout: 'interleaved', slidingWindow: 4, intermediateSize: 40 }), lora: { rank: 2, alpha: 3, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: true } },
];

beforeAll(async () => {
  await useBackend('cpu');
});

describe('ReferenceModel (tfjs) vs Cpu64Model (float64 loops): logits', () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, () => {
      const w = randomWeights(c.cfg, 100 + i);
      const lora = c.lora ? { config: c.lora, params: randomLora(c.cfg, c.lora, 200 + i) } : undefined;
      const B = 2, T = 8;
      const tokens = randomTokens(B * T, c.cfg.vocabSize, 300 + i);
      const model = new ReferenceModel(c.cfg, w, lora);
      try {
        const got = model.logits(tokens, B, T);
        const want = new Cpu64Model(c.cfg, w, lora).logits(tokens, B, T);
        expect(got.length).toBe(B * T * c.cfg.vocabSize);
        expectClose(got, want, TOL.logits, `logits (${c.name})`);
      } finally {
        model.dispose();
      }
    });
  }

  it("'interleaved' is the llama.cpp permutation of 'half' (same logits after permuting q/k rows)", () => {
    // convert_hf_to_gguf permute: reshape(heads, 2, D/2, in).swapaxes(1, 2), i.e. new row h*D + 2i + j
    // is old row h*D + j*D/2 + i. Half-layout weights, permuted, must give the same model with interleaved RoPE.
    const half = tinyConfig({ attentionBias: true });
    const inter: ModelConfig = { ...half, ropeLayout: 'interleaved' };
    const D = half.headDim;
    const w = randomWeights(half, 7);
    const lora = { config: ALL7, params: randomLora(half, ALL7, 8) };
    const permRows = (src: Float32Array, rows: number, cols: number): Float32Array => {
      const out = new Float32Array(src.length);
      for (let r = 0; r < rows; r++) {
        const h = Math.floor(r / D), i = Math.floor((r % D) / 2), j = r % 2;
        out.set(src.subarray((h * D + j * (D / 2) + i) * cols, (h * D + j * (D / 2) + i + 1) * cols), r * cols);
      }
      return out;
    };
    const wp: WeightMap = new Map(w);
    const lp: LoraParams = new Map(lora.params);
    for (let l = 0; l < half.numLayers; l++) {
      for (const t of ['q_proj', 'k_proj'] as const) {
        const p = modulePath(l, t);
        const W = w.get(`${p}.weight`)!, b = w.get(`${p}.bias`)!;
        wp.set(`${p}.weight`, { shape: W.shape, data: permRows(W.data, W.shape[0], W.shape[1]) });
        wp.set(`${p}.bias`, { shape: b.shape, data: permRows(b.data, b.shape[0], 1) });
        const ad = lora.params.get(p)!;
        lp.set(p, { A: ad.A, B: permRows(ad.B, W.shape[0], ALL7.rank) });
      }
    }
    const tokens = randomTokens(16, half.vocabSize, 9);
    const a = new ReferenceModel(half, w, lora), b = new ReferenceModel(inter, wp, { config: ALL7, params: lp });
    try {
      expectClose(b.logits(tokens, 2, 8), a.logits(tokens, 2, 8), TOL.logits, 'tfjs interleaved(permuted) vs half');
    } finally {
      a.dispose();
      b.dispose();
    }
    const c64 = new Cpu64Model(inter, wp, { config: ALL7, params: lp }).logits(tokens, 2, 8);
    expectClose(c64, new Cpu64Model(half, w, lora).logits(tokens, 2, 8), { atol: 1e-9, rtol: 1e-9 }, 'cpu64 interleaved(permuted) vs half');
  });

  it('loss equals the float64 masked mean cross-entropy', () => {
    const cfg = tinyConfig({ tieWordEmbeddings: true });
    const w = randomWeights(cfg, 11);
    const lora = { config: ALL7, params: randomLora(cfg, ALL7, 12) };
    const batch = makeBatch(2, 8, cfg.vocabSize, 13);
    const model = new ReferenceModel(cfg, w, lora);
    try {
      const want = new Cpu64Model(cfg, w, lora).loss(batch);
      expectClose([model.loss(batch)], [want], TOL.logits, 'loss');
      expectClose([model.lossAndGrads(batch).loss], [want], TOL.logits, 'lossAndGrads().loss');
    } finally {
      model.dispose();
    }
  });
});

describe('ReferenceModel: LoRA gradients vs central finite differences of the float64 loss', () => {
  it('every entry of A and B on all seven targets (1 layer, GQA, qwen2 biases)', () => {
    const cfg = tinyConfig({ numLayers: 1, hiddenSize: 16, intermediateSize: 24, numHeads: 4, numKvHeads: 2, headDim: 4, vocabSize: 32, attentionBias: true });
    const w = randomWeights(cfg, 21);
    const lora = { config: ALL7, params: randomLora(cfg, ALL7, 22) };
    const batch = makeBatch(2, 6, cfg.vocabSize, 23);
    const model = new ReferenceModel(cfg, w, lora);
    let got: ReturnType<ReferenceModel['lossAndGrads']>;
    try {
      got = model.lossAndGrads(batch);
    } finally {
      model.dispose();
    }
    const oracle = new Cpu64Model(cfg, w, lora);
    const h = 1e-5;
    const fd = (arr: Float64Array): Float64Array => {
      const g = new Float64Array(arr.length);
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        arr[i] = v + h;
        const lp = oracle.loss(batch);
        arr[i] = v - h;
        const lm = oracle.loss(batch);
        arr[i] = v;
        g[i] = (lp - lm) / (2 * h);
      }
      return g;
    };
    expect([...got.grads.keys()]).toEqual(LORA_TARGETS.map((t) => modulePath(0, t)));
    for (const [path, p] of oracle.lora) {
      const g = got.grads.get(path)!;
      for (const which of ['A', 'B'] as const) {
        const want = fd(p[which]);
        expectClose(g[which], want, TOL.finiteDiff, `d loss / d ${path}.lora_${which}`);
        // Not vacuous: the gradient is well above the absolute tolerance.
        const maxAbs = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        expect(maxAbs, `${path}.lora_${which} max |grad|`).toBeGreaterThan(50 * TOL.finiteDiff.atol);
      }
    }
  });

  it('async twins agree with the sync methods', async () => {
    const cfg = tinyConfig({ numLayers: 1 });
    const w = randomWeights(cfg, 31);
    const lora = { config: ALL7, params: randomLora(cfg, ALL7, 32) };
    const batch = makeBatch(2, 5, cfg.vocabSize, 33);
    const model = new ReferenceModel(cfg, w, lora);
    try {
      const s = model.lossAndGrads(batch), a = await model.lossAndGradsAsync(batch);
      expect(a.loss).toBe(s.loss);
      expect(await model.lossAsync(batch)).toBe(model.loss(batch));
      for (const [path, g] of s.grads) {
        expectClose(a.grads.get(path)!.A, g.A, TOL.exact, `${path} A`);
        expectClose(a.grads.get(path)!.B, g.B, TOL.exact, `${path} B`);
      }
      expectClose(await model.logitsAsync(batch.tokens, 2, 5), model.logits(batch.tokens, 2, 5), TOL.exact, 'logits');
    } finally {
      model.dispose();
    }
  });
});

describe('ReferenceModel: LoRA invariants', () => {
  it('with initLora (B = 0) adapted logits equal base logits bit for bit', () => {
    const cfg = tinyConfig({ attentionBias: true });
    const w = randomWeights(cfg, 41);
    const tokens = randomTokens(16, cfg.vocabSize, 42);
    const base = new ReferenceModel(cfg, w);
    const adapted = new ReferenceModel(cfg, w, { config: ALL7, params: initLora(cfg, ALL7, 43) });
    try {
      expectClose(adapted.logits(tokens, 2, 8), base.logits(tokens, 2, 8), TOL.exact, 'adapted vs base');
    } finally {
      base.dispose();
      adapted.dispose();
    }
  });

  it('setLora / getLora round-trip and change the output', () => {
    const cfg = tinyConfig({ numLayers: 1 });
    const w = randomWeights(cfg, 51);
    const tokens = randomTokens(8, cfg.vocabSize, 52);
    const model = new ReferenceModel(cfg, w, { config: ALL7, params: initLora(cfg, ALL7, 53) });
    try {
      const before = model.logits(tokens, 1, 8);
      const p = randomLora(cfg, ALL7, 54);
      model.setLora(p);
      const back = model.getLora();
      for (const [path, v] of p) {
        expectClose(back.get(path)!.A, v.A, TOL.exact, `${path} A`);
        expectClose(back.get(path)!.B, v.B, TOL.exact, `${path} B`);
      }
      const after = model.logits(tokens, 1, 8);
      expect(after.some((x, i) => x !== before[i])).toBe(true);
      expectClose(after, new Cpu64Model(cfg, w, { config: ALL7, params: p }).logits(tokens, 1, 8), TOL.logits, 'after setLora');
    } finally {
      model.dispose();
    }
  });
});

describe('ReferenceModel: LoRA dropout', () => {
  it('drops only in the gradient methods, with masks chosen by the key; p = 0 ignores the key', () => {
    const cfg = tinyConfig({ numLayers: 1 });
    const w = randomWeights(cfg, 61), p = randomLora(cfg, ALL7, 62);
    const batch = makeBatch(2, 5, cfg.vocabSize, 63);
    const plain = new ReferenceModel(cfg, w, { config: ALL7, params: p });
    const dropped = new ReferenceModel(cfg, w, { config: { ...ALL7, dropout: 0.4 }, params: p });
    try {
      const k = { seed: 1, step: 2, micro: 0 };
      expect(dropped.loss(batch)).toBe(plain.loss(batch)); // evaluation never drops
      expect(dropped.logits(batch.tokens, 2, 5)).toEqual(plain.logits(batch.tokens, 2, 5));
      const a = dropped.lossAndGrads(batch, k), again = dropped.lossAndGrads(batch, k), other = dropped.lossAndGrads(batch, { ...k, step: 3 });
      expect(a.loss).not.toBe(plain.loss(batch));
      expect(again.loss).toBe(a.loss);
      expect(other.loss).not.toBe(a.loss);
      expect(plain.lossAndGrads(batch, k)).toEqual(plain.lossAndGrads(batch));
    } finally {
      plain.dispose();
      dropped.dispose();
    }
  });
});

describe('ReferenceModel: loss mask', () => {
  const cfg = tinyConfig({ numLayers: 1 });
  const w = randomWeights(cfg, 61);
  const lora = { config: ALL7, params: randomLora(cfg, ALL7, 62) };

  it('masked positions do not change the loss or the gradients', () => {
    const batch = makeBatch(2, 8, cfg.vocabSize, 63);
    const other: LossBatch = { ...batch, targets: Int32Array.from(batch.targets) };
    for (let n = 0; n < other.targets.length; n++) if (batch.lossMask[n] === 0) other.targets[n] = n % 2 ? -100 : (batch.targets[n] + 5) % cfg.vocabSize;
    const model = new ReferenceModel(cfg, w, lora);
    try {
      const a = model.lossAndGrads(batch), b = model.lossAndGrads(other);
      expect(b.loss).toBe(a.loss);
      for (const [path, g] of a.grads) {
        expectClose(b.grads.get(path)!.A, g.A, TOL.exact, `${path} A`);
        expectClose(b.grads.get(path)!.B, g.B, TOL.exact, `${path} B`);
      }
      // And the loss is the mean CE over the unmasked rows only, recomputed from the logits.
      const V = cfg.vocabSize, logits = model.logits(batch.tokens, 2, 8);
      let sum = 0, cnt = 0;
      for (let n = 0; n < 16; n++) {
        if (!batch.lossMask[n]) continue;
        const row = Array.from(logits.subarray(n * V, (n + 1) * V));
        const m = Math.max(...row);
        sum += m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) - row[batch.targets[n]];
        cnt++;
      }
      expect(cnt).toBeLessThan(16);
      expectClose([a.loss], [sum / cnt], TOL.logits, 'loss from logits');
    } finally {
      model.dispose();
    }
  });

  it('an all-masked batch gives loss 0 and zero gradients', () => {
    const batch = { ...makeBatch(2, 4, cfg.vocabSize, 64), lossMask: new Float32Array(8) };
    const model = new ReferenceModel(cfg, w, lora);
    try {
      expect(model.loss(batch)).toBe(0);
      const r = model.lossAndGrads(batch);
      expect(r.loss).toBe(0);
      expect(r.grads.size).toBe(7);
      for (const g of r.grads.values()) expect([...g.A, ...g.B].every((x) => x === 0)).toBe(true);
      expect(new Cpu64Model(cfg, w, lora).loss(batch)).toBe(0);
    } finally {
      model.dispose();
    }
  });
});

describe('ReferenceModel: KV-cached decoder vs recomputing the whole sequence', () => {
  const soft = (cfg: ModelConfig, method: 'prompt' | 'prefix', P: number, seed: number) => {
    const config = { method, virtualTokens: P, init: { kind: 'random' as const } };
    const rng = new Rng(seed);
    return { config, values: Float32Array.from({ length: softPromptSize(cfg, config) }, () => rng.normal() * 0.5) };
  };
  const decoderCases: (Case & { soft?: (cfg: ModelConfig) => ReturnType<typeof soft> })[] = [
    ...CASES.filter((c) => /GQA \(H = 4, KV = 2\)|sliding window|LoRA on all seven|interleaved \+ window|llama3/.test(c.name)),
    { name: 'prompt tuning (4 virtual rows in front)', cfg: tinyConfig({ tieWordEmbeddings: true }), soft: (cfg) => soft(cfg, 'prompt', 4, 91) },
    { name: 'prefix tuning (3 slots) with a window W = 4', cfg: tinyConfig({ modelType: 'mistral', slidingWindow: 4 }), soft: (cfg) => soft(cfg, 'prefix', 3, 92) },
  ];
  for (const [i, c] of decoderCases.entries()) {
    it(`${c.name}: each feed's logits equal the full sequence's last row`, async () => {
      const start = tf.memory().numTensors;
      const { cfg } = c;
      const model = new ReferenceModel(cfg, randomWeights(cfg, 300 + i), c.lora ? { config: c.lora, params: randomLora(cfg, c.lora, 400 + i) } : undefined, c.soft?.(cfg));
      const seq = Array.from(randomTokens(11, cfg.vocabSize, 500 + i));
      const dec = model.decoder();
      // prompt of 5, one token, a chunk of 2, then one at a time: offsets 0, 5, 6, 8, 9, 10
      let fed = 0;
      for (const n of [5, 1, 2, 1, 1, 1]) {
        const got = await dec.feed(seq.slice(fed, fed + n));
        fed += n;
        const full = await model.logitsAsync(Int32Array.from(seq.slice(0, fed)), 1, fed);
        const V = cfg.vocabSize;
        expectClose(got, full.subarray((fed - 1) * V, fed * V), TOL.logits, `${c.name}: logits after ${fed} tokens`);
      }
      expect(dec.rows).toBe(fed + (c.soft && c.soft(cfg).config.method === 'prompt' ? 4 : 0));
      dec.dispose();
      dec.dispose(); // idempotent
      await expect(dec.feed([1])).rejects.toThrow(/after dispose/);
      model.dispose();
      expect(tf.memory().numTensors).toBe(start); // the cache, the decoding tables and the model all freed
    });
  }

  it('refuses to run past max_position_embeddings and empty feeds, in one clear error', async () => {
    const cfg = tinyConfig({ maxPositionEmbeddings: 8 });
    const model = new ReferenceModel(cfg, randomWeights(cfg, 93));
    const dec = model.decoder();
    await expect(dec.feed([])).rejects.toThrow(/no tokens/);
    await dec.feed([1, 2, 3, 4, 5, 6, 7]);
    await dec.feed([8]);
    await expect(dec.feed([9])).rejects.toThrow(/9 positions exceed max_position_embeddings 8/);
    await expect(dec.feed([cfg.vocabSize])).rejects.toThrow(/outside the vocabulary/);
    dec.dispose();
    model.dispose();
  });
});

describe('ReferenceModel: resources', () => {
  it('frees every tensor: tf.memory().numTensors returns to its start value', async () => {
    const start = tf.memory().numTensors;
    const cfg = tinyConfig({ slidingWindow: 3 });
    const model = new ReferenceModel(cfg, randomWeights(cfg, 71), { config: ALL7, params: randomLora(cfg, ALL7, 72) });
    const batch = makeBatch(2, 6, cfg.vocabSize, 73);
    model.logits(batch.tokens, 2, 6);
    model.lossAndGrads(batch);
    const steady = tf.memory().numTensors;
    model.logits(batch.tokens, 2, 6);
    model.loss(batch);
    model.lossAndGrads(batch);
    await model.lossAndGradsAsync(batch);
    model.setLora(model.getLora());
    model.loss({ ...batch, lossMask: new Float32Array(12) });
    expect(tf.memory().numTensors).toBe(steady); // nothing grows per call
    model.logits(batch.tokens.subarray(0, 4), 1, 4); // a new T builds new tables...
    model.dispose(); // ...which dispose frees too
    expect(tf.memory().numTensors).toBe(start);
    expect(() => model.logits(batch.tokens, 2, 6)).toThrow(/dispose/);
  });

  it('rejects bad inputs with a clear error', () => {
    const cfg = tinyConfig({ numLayers: 1 });
    const model = new ReferenceModel(cfg, randomWeights(cfg, 81));
    try {
      expect(() => model.logits(new Int32Array([1, 2, cfg.vocabSize]), 1, 3)).toThrow(/outside the vocabulary/);
      expect(() => model.logits(new Int32Array([1, 2]), 1, 3)).toThrow(/expected B\*T/);
      expect(() => new ReferenceModel(cfg, randomWeights(cfg, 1), { config: ALL7, params: new Map() })).toThrow(/missing/);
    } finally {
      model.dispose();
    }
  });
});
