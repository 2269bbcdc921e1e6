// KV-cached decoding against a full recompute (the training-path forward) and the tfjs reference.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../reference/backend.ts';
import { ReferenceModel } from '../reference/model.ts';
import { testGpu } from '../testing/gpu.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';
import { LORA_TARGETS, type LoraConfig } from './config.ts';
import { argmax, generate, sample } from './generate.ts';
import { GpuModel } from './model.ts';
import { Rng } from './rng.ts';
import { randomLora, randomWeights, tinyConfig } from './weights.ts';

const LORA: LoraConfig = { rank: 4, alpha: 8, dropout: 0, targets: [...LORA_TARGETS], useRslora: false };

describe('KV-cached decoding', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('logits after prefill + single-token steps equal a full forward at every position (with LoRA, GQA, window)', async () => {
    const gpu = await testGpu();
    const cfg = tinyConfig({ slidingWindow: 4 });
    const w = randomWeights(cfg, 21), lora = randomLora(cfg, LORA, 22);
    const model = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: { config: LORA, params: lora } });
    const ref = new ReferenceModel(cfg, w, { config: LORA, params: lora });
    const toks = [5, 9, 2, 33, 7, 1, 40, 12];
    const full = ref.logits(Int32Array.from(toks), 1, toks.length);
    const V = cfg.vocabSize;
    model.beginDecode(16);
    expectClose(await model.decode(toks.slice(0, 3)), full.subarray(2 * V, 3 * V), TOL.logits, 'prefill last');
    for (let t = 3; t < toks.length; t++) expectClose(await model.decode([toks[t]]), full.subarray(t * V, (t + 1) * V), TOL.logits, `step ${t}`);
    expect(model.decodePosition).toBe(toks.length);
    await expect(model.decode(new Array(9).fill(1))).rejects.toThrow(/exceed 16 tokens/);
    model.dispose();
    ref.dispose();
  });

  it('greedy generation is deterministic and equals argmax of full recomputes; adapter toggle changes the model', async () => {
    const gpu = await testGpu();
    const cfg = tinyConfig();
    const w = randomWeights(cfg, 31), lora = randomLora(cfg, LORA, 32);
    const model = GpuModel.create(gpu, cfg, w, { baseDtype: 'int8', lora: { config: LORA, params: lora } });
    const prompt = [3, 14, 15, 9];
    const a = await generate(model, prompt, { maxNewTokens: 6 });
    const b = await generate(model, prompt, { maxNewTokens: 6 });
    expect(a).toEqual(b);
    expect(a).toHaveLength(6);
    // the same tokens by recomputing the whole sequence each time
    const seq = [...prompt];
    for (let i = 0; i < 6; i++) {
      const lg = await model.logits(Int32Array.from(seq), 1, seq.length);
      seq.push(argmax(lg.subarray((seq.length - 1) * cfg.vocabSize)));
    }
    expect(a).toEqual(seq.slice(prompt.length));
    model.adapterEnabled = false;
    const base = await generate(model, prompt, { maxNewTokens: 6 });
    const baseModel = GpuModel.create(gpu, cfg, w, { baseDtype: 'int8', lora: null });
    expect(base).toEqual(await generate(baseModel, prompt, { maxNewTokens: 6 }));
    expect(base).not.toEqual(a);
    // stop ids end generation before the stop token
    model.adapterEnabled = true;
    expect(await generate(model, prompt, { maxNewTokens: 6, stopIds: [a[2]] })).toEqual(a.slice(0, a.indexOf(a[2])));
    model.dispose();
    baseModel.dispose();
  });

  it('sampling: temperature 0 is argmax; top-p keeps only the nucleus; seeded', () => {
    const logits = [0, 5, 1, 4.9];
    expect(sample(logits, 0, 1, new Rng(1))).toBe(1);
    const seen = new Set<number>();
    const rng = new Rng(7);
    for (let i = 0; i < 200; i++) seen.add(sample(logits, 1, 0.9, rng));
    expect([...seen].sort()).toEqual([1, 3]);
    const draw = (s: number) => Array.from({ length: 20 }, (_, i) => sample(logits, 1, 1, new Rng(s + i)));
    expect(draw(3)).toEqual(draw(3));
  });
});
