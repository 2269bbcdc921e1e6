// Prompt tuning and prefix tuning (config.ts SoftPromptConfig) on the engine against the tfjs reference
// (autograd on tfjs-cpu): logits, loss and the gradient of every virtual-token / prefix value; one
// optimizer step changes only the soft prompt; KV-cached decoding and greedy generation include the
// virtual tokens; an export in PEFT's layout imports back to the same logits.
import { beforeAll, describe, expect, it } from 'vitest';
import { readSoftPromptAdapter, softPromptAdapterFiles } from '../formats/peft-prompt.ts';
import { openSafetensors } from '../formats/safetensors.ts';
import { bytesSource } from '../formats/source.ts';
import { useBackend } from '../reference/backend.ts';
import { ReferenceModel } from '../reference/model.ts';
import { ReferenceTrainBackend } from '../reference/train-backend.ts';
import { testGpu } from '../testing/gpu.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';
import { type ModelConfig, type SoftPromptConfig, softPromptSize } from './config.ts';
import { argmax, generate } from './generate.ts';
import { GpuModel, type Batch } from './model.ts';
import type { BaseDtype } from './quant.ts';
import { Rng } from './rng.ts';
import { initSoftPrompt } from './soft-prompt.ts';
import { GpuTrainBackend } from './train-backend.ts';
import { effectiveWeights, randomWeights, tinyConfig } from './weights.ts';

function randomBatch(cfg: ModelConfig, B: number, T: number, seed: number): Batch {
  const rng = new Rng(seed);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));
  const lossMask = Float32Array.from({ length: B * T }, (_, i) => (i % T < 2 ? 0 : 1));
  return { tokens, targets, lossMask, B, T };
}

const sp = (method: SoftPromptConfig['method'], virtualTokens: number): SoftPromptConfig => ({ method, virtualTokens, init: { kind: 'random' } });

interface Case { name: string; cfg: ModelConfig; sp: SoftPromptConfig; dtype: BaseDtype; B: number; T: number; checkpointing?: boolean }

const CASES: Case[] = [
  { name: 'prompt tuning, GQA, untied head', cfg: tinyConfig(), sp: sp('prompt', 3), dtype: 'f32', B: 2, T: 7 },
  { name: 'prompt tuning, MHA, tied head, checkpointing, int8 base', cfg: tinyConfig({ numKvHeads: 4, tieWordEmbeddings: true }), sp: sp('prompt', 5), dtype: 'int8', B: 3, T: 4, checkpointing: true },
  { name: 'prefix tuning, GQA (prefixes sized to the KV heads)', cfg: tinyConfig(), sp: sp('prefix', 4), dtype: 'f32', B: 2, T: 7 },
  { name: 'prefix tuning, qwen2 biases, KV = 1, checkpointing', cfg: tinyConfig({ modelType: 'qwen2', attentionBias: true, numKvHeads: 1, tieWordEmbeddings: true }), sp: sp('prefix', 6), dtype: 'f32', B: 2, T: 5, checkpointing: true },
  { name: 'prefix tuning, interleaved RoPE + sliding window 4 (slots leave the window)', cfg: tinyConfig({ ropeLayout: 'interleaved', slidingWindow: 4 }), sp: sp('prefix', 3), dtype: 'f32', B: 1, T: 8 },
];

const HYPER = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

function prefixValues(cfg: ModelConfig, s: SoftPromptConfig, seed: number): Float32Array {
  // N(0, 1) keys make the softmax peaky; 0.5 keeps the prefix slots and the real keys comparable.
  return new Rng(seed).normals(softPromptSize(cfg, s), 0.5);
}

function values(cfg: ModelConfig, s: SoftPromptConfig, w: ReturnType<typeof randomWeights>, seed: number): Float32Array {
  return s.method === 'prompt' ? initSoftPrompt(cfg, w.get('model.embed_tokens.weight')!.data, s, seed) : prefixValues(cfg, s, seed);
}

describe('soft prompts: engine vs tfjs reference', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.name}: logits, loss and every soft-prompt gradient`, async () => {
      const gpu = await testGpu();
      const live = gpu.liveBufferCount;
      const w = randomWeights(c.cfg, 11);
      const v = values(c.cfg, c.sp, w, 12);
      const model = GpuModel.create(gpu, c.cfg, w, { baseDtype: c.dtype, lora: null, softPrompt: { config: c.sp, values: v }, checkpointing: c.checkpointing });
      const ref = new ReferenceModel(c.cfg, effectiveWeights(c.cfg, w, c.dtype), undefined, { config: c.sp, values: v });
      const tol = c.dtype === 'f32' ? TOL.logits : TOL.quantized;
      try {
        expect(model.trainables().map((t) => t.name)).toEqual([c.sp.method === 'prompt' ? 'prompt_embeddings' : 'prefix_key_values']);
        expect(model.trainableParameterCount).toBe(softPromptSize(c.cfg, c.sp));
        const batch = randomBatch(c.cfg, c.B, c.T, 13);
        const logits = await model.logits(batch.tokens, c.B, c.T);
        expect(logits.length).toBe(c.B * c.T * c.cfg.vocabSize); // the virtual rows are not returned
        expectClose(logits, ref.logits(batch.tokens, c.B, c.T), tol, 'logits');
        // the soft prompt changes the output (it is not ignored)
        model.adapterEnabled = false;
        const base = await model.logits(batch.tokens, c.B, c.T);
        model.adapterEnabled = true;
        expect(base).not.toEqual(logits);
        model.zeroGrads();
        const loss = await model.forwardBackward(batch);
        const want = ref.lossAndGrads(batch);
        expectClose([loss], [want.loss], tol, 'loss');
        expectClose([await model.loss(batch)], [want.loss], tol, 'eval loss');
        const g = (await model.readSoftPromptGrad())!;
        expectClose(g, want.softPrompt!, c.dtype === 'f32' ? TOL.grad : TOL.quantized, `d ${c.sp.method}`);
        let max = 0;
        for (const x of want.softPrompt!) max = Math.max(max, Math.abs(x));
        expect(max).toBeGreaterThan(1e-3);
      } finally {
        model.dispose();
        ref.dispose();
      }
      expect(gpu.liveBufferCount).toBe(live);
    });
  }

  for (const method of ['prompt', 'prefix'] as const) {
    it(`${method} tuning: one step changes only the soft prompt (engine and reference agree)`, async () => {
      const gpu = await testGpu();
      const cfg = tinyConfig();
      const s = sp(method, 4);
      const w = randomWeights(cfg, 31);
      const v = values(cfg, s, w, 32);
      const model = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: null, softPrompt: { config: s, values: v } });
      const backend = new GpuTrainBackend(gpu, model, HYPER, 1);
      const ref = new ReferenceModel(cfg, w, undefined, { config: s, values: v });
      const refBackend = new ReferenceTrainBackend(ref, HYPER, 1);
      const batch = randomBatch(cfg, 2, 6, 33);
      try {
        model.adapterEnabled = false;
        const baseBefore = await model.logits(batch.tokens, 2, 6);
        model.adapterEnabled = true;
        ref.adapterEnabled = false;
        const refBaseBefore = ref.logits(batch.tokens, 2, 6);
        ref.adapterEnabled = true;
        for (const b of [backend, refBackend]) {
          b.zeroGrads();
          await b.forwardBackward(batch);
          await b.applyUpdate(1e-2, 1);
        }
        const after = (await backend.getSoftPrompt())!;
        expect(after).not.toEqual(v);
        expect(await backend.getLora()).toEqual(new Map());
        // Adam's first step is ≈ lr·sign(g): both engines move every value the same way.
        expectClose(after, (await refBackend.getSoftPrompt())!, { atol: 2e-4, rtol: 1e-3 }, 'soft prompt after one step');
        // the frozen base is unchanged: the model without its soft prompt gives the same logits bit for bit
        model.adapterEnabled = false;
        expect(await model.logits(batch.tokens, 2, 6)).toEqual(baseBefore);
        ref.adapterEnabled = false;
        expect(ref.logits(batch.tokens, 2, 6)).toEqual(refBaseBefore);
        // the optimizer state is keyed by the same name on both engines (a checkpoint moves across)
        expect(Object.keys((await backend.getOptimizerState()).m)).toEqual(Object.keys((await refBackend.getOptimizerState()).m));
      } finally {
        backend.dispose(); model.dispose(); ref.dispose();
      }
    });

    it(`${method} tuning: KV-cached decoding includes the virtual tokens; greedy = argmax of full recompute`, async () => {
      const gpu = await testGpu();
      const cfg = tinyConfig({ slidingWindow: method === 'prefix' ? 6 : null });
      const s = sp(method, 5);
      const w = randomWeights(cfg, 41);
      const v = values(cfg, s, w, 42);
      const model = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: null, softPrompt: { config: s, values: v } });
      const V = cfg.vocabSize;
      try {
        const toks = [5, 9, 2, 33, 7, 1, 40, 12];
        const full = await model.logits(Int32Array.from(toks), 1, toks.length);
        model.beginDecode(16);
        expectClose(await model.decode(toks.slice(0, 3)), full.subarray(2 * V, 3 * V), TOL.logits, 'prefill last');
        for (let t = 3; t < toks.length; t++) expectClose(await model.decode([toks[t]]), full.subarray(t * V, (t + 1) * V), TOL.logits, `step ${t}`);
        expect(model.decodePosition).toBe(toks.length);
        await expect(model.decode(new Array(9).fill(1))).rejects.toThrow(/exceed 16 tokens/);
        // greedy generation vs argmax of a full recompute at every step
        const prompt = [3, 14, 15];
        const out = await generate(model, prompt, { maxNewTokens: 6 });
        const seq = [...prompt];
        for (const id of out) {
          const lg = await model.logits(Int32Array.from(seq), 1, seq.length);
          expect(id).toBe(argmax(lg.subarray((seq.length - 1) * V)));
          seq.push(id);
        }
        // adapter off: decoding is the base model's (no virtual tokens in the cache)
        model.adapterEnabled = false;
        const baseFull = await model.logits(Int32Array.from(toks), 1, toks.length);
        model.beginDecode(8);
        expectClose(await model.decode(toks), baseFull.subarray((toks.length - 1) * V), TOL.logits, 'decode without the soft prompt');
      } finally {
        model.dispose();
      }
    });

    it(`${method} tuning: PEFT export imports back to identical logits`, async () => {
      const gpu = await testGpu();
      const cfg = tinyConfig();
      const s: SoftPromptConfig = method === 'prompt' ? { method, virtualTokens: 4, init: { kind: 'text', text: 'You are an expert' } } : sp(method, 4);
      const w = randomWeights(cfg, 51);
      const v = method === 'prompt' ? initSoftPrompt(cfg, w.get('model.embed_tokens.weight')!.data, s, 0, [7, 8, 9]) : values(cfg, s, w, 52);
      const files = softPromptAdapterFiles(cfg, s, v, 'tiny-base');
      const conf = JSON.parse(files.config);
      expect(conf).toMatchObject({ peft_type: method === 'prompt' ? 'PROMPT_TUNING' : 'PREFIX_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 4, num_layers: cfg.numLayers, num_transformer_submodules: 1 });
      const store = await openSafetensors(bytesSource(files.weights, 'adapter_model.safetensors'));
      expect(store.tensors.map((t) => [t.name, t.shape])).toEqual([['prompt_embeddings', method === 'prompt' ? [4, cfg.hiddenSize] : [4, cfg.numLayers * 2 * cfg.numKvHeads * cfg.headDim]]]);
      const back = await readSoftPromptAdapter(files.config, store, cfg);
      expect(back.config.method).toBe(method);
      expect(back.values).toEqual(v);
      const a = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: null, softPrompt: { config: s, values: v } });
      const b = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: null, softPrompt: back });
      try {
        const toks = randomBatch(cfg, 2, 5, 53).tokens;
        expect(await b.logits(toks, 2, 5)).toEqual(await a.logits(toks, 2, 5));
      } finally {
        a.dispose(); b.dispose();
      }
    });
  }
});
