// The engine (our WGSL kernels on Dawn/SwiftShader) against the TensorFlow.js reference (autograd on
// tfjs-cpu): logits, loss and every LoRA gradient, on tiny random models covering the family.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../reference/backend.ts';
import { ReferenceModel } from '../reference/model.ts';
import { testGpu } from '../testing/gpu.ts';
import { TOL, expectClose, type Tolerance } from '../testing/tolerance.ts';
import { LORA_TARGETS, type LoraConfig, type ModelConfig } from './config.ts';
import { type DropoutKey } from './dropout.ts';
import { GpuModel, PlanError, type Batch } from './model.ts';
import { GpuTrainBackend } from './train-backend.ts';
import type { BaseDtype } from './quant.ts';
import { Rng } from './rng.ts';
import { effectiveWeights, initLora, randomLora, randomWeights, tinyConfig } from './weights.ts';

const ALL: LoraConfig = { rank: 4, alpha: 8, dropout: 0, targets: [...LORA_TARGETS], useRslora: false };

function randomBatch(cfg: ModelConfig, B: number, T: number, seed: number): Batch {
  const rng = new Rng(seed);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));
  // mask out the first positions of each row, like a prompt
  const lossMask = Float32Array.from({ length: B * T }, (_, i) => (i % T < 2 ? 0 : 1));
  return { tokens, targets, lossMask, B, T };
}

interface Case {
  name: string;
  cfg: ModelConfig;
  dtype: BaseDtype;
  lora: LoraConfig;
  B: number;
  T: number;
  checkpointing?: boolean;
  /** Force weights over this many bytes into row chunks (and expect these to be split). */
  maxBindingBytes?: number;
  expectSplit?: string[];
  /** LoRA dropout key of the step (lora.dropout > 0). */
  drop?: DropoutKey;
}

const CASES: Case[] = [
  { name: 'GQA, untied head, f32, LoRA on all seven targets', cfg: tinyConfig(), dtype: 'f32', lora: ALL, B: 2, T: 7 },
  { name: 'MHA, tied head, f32, q/v LoRA', cfg: tinyConfig({ numKvHeads: 4, tieWordEmbeddings: true }), dtype: 'f32', lora: { ...ALL, targets: ['q_proj', 'v_proj'] }, B: 1, T: 9 },
  { name: 'qwen2 biases, KV=1, rsLoRA', cfg: tinyConfig({ modelType: 'qwen2', attentionBias: true, numKvHeads: 1, tieWordEmbeddings: true }), dtype: 'f32', lora: { ...ALL, useRslora: true }, B: 2, T: 5 },
  { name: 'interleaved RoPE + llama3 scaling + sliding window', cfg: tinyConfig({ ropeLayout: 'interleaved', slidingWindow: 3, ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 } }), dtype: 'f32', lora: ALL, B: 1, T: 8 },
  { name: 'int8 base', cfg: tinyConfig(), dtype: 'int8', lora: ALL, B: 2, T: 6 },
  { name: 'int4 base, gradient checkpointing', cfg: tinyConfig(), dtype: 'int4', lora: ALL, B: 2, T: 6, checkpointing: true },
  { name: 'f16 base (packed halves, unpack2x16float in the kernels)', cfg: tinyConfig(), dtype: 'f16', lora: ALL, B: 2, T: 6 },
  { name: 'LoRA dropout 0.3: the reference applies the same masks', cfg: tinyConfig(), dtype: 'f32', lora: { ...ALL, dropout: 0.3 }, B: 2, T: 6, drop: { seed: 5, step: 3, micro: 1 } },
  // 3000-byte bindings: embed / lm_head [61, 32] f32 → 23 + 23 + 15 rows; q [32, 32] → 23 + 9; gate, up
  // [48, 32] → 23 + 23 + 2; down [32, 48] → 15 + 15 + 2. Chunks never divide the rows evenly.
  { name: 'weights split into uneven row chunks (f32, untied head)', cfg: tinyConfig(), dtype: 'f32', lora: ALL, B: 2, T: 6, maxBindingBytes: 3000, expectSplit: ['model.embed_tokens', 'lm_head', 'model.layers.0.self_attn.q_proj', 'model.layers.1.mlp.down_proj'] },
  // C = 64, 1100-byte bindings: tied embed/head → 4-row chunks; int4 q [32, 64] → 27 + 5, o [64, 32] → 55 + 9.
  { name: 'split + tied head + int4 + dropout + checkpointing', cfg: tinyConfig({ hiddenSize: 64, tieWordEmbeddings: true }), dtype: 'int4', lora: { ...ALL, dropout: 0.1 }, B: 1, T: 4, checkpointing: true, maxBindingBytes: 1100, expectSplit: ['model.embed_tokens', 'model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.o_proj'], drop: { seed: 1, step: 0, micro: 0 } },
];

describe('engine vs tfjs reference', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const gpu = await testGpu();
      const liveBefore = gpu.liveBufferCount;
      const weights = randomWeights(c.cfg, 11);
      const lora = randomLora(c.cfg, c.lora, 12);
      const model = GpuModel.create(gpu, c.cfg, weights, { baseDtype: c.dtype, lora: { config: c.lora, params: lora }, checkpointing: c.checkpointing, maxBindingBytes: c.maxBindingBytes });
      const split = model.splitWeights.map((w) => w.name);
      for (const name of c.expectSplit ?? []) expect(split, 'split weights').toContain(name);
      if (!c.maxBindingBytes) expect(split).toEqual([]);
      const ref = new ReferenceModel(c.cfg, effectiveWeights(c.cfg, weights, c.dtype), { config: c.lora, params: lora });
      const tol: Tolerance = c.dtype === 'f32' ? TOL.logits : TOL.quantized;
      try {
        const batch = randomBatch(c.cfg, c.B, c.T, 13);
        expectClose(await model.logits(batch.tokens, c.B, c.T), ref.logits(batch.tokens, c.B, c.T), tol, 'logits');
        model.zeroGrads();
        const loss = await model.forwardBackward(batch, c.drop);
        const want = ref.lossAndGrads(batch, c.drop);
        expectClose([loss], [want.loss], tol, 'loss');
        const grads = await model.readLoraGrads();
        expect([...grads.keys()]).toEqual([...want.grads.keys()]);
        const gtol = c.dtype === 'f32' ? TOL.grad : TOL.quantized;
        let maxGrad = 0;
        for (const [path, g] of want.grads) {
          expectClose(grads.get(path)!.A, g.A, gtol, `${path} dA`);
          expectClose(grads.get(path)!.B, g.B, gtol, `${path} dB`);
          for (const v of g.A) maxGrad = Math.max(maxGrad, Math.abs(v));
        }
        expect(maxGrad).toBeGreaterThan(1e-3); // gradients are not trivially zero
        if (c.maxBindingBytes) {
          // KV-cached decoding reads the same split embedding and head.
          model.beginDecode(c.T);
          const last = await model.decode(batch.tokens.subarray(0, c.T));
          const V = c.cfg.vocabSize;
          expectClose(last, ref.logits(batch.tokens.subarray(0, c.T), 1, c.T).subarray((c.T - 1) * V), tol, 'decode logits (split)');
          model.endDecode();
        }
      } finally {
        model.dispose();
        ref.dispose();
      }
      expect(gpu.liveBufferCount).toBe(liveBefore);
    });
  }

  it('at step 0 (B = 0) the adapted model equals the base model bit for bit', async () => {
    const gpu = await testGpu();
    const cfg = tinyConfig();
    const w = randomWeights(cfg, 3);
    const base = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: null });
    const adapted = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: { config: ALL, params: initLora(cfg, ALL, 4) } });
    const tokens = randomBatch(cfg, 1, 6, 5).tokens;
    const a = await base.logits(tokens, 1, 6);
    const b = await adapted.logits(tokens, 1, 6);
    expect(b).toEqual(a);
    base.dispose();
    adapted.dispose();
  });

  it('micro-batch gradients accumulate (+=) until zeroGrads', async () => {
    const gpu = await testGpu();
    const cfg = tinyConfig({ numLayers: 1 });
    const lora = randomLora(cfg, ALL, 8);
    const model = GpuModel.create(gpu, cfg, randomWeights(cfg, 7), { baseDtype: 'f32', lora: { config: ALL, params: lora } });
    const batch = randomBatch(cfg, 1, 5, 9);
    model.zeroGrads();
    await model.forwardBackward(batch);
    const once = await model.readLoraGrads();
    await model.forwardBackward(batch);
    const twice = await model.readLoraGrads();
    for (const [p, g] of once) expectClose(twice.get(p)!.B, g.B.map((x) => 2 * x), TOL.strict, `${p} dB accumulated`);
    model.zeroGrads();
    await model.forwardBackward(batch);
    for (const [p, g] of once) expectClose((await model.readLoraGrads()).get(p)!.A, g.A, TOL.exact, `${p} dA after zeroGrads`);
    model.dispose();
  });

  it('LoRA dropout: p = 0 is unchanged bit for bit; p > 0 never touches inference; masks follow the key', async () => {
    const gpu = await testGpu();
    const cfg = tinyConfig({ numLayers: 1 });
    const w = randomWeights(cfg, 21), lora = randomLora(cfg, ALL, 22);
    const batch = randomBatch(cfg, 1, 5, 23);
    const grads = async (m: GpuModel, key?: DropoutKey) => { m.zeroGrads(); await m.forwardBackward(batch, key); return m.readLoraGrads(); };
    const p0 = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: { config: ALL, params: lora } });
    const p3 = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: { config: { ...ALL, dropout: 0.3 }, params: lora } });
    const p3ckpt = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: { config: { ...ALL, dropout: 0.3 }, params: lora }, checkpointing: true });
    try {
      // p = 0: the key is ignored and no dropout dispatch is recorded.
      expect(await grads(p0, { seed: 9, step: 4, micro: 1 })).toEqual(await grads(p0));
      // Inference (logits, eval loss) never drops.
      expect(await p3.logits(batch.tokens, 1, 5)).toEqual(await p0.logits(batch.tokens, 1, 5));
      expect(await p3.loss(batch)).toBe(await p0.loss(batch));
      // Checkpointing recomputes the same masks; another step draws other masks.
      const k = { seed: 2, step: 7, micro: 0 };
      const a = await grads(p3, k);
      expect(await grads(p3ckpt, k)).toEqual(a);
      expect(await grads(p3, k)).toEqual(a);
      const other = await grads(p3, { ...k, step: 8 });
      const path = 'model.layers.0.self_attn.q_proj';
      expect(other.get(path)!.A).not.toEqual(a.get(path)!.A);
    } finally {
      p0.dispose(); p3.dispose(); p3ckpt.dispose();
    }
  });

  it('LoRA dropout: a run resumed from a checkpoint draws the masks of the uninterrupted run', async () => {
    const gpu = await testGpu();
    const cfg = tinyConfig({ numLayers: 1 });
    const conf = { ...ALL, dropout: 0.5 };
    const w = randomWeights(cfg, 31), lora = randomLora(cfg, conf, 32);
    const batches = [0, 1, 2].map((i) => randomBatch(cfg, 1, 5, 40 + i));
    const hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    const make = () => {
      const m = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: { config: conf, params: lora }, dropoutSeed: 77 });
      return { m, b: new GpuTrainBackend(gpu, m, hyper, 1) };
    };
    // One optimizer step with two micro-batches (gradient accumulation).
    const step = async (b: GpuTrainBackend, i: number) => { b.zeroGrads(); await b.forwardBackward(batches[i]); await b.forwardBackward(batches[(i + 1) % 3]); };
    const run = make(), resumed = make();
    try {
      await step(run.b, 0); await run.b.applyUpdate(1e-2, 0.5);
      await step(run.b, 1); await run.b.applyUpdate(1e-2, 0.5);
      const ckpt = { lora: await run.b.getLora(), opt: await run.b.getOptimizerState() };
      await step(run.b, 2);
      const want = await run.m.readLoraGrads();
      // A fresh process: load the checkpoint and compute step 3 (no earlier forwardBackward calls).
      resumed.b.setLora(ckpt.lora);
      resumed.b.setOptimizerState(ckpt.opt);
      await step(resumed.b, 2);
      expect(await resumed.m.readLoraGrads()).toEqual(want);
    } finally {
      run.b.dispose(); run.m.dispose(); resumed.b.dispose(); resumed.m.dispose();
    }
  });

  it('an N×V logits buffer over the binding limit is refused with a PlanError naming batch and sequence', async () => {
    const gpu = await testGpu();
    const cfg = tinyConfig({ numLayers: 1 });
    const model = GpuModel.create(gpu, cfg, randomWeights(cfg, 3), { baseDtype: 'f32', lora: null, maxBindingBytes: 3000 });
    try {
      // 13 rows × 61 × 4 bytes = 3172 > 3000; 12 rows fit.
      await expect(model.logits(new Int32Array(13), 1, 13)).rejects.toThrow(PlanError);
      await expect(model.logits(new Int32Array(13), 1, 13)).rejects.toThrow(/smaller batch or sequence.*at most 12/);
      expect((await model.logits(new Int32Array(12), 2, 6)).length).toBe(12 * 61);
    } finally {
      model.dispose();
    }
  });
});
