// Export invariants: a PEFT adapter written and read back gives identical logits; a merged model gives
// the adapter model's logits; GGUF F16 of the merged model loads back to (nearly) the same weights.
import { describe, expect, it } from 'vitest';
import { LORA_TARGETS, type LoraConfig } from '../engine/config.ts';
import { GpuModel } from '../engine/model.ts';
import { randomLora, randomWeights, tinyConfig } from '../engine/weights.ts';
import { ggufToModel, modelToGguf } from '../formats/gguf.ts';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, parsePeftConfig, readPeftWeights } from '../formats/peft.ts';
import { openSafetensors } from '../formats/safetensors.ts';
import { bytesSource } from '../formats/source.ts';
import { testGpu } from '../testing/gpu.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';
import { adapterFiles } from './export.ts';
import { mergeLora } from './merge.ts';

const cfg = tinyConfig({ hiddenSize: 64, intermediateSize: 96, headDim: 16 });
const LORA: LoraConfig = { rank: 4, alpha: 12, dropout: 0, targets: [...LORA_TARGETS], useRslora: false };
const tokens = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6]);

describe('adapter export, import and merge', () => {
  it('PEFT export → import gives identical parameters and logits; merged equals adapted', async () => {
    const gpu = await testGpu();
    const w = randomWeights(cfg, 1), params = randomLora(cfg, LORA, 2);
    const files = adapterFiles(cfg, LORA, params, { recipe: 'self-prompt', separator: '\n\n', systemPrompt: null, chatTemplate: null, dataHash: null, baseModel: 'test', baseDtype: 'f32', steps: 1, seed: 0, tabtuneVersion: '0.1.0' });
    const lcfg = parsePeftConfig(files.get(ADAPTER_CONFIG) as string);
    expect(lcfg).toEqual(LORA);
    const back = await readPeftWeights(await openSafetensors(bytesSource(files.get(ADAPTER_WEIGHTS) as Uint8Array, ADAPTER_WEIGHTS)), cfg, lcfg);
    for (const [k, p] of params) {
      expect(back.get(k)!.A).toEqual(p.A);
      expect(back.get(k)!.B).toEqual(p.B);
    }
    const adapted = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: { config: LORA, params } });
    const imported = GpuModel.create(gpu, cfg, w, { baseDtype: 'f32', lora: { config: lcfg, params: back } });
    const la = await adapted.logits(tokens, 1, tokens.length);
    expect(await imported.logits(tokens, 1, tokens.length)).toEqual(la);
    const merged = GpuModel.create(gpu, cfg, mergeLora(cfg, w, LORA, params), { baseDtype: 'f32', lora: null });
    const lm = await merged.logits(tokens, 1, tokens.length);
    expectClose(lm, la, TOL.logits, 'merged vs adapted logits');
    // the adapter really changes the model, so the comparison above is not vacuous
    adapted.adapterEnabled = false;
    const base = await adapted.logits(tokens, 1, tokens.length);
    expect(Math.max(...base.map((v, i) => Math.abs(v - la[i])))).toBeGreaterThan(1e-2);
    for (const m of [adapted, imported, merged]) m.dispose();
  });

  it('the merged model written as GGUF F16 / Q8_0 loads back with the llama q/k layout restored', async () => {
    const w = mergeLora(cfg, randomWeights(cfg, 3), LORA, randomLora(cfg, LORA, 4));
    for (const type of ['F16', 'Q8_0'] as const) {
      const back = await ggufToModel(bytesSource(modelToGguf(cfg, w, type), `merged-${type}.gguf`));
      const q = back.weights.get('model.layers.0.self_attn.q_proj.weight')!.data, ref = w.get('model.layers.0.self_attn.q_proj.weight')!.data;
      expectClose(q, ref, type === 'F16' ? { atol: 1e-3, rtol: 1e-3 } : { atol: 2e-2, rtol: 5e-2 }, `${type} q_proj`);
    }
  });
});
