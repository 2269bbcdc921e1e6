// PEFT soft-prompt adapters: the config fields PEFT reads, the prefix layout PEFT's get_prompt views
// ([P, L·2·KV·D], row p ordered layer, key|value, kv head, head dim), and what is refused.
import { describe, expect, it } from 'vitest';
import { type SoftPromptConfig, softPromptSize } from '../engine/config.ts';
import { tinyConfig } from '../engine/weights.ts';
import { parseSoftPromptConfig, peftTypeOf, readSoftPromptAdapter, softPromptAdapterFiles, softPromptConfigJson } from './peft-prompt.ts';
import { openSafetensors } from './safetensors.ts';
import { bytesSource } from './source.ts';

const cfg = tinyConfig(); // C 32, L 2, H 4, KV 2, D 8
const prefix: SoftPromptConfig = { method: 'prefix', virtualTokens: 3, init: { kind: 'random' } };
const prompt: SoftPromptConfig = { method: 'prompt', virtualTokens: 5, init: { kind: 'text', text: 'You are an expert' } };

async function open(files: { weights: Uint8Array }) {
  return openSafetensors(bytesSource(files.weights, 'adapter_model.safetensors'));
}

describe('PEFT soft-prompt adapters', () => {
  it('prompt tuning: PROMPT_TUNING config and prompt_embeddings [P, C]', async () => {
    const v = Float32Array.from({ length: softPromptSize(cfg, prompt) }, (_, i) => i);
    const f = softPromptAdapterFiles(cfg, prompt, v, 'base');
    expect(JSON.parse(f.config)).toMatchObject({ peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 5, token_dim: 32, num_layers: cfg.numLayers, num_attention_heads: 4, num_transformer_submodules: 1, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'You are an expert' });
    const store = await open(f);
    expect(store.metadata).toEqual({ format: 'pt' });
    expect(store.tensors.map((t) => [t.name, t.shape])).toEqual([['prompt_embeddings', [5, 32]]]);
    expect(await store.readTensor('prompt_embeddings')).toEqual(v);
    const back = await readSoftPromptAdapter(f.config, store, cfg);
    expect(back).toEqual({ config: prompt, values: v });
  });

  it('prefix tuning: PREFIX_TUNING sized to the KV heads; row p holds (layer, key|value, head, dim)', async () => {
    const P = 3, L = cfg.numLayers, w = cfg.numKvHeads * cfg.headDim;
    // tabtune layout [L, 2, P, KV·D]: value = l·1000 + kv·100 + p·10 + (index inside the row) / 100
    const v = new Float32Array(softPromptSize(cfg, prefix));
    for (let l = 0; l < L; l++) for (let kv = 0; kv < 2; kv++) for (let p = 0; p < P; p++) for (let i = 0; i < w; i++) v[((l * 2 + kv) * P + p) * w + i] = l * 1000 + kv * 100 + p * 10 + i / 100;
    const f = softPromptAdapterFiles(cfg, prefix, v, 'base');
    expect(JSON.parse(f.config)).toMatchObject({ peft_type: 'PREFIX_TUNING', num_virtual_tokens: 3, token_dim: w, num_attention_heads: cfg.numKvHeads, num_layers: L, prefix_projection: false });
    const store = await open(f);
    expect(store.tensors.map((t) => [t.name, t.shape])).toEqual([['prompt_embeddings', [P, L * 2 * w]]]);
    const peft = await store.readTensor('prompt_embeddings');
    // PEFT: view(P, L·2, heads, D) → element [p, l·2 + kv, g, d]
    for (let p = 0; p < P; p++) for (let l = 0; l < L; l++) for (let kv = 0; kv < 2; kv++) for (let i = 0; i < w; i++) {
      expect(peft[(p * L * 2 + l * 2 + kv) * w + i]).toBeCloseTo(l * 1000 + kv * 100 + p * 10 + i / 100, 3);
    }
    expect((await readSoftPromptAdapter(f.config, store, cfg)).values).toEqual(v);
  });

  it('refuses what tabtune cannot apply, naming the field', () => {
    const base = softPromptConfigJson(cfg, prefix, 'base');
    const bad = (o: Record<string, unknown>) => () => parseSoftPromptConfig(JSON.stringify({ ...base, ...o }), cfg);
    expect(bad({ prefix_projection: true })).toThrow(/prefix_projection/);
    expect(bad({ token_dim: 32 })).toThrow(/key\/value width is 2 heads × 8 = 16/);
    expect(bad({ num_layers: 7 })).toThrow(/num_layers is 7/);
    expect(bad({ num_transformer_submodules: 2 })).toThrow(/num_transformer_submodules/);
    expect(bad({ num_virtual_tokens: 0 })).toThrow(/num_virtual_tokens/);
    expect(bad({ peft_type: 'LORA' })).toThrow(/not a soft prompt/);
    expect(peftTypeOf('{"peft_type":"PREFIX_TUNING"}')).toBe('PREFIX_TUNING');
    expect(peftTypeOf('nope')).toBeNull();
  });

  it('refuses a tensor of the wrong shape', async () => {
    const f = softPromptAdapterFiles(cfg, prompt, new Float32Array(softPromptSize(cfg, prompt)), 'base');
    const other = JSON.stringify({ ...JSON.parse(f.config), num_virtual_tokens: 4 });
    await expect(readSoftPromptAdapter(other, await open(f), cfg)).rejects.toThrow(/shape \[5,32\].*\[4,32\]/);
  });
});
