// The app opens on the embedded model and data, so its form defaults are the embedded default's recipe:
// the same settings `npm run demo:eval` measures (DEMO_SESSION).
import { describe, expect, it } from 'vitest';
import { DEMO_SESSION } from '../train/session.ts';
import { DEFAULT_SETTINGS, NUM_FIELDS, checkNumber } from './settings-form.ts';

describe('settings form defaults', () => {
  it('equal the embedded default recipe that demo:eval measures', () => {
    const d = DEMO_SESSION;
    expect(DEFAULT_SETTINGS).toMatchObject({
      recipe: d.recipe, rank: d.lora.rank, alpha: d.lora.alpha, dropout: d.lora.dropout, lr: d.lr, warmupRatio: d.warmupRatio,
      steps: d.steps, batchSize: d.batchSize, gradAccum: d.gradAccum, seqLen: d.seqLen, evalEvery: d.evalEvery, seed: d.seed,
      separator: d.separator, maxNewTokens: d.maxNewTokens, method: 'lora',
    });
    expect([...DEFAULT_SETTINGS.targets].sort()).toEqual([...d.lora.targets].sort());
  });

  it('pass their own field checks', () => {
    for (const spec of NUM_FIELDS) {
      const v = DEFAULT_SETTINGS[spec.key];
      expect(checkNumber(spec, String(v)), spec.key).toEqual({ value: v });
    }
  });
});
