import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromHf } from '../engine/config.ts';
import { randomWeights, tinyConfig } from '../engine/weights.ts';
import { FIXTURE_CONFIG, makeFixtures } from '../../scripts/make-fixtures.ts';
import { ggufToModel } from './gguf.ts';
import { withFileSource } from './node-source.ts';
import { hfConfigJson, loadHfModel, openSafetensors } from './safetensors.ts';

describe('scripts/make-fixtures.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tabtune-fixtures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an HF model and four GGUFs that load back to the same model', async () => {
    const m = await makeFixtures(dir, 99);
    const w = randomWeights(FIXTURE_CONFIG, 99);
    const hf = await withFileSource(join(dir, 'model.safetensors'), async (src) => loadHfModel(readFileSync(join(dir, 'config.json'), 'utf8'), await openSafetensors(src)));
    expect(hf.config).toEqual(FIXTURE_CONFIG);
    for (const [name, t] of w) expect(Array.from(hf.weights.get(name)!.data), name).toEqual(Array.from(t.data));
    for (const [type, file] of Object.entries(m.gguf)) {
      const g = await withFileSource(join(dir, file), (src) => ggufToModel(src));
      expect(g.config).toEqual(FIXTURE_CONFIG);
      expect(g.storedTypes.get('model.layers.1.mlp.down_proj.weight')).toBe(type);
      if (type === 'F32') for (const [name, t] of w) expect(Array.from(g.weights.get(name)!.data), name).toEqual(Array.from(t.data));
    }
  });
  it('is deterministic', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tabtune-fixtures-'));
    try {
      await makeFixtures(other, 99);
      for (const f of ['config.json', 'model.safetensors', 'tiny-q4_0.gguf']) expect(readFileSync(join(other, f)).equals(readFileSync(join(dir, f)))).toBe(true);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
  it('hfConfigJson round-trips through configFromHf', () => {
    for (const cfg of [
      FIXTURE_CONFIG,
      tinyConfig({ modelType: 'qwen2', attentionBias: true, tieWordEmbeddings: true, eosTokenIds: [5, 6] }),
      tinyConfig({ modelType: 'mistral', slidingWindow: 64 }),
      tinyConfig({ ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 128 } }),
    ]) {
      expect(configFromHf(JSON.parse(JSON.stringify(hfConfigJson(cfg))))).toEqual(cfg);
    }
  });
});
