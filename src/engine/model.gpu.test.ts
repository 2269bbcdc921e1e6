// The engine (our WGSL kernels on Dawn/SwiftShader) against the TensorFlow.js reference (autograd on
// tfjs-cpu): logits, loss and every LoRA gradient, on tiny random models covering the family.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../reference/backend.ts';
import { ReferenceModel } from '../reference/model.ts';
import { testGpu } from '../testing/gpu.ts';
import { TOL, expectClose, type Tolerance } from '../testing/tolerance.ts';
import { LORA_TARGETS, type LoraConfig, type ModelConfig } from './config.ts';
import { GpuModel, type Batch } from './model.ts';
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
}

const CASES: Case[] = [
  { name: 'GQA, untied head, f32, LoRA on all seven targets', cfg: tinyConfig(), dtype: 'f32', lora: ALL, B: 2, T: 7 },
  { name: 'MHA, tied head, f32, q/v LoRA', cfg: tinyConfig({ numKvHeads: 4, tieWordEmbeddings: true }), dtype: 'f32', lora: { ...ALL, targets: ['q_proj', 'v_proj'] }, B: 1, T: 9 },
  { name: 'qwen2 biases, KV=1, rsLoRA', cfg: tinyConfig({ modelType: 'qwen2', attentionBias: true, numKvHeads: 1, tieWordEmbeddings: true }), dtype: 'f32', lora: { ...ALL, useRslora: true }, B: 2, T: 5 },
  { name: 'interleaved RoPE + llama3 scaling + sliding window', cfg: tinyConfig({ ropeLayout: 'interleaved', slidingWindow: 3, ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 } }), dtype: 'f32', lora: ALL, B: 1, T: 8 },
  { name: 'int8 base', cfg: tinyConfig(), dtype: 'int8', lora: ALL, B: 2, T: 6 },
  { name: 'int4 base, gradient checkpointing', cfg: tinyConfig(), dtype: 'int4', lora: ALL, B: 2, T: 6, checkpointing: true },
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
      const model = GpuModel.create(gpu, c.cfg, weights, { baseDtype: c.dtype, lora: { config: c.lora, params: lora }, checkpointing: c.checkpointing });
      const ref = new ReferenceModel(c.cfg, effectiveWeights(c.cfg, weights, c.dtype), { config: c.lora, params: lora });
      const tol: Tolerance = c.dtype === 'f32' ? TOL.logits : TOL.quantized;
      try {
        const batch = randomBatch(c.cfg, c.B, c.T, 13);
        expectClose(await model.logits(batch.tokens, c.B, c.T), ref.logits(batch.tokens, c.B, c.T), tol, 'logits');
        model.zeroGrads();
        const loss = await model.forwardBackward(batch);
        const want = ref.lossAndGrads(batch);
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
});
