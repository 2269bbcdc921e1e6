// The embedded default's demo property, shortened (the full measurement is `npm run demo:eval`):
// a few steps of the default self-prompt recipe on the shipped model and data lower the loss.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromPath } from '../cli/load.ts';
import { readDataset } from '../data/read.ts';
import { useBackend } from '../reference/backend.ts';
import { argmax } from '../engine/generate.ts';
import type { ReferenceTrainBackend } from '../reference/train-backend.ts';
import { DEMO_SESSION, TrainingSession } from './session.ts';

describe('embedded default: short self-prompt tuning', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('8 steps of the default recipe on tabtune-tiny lower the training and validation loss', async () => {
    const m = await loadModelFromPath('public/models/tabtune-tiny');
    const records = readDataset(new Uint8Array(readFileSync('public/data/self-prompt.train.jsonl')), 'self-prompt.train.jsonl').records.slice(0, 96);
    const s = await TrainingSession.create({ ...DEMO_SESSION, steps: 8, evalEvery: 0, evalSamples: 0, valFraction: 0.1, warmupRatio: 0 }, {
      config: m.config, weights: m.weights, tokenizer: m.tokenizer!, records, engine: { kind: 'reference' },
    });
    const before = (await s.valLoss())!;
    const h = await s.run();
    const after = (await s.valLoss())!;
    expect(h).toHaveLength(8);
    expect((h[6].loss + h[7].loss) / 2).toBeLessThan((h[0].loss + h[1].loss) / 2);
    expect(after).toBeLessThan(before * 0.95);

    // The fallback engine's answers (KV-cached decoding, ReferenceModel.decoder) are the tokens a
    // greedy decode that recomputes the whole sequence each step picks, on the tuned model.
    const ref = (s.backend as ReferenceTrainBackend).model;
    const tok = m.tokenizer!;
    for (const q of ['What does yeast do in bread?', 'Tell me what kerning means.']) {
      const got = await s.ask(q, 24);
      const seq = tok.encode(tok.applyChatTemplate([{ role: 'user', content: q }], { addGenerationPrompt: true }), { addSpecialTokens: true });
      const out: number[] = [], V = m.config.vocabSize;
      for (let i = 0; i < 24; i++) {
        const lg = await ref.logitsAsync(Int32Array.from([...seq, ...out]), 1, seq.length + out.length);
        const best = argmax(lg.subarray((seq.length + out.length - 1) * V));
        if (tok.eosIds.includes(best)) break;
        out.push(best);
      }
      expect(got.text).toBe(tok.decode(out, { skipSpecialTokens: true }).trim());
      expect(got.text.length).toBeGreaterThan(0);
    }
    s.dispose();
  }, 240_000);
});
