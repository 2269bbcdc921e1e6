import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import type { Checkpoint } from './trainer.ts';

describe('checkpoint encoding', () => {
  it('round-trips LoRA, optimizer moments, data position and history', async () => {
    const c: Checkpoint = {
      step: 7, epoch: 1, batchIndex: 3,
      lora: new Map([['model.layers.0.self_attn.q_proj', { A: Float32Array.from([1, 2, 3]), B: Float32Array.from([-1, 0.5]) }]]),
      optimizer: { step: 7, m: { 'model.layers.0.self_attn.q_proj.lora_A': Float32Array.from([0.1, 0.2, 0.3]) }, v: { 'model.layers.0.self_attn.q_proj.lora_A': Float32Array.from([1e-3, 2e-3, 3e-3]) } },
      history: [{ step: 7, epoch: 1, loss: 1.5, lr: 1e-3, gradNorm: 0.4, tokens: 12, tokensPerSecond: 100, elapsedMs: 5 }],
    };
    const enc = encodeCheckpoint(c, { dataHash: 'abc' });
    const { checkpoint, run } = await decodeCheckpoint(enc.json, enc.tensors);
    expect(run).toEqual({ dataHash: 'abc' });
    expect(checkpoint).toEqual(c);
  });

  it('round-trips a soft prompt (prompt / prefix tuning) and its optimizer moments', async () => {
    const c: Checkpoint = {
      step: 2, epoch: 0, batchIndex: 2, lora: new Map(), softPrompt: Float32Array.from([0.5, -1, 2, 3]),
      optimizer: { step: 2, m: { prompt_embeddings: Float32Array.from([1, 2, 3, 4]) }, v: { prompt_embeddings: Float32Array.from([5, 6, 7, 8]) } },
      history: [],
    };
    const enc = encodeCheckpoint(c, {});
    expect((await decodeCheckpoint(enc.json, enc.tensors)).checkpoint).toEqual(c);
  });

  it('refuses something that is not a checkpoint', async () => {
    await expect(decodeCheckpoint('{"format":"x"}', new Uint8Array(8))).rejects.toThrow(/not a tabtune checkpoint/);
    await expect(decodeCheckpoint('nope', new Uint8Array(8))).rejects.toThrow(/not valid JSON/);
  });
});
