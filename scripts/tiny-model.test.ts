// The shipped base model public/models/tabtune-tiny/ (built by scripts/train-tokenizer.ts and
// scripts/pretrain-tiny.ts): its files load with tabtune's own readers, agree with each other, fit the
// size budget, and the weights have learned the pretraining data (loss far below ln V).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ModelConfig, configFromHf } from '../src/engine/config.ts';
import { type WeightMap, expectedTensors } from '../src/engine/weights.ts';
import { ggufToModel } from '../src/formats/gguf.ts';
import { withFileSource } from '../src/formats/node-source.ts';
import { loadHfModel, openSafetensors } from '../src/formats/safetensors.ts';
import { type TabTokenizer, loadTokenizer } from '../src/formats/tokenizer.ts';
import { useBackend } from '../src/reference/backend.ts';
import { ReferenceModel } from '../src/reference/model.ts';
import { TINY_ARCH } from './pretrain-tiny.ts';
import { CHAT_TEMPLATE } from './tiny/bpe.ts';
import { TinyTrainGraph } from './tiny/graph.ts';
import { type EncodedConversation, MODEL_DIR, encodeConversation, pretrainConversations, renderChatMl, tokenizerTexts } from './tiny/data.ts';

const MAX_BYTES = 8 * 1024 * 1024;
const file = (f: string) => join(MODEL_DIR, f);

let tok: TabTokenizer;
let config: ModelConfig;
let weights: WeightMap;

beforeAll(async () => {
  tok = loadTokenizer(readFileSync(file('tokenizer.json'), 'utf8'), readFileSync(file('tokenizer_config.json'), 'utf8'));
  const loaded = await withFileSource(file('model.safetensors'), (src) => openSafetensors(src).then((st) => loadHfModel(readFileSync(file('config.json'), 'utf8'), st)));
  config = loaded.config;
  weights = loaded.weights;
});

describe('tabtune-tiny files', () => {
  it('has every file, within the size budget', () => {
    const files = readdirSync(MODEL_DIR).sort();
    expect(files).toEqual(['README.md', 'config.json', 'model.safetensors', 'tabtune-tiny.gguf', 'tokenizer.json', 'tokenizer_config.json']);
    const total = files.reduce((s, f) => s + statSync(file(f)).size, 0);
    expect(total).toBeLessThanOrEqual(MAX_BYTES);
    expect(statSync(file('model.safetensors')).size).toBeLessThanOrEqual(MAX_BYTES);
  });

  it('config.json is an HF llama config with tied embeddings and eos = <|im_end|>', () => {
    const raw = JSON.parse(readFileSync(file('config.json'), 'utf8')) as Record<string, unknown>;
    expect(raw.model_type).toBe('llama');
    expect(raw.architectures).toEqual(['LlamaForCausalLM']);
    expect(raw.tie_word_embeddings).toBe(true);
    for (const [k, v] of Object.entries(TINY_ARCH)) expect(raw[k], k).toBe(v);
    const cfg = configFromHf(raw);
    expect(cfg).toEqual(config);
    expect(cfg.vocabSize).toBe(tok.vocabSize);
    expect(cfg.eosTokenIds).toEqual([tok.specialTokenId('<|im_end|>')]);
    expect(cfg.bosTokenId).toBe(tok.specialTokenId('<|im_start|>'));
    const n = expectedTensors(cfg).reduce((s, [, shape]) => s + shape.reduce((a, b) => a * b, 1), 0);
    expect(n).toBeGreaterThan(1e6 * 0.9);
    expect(n).toBeLessThan(3e6);
  });

  it('model.safetensors holds exactly the tensors the config implies, as F32', async () => {
    await withFileSource(file('model.safetensors'), async (src) => {
      const st = await openSafetensors(src);
      const want = expectedTensors(config).map(([name, shape]) => `${name} ${shape.join('x')}`).sort();
      expect(st.tensors.map((t) => `${t.name} ${t.shape.join('x')}`).sort()).toEqual(want);
      expect(new Set(st.tensors.map((t) => t.dtype))).toEqual(new Set(['F32']));
    });
    for (const t of weights.values()) expect(t.data.every(Number.isFinite)).toBe(true);
  });

  it('tabtune-tiny.gguf loads to the same config and (F16-rounded) weights, with the tokenizer', async () => {
    const g = await withFileSource(file('tabtune-tiny.gguf'), (src) => ggufToModel(src));
    expect(g.config.vocabSize).toBe(config.vocabSize);
    expect({ ...g.config, bosTokenId: null, eosTokenIds: [] }).toEqual({ ...config, bosTokenId: null, eosTokenIds: [] });
    expect(g.config.eosTokenIds[0]).toBe(config.eosTokenIds[0]);
    for (const [name, t] of weights) {
      const h = g.weights.get(name)!.data;
      let maxErr = 0;
      for (let i = 0; i < h.length; i++) maxErr = Math.max(maxErr, Math.abs(h[i] - t.data[i]) / Math.max(1e-3, Math.abs(t.data[i])));
      expect(maxErr, name).toBeLessThan(2e-3);
    }
    const tokens = g.gguf.meta('tokenizer.ggml.tokens') as { items: string[] };
    expect(tokens.items.length).toBe(tok.vocabSize);
    expect(tokens.items.slice(0, 3)).toEqual(['<|endoftext|>', '<|im_start|>', '<|im_end|>']);
    expect(g.gguf.meta('tokenizer.ggml.model')).toBe('gpt2');
    expect(g.gguf.meta('tokenizer.chat_template')).toBe(CHAT_TEMPLATE);
  });
});

describe('tabtune-tiny tokenizer', () => {
  it('is a 2,048-entry byte-level BPE with the ChatML specials', () => {
    expect(tok.vocabSize).toBe(2048);
    expect([tok.specialTokenId('<|endoftext|>'), tok.specialTokenId('<|im_start|>'), tok.specialTokenId('<|im_end|>')]).toEqual([0, 1, 2]);
    expect(tok.eosId).toBe(2);
    expect(tok.padId).toBe(0);
    expect(tok.eosIds).toContain(2);
    const tj = JSON.parse(readFileSync(file('tokenizer.json'), 'utf8')) as { pre_tokenizer: unknown; model: { type: string; merges: unknown[] } };
    expect(tj.pre_tokenizer).toMatchObject({ type: 'ByteLevel', add_prefix_space: false, use_regex: true });
    expect(tj.model.type).toBe('BPE');
    expect(tj.model.merges.length).toBe(2048 - 3 - 256);
    // Byte-level: any text, even outside the training data, encodes without unknown tokens.
    const odd = 'Ωmega → naïve café 😀 \t\r\n 12345 <not special>';
    expect(tok.decode(tok.encode(odd, { addSpecialTokens: false }))).toBe(odd);
  });

  it('round-trips every text of public/data/*.jsonl', () => {
    const { texts } = tokenizerTexts();
    expect(texts.length).toBeGreaterThan(3000);
    let tokens = 0;
    for (const t of texts) {
      const ids = tok.encode(t, { addSpecialTokens: false });
      tokens += ids.length;
      expect(tok.decode(ids)).toBe(t);
    }
    // It compresses: well under one token per 3 characters of English.
    expect(texts.reduce((s, t) => s + t.length, 0) / tokens).toBeGreaterThan(3);
  });

  it('renders ChatML with no default system line, and a system turn when given', () => {
    const msgs = [{ role: 'user', content: 'What is 2 plus 2?' }, { role: 'assistant', content: '2 plus 2 is 4.' }];
    expect(tok.applyChatTemplate(msgs)).toBe('<|im_start|>user\nWhat is 2 plus 2?<|im_end|>\n<|im_start|>assistant\n2 plus 2 is 4.<|im_end|>\n');
    expect(tok.applyChatTemplate(msgs.slice(0, 1), { addGenerationPrompt: true })).toBe('<|im_start|>user\nWhat is 2 plus 2?<|im_end|>\n<|im_start|>assistant\n');
    const sys = [{ role: 'system', content: 'Be brief.' }, ...msgs];
    expect(tok.applyChatTemplate(sys)).toBe(renderChatMl(sys));
    const ids = tok.encode(tok.applyChatTemplate(msgs), { addSpecialTokens: false });
    expect(ids[0]).toBe(1);
    expect(ids.filter((i) => i === 2).length).toBe(2);
  });

  it('turn-by-turn encoding (used for training) equals encoding the rendered conversation', () => {
    for (const c of pretrainConversations().slice(0, 200)) {
      expect(encodeConversation(tok, c).ids).toEqual(tok.encode(tok.applyChatTemplate(c), { addSpecialTokens: false }));
    }
  });
});

describe('tabtune-tiny weights', () => {
  it('have learned the pretraining data: loss on its answers is far below ln V', async () => {
    await useBackend('wasm');
    // Eight conversations spread over the file, one padded batch; loss on assistant tokens only. The
    // training graph is used for speed (ReferenceModel's A·Bᵀ matmuls take tfjs-wasm's slow path);
    // it is checked against ReferenceModel on the first conversation below.
    const convs = pretrainConversations();
    const enc = Array.from({ length: 8 }, (_, i) => encodeConversation(tok, convs[i * 97]));
    const batchOf = (cs: EncodedConversation[]) => {
      const B = cs.length, T = Math.max(...cs.map((c) => c.ids.length));
      const tokens = new Int32Array(B * T), targets = new Int32Array(B * T), mask = new Float32Array(B * T);
      cs.forEach((c, b) => {
        c.ids.forEach((id, t) => {
          tokens[b * T + t] = id;
          if (t + 1 < c.ids.length) {
            targets[b * T + t] = c.ids[t + 1];
            mask[b * T + t] = c.assistant[t + 1];
          }
        });
      });
      return { tokens, targets, mask, B, T };
    };
    const graph = new TinyTrainGraph(config, weights);
    const ref = new ReferenceModel(config, weights);
    try {
      const loss = graph.evalLoss(batchOf(enc));
      expect(loss).toBeLessThan(Math.log(config.vocabSize) / 2.5);
      const one = batchOf(enc.slice(0, 1));
      expect(ref.loss({ ...one, lossMask: one.mask })).toBeCloseTo(graph.evalLoss(one), 4);
    } finally {
      graph.dispose();
      ref.dispose();
    }
  });
});
