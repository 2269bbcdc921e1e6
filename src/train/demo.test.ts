// The embedded default's demo property, shortened (the full measurement is `npm run demo:eval`):
// a few steps of the default self-prompt recipe on the shipped model and data lower the loss.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromPath } from '../cli/load.ts';
import { readDataset } from '../data/read.ts';
import { useBackend } from '../reference/backend.ts';
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
    s.dispose();
    expect(h).toHaveLength(8);
    expect((h[6].loss + h[7].loss) / 2).toBeLessThan((h[0].loss + h[1].loss) / 2);
    expect(after).toBeLessThan(before * 0.95);
  }, 240_000);
});
