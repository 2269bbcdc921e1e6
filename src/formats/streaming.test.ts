// The loaders read a checkpoint tensor by tensor: no single read is bigger than the header chunk or the
// largest tensor, and the file's bytes are read about once in all. A ByteSource wrapper counts what it
// hands out. (The remote path — download streamed into the cache, then ranged reads — is in hub.test.ts.)

import { describe, expect, it } from 'vitest';
import { expectedTensors, randomWeights, tinyConfig } from '../engine/weights.ts';
import { modelToGguf } from './gguf.ts';
import { buildGgufModel, buildHfModel, HF_FILES, type ModelFileSet } from './model-loader.ts';
import { hfConfigJson, weightsToSafetensors } from './safetensors.ts';
import { blobSource, bytesSource, type ByteSource } from './source.ts';

/** GGUF header reads come in chunks of up to 1 MiB (gguf.ts Cursor). */
const HEADER_CHUNK = 1 << 20;

interface Counted extends ByteSource {
  reads: number;
  total: number;
  maxRead: number;
}

function counted(src: ByteSource): Counted {
  const c: Counted = {
    size: src.size,
    name: src.name,
    reads: 0,
    total: 0,
    maxRead: 0,
    read: async (offset, length) => {
      c.reads++;
      c.total += length;
      c.maxRead = Math.max(c.maxRead, length);
      return src.read(offset, length);
    },
  };
  return c;
}

// Big enough that the file is several times the largest tensor and the header chunk.
const cfg = tinyConfig({ hiddenSize: 256, intermediateSize: 512, numLayers: 3, numHeads: 4, numKvHeads: 2, headDim: 64, vocabSize: 1024 });
const weights = randomWeights(cfg, 3);
const nTensors = expectedTensors(cfg).length;

describe('loading reads one tensor at a time', () => {
  for (const type of ['F32', 'Q8_0'] as const) {
    it(`GGUF ${type}: each read ≤ max(header chunk, largest tensor), the file read about once`, async () => {
      const bytes = modelToGguf(cfg, weights, type);
      // A Blob, as a file dropped into the browser: slices only.
      const src = counted(blobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'model.gguf'));
      const m = await buildGgufModel(src);
      const largest = Math.max(...[...m.weights.keys()].map((n) => (type === 'F32' ? weights.get(n)!.data.byteLength : Math.ceil(weights.get(n)!.data.length / 32) * 34)));
      expect(bytes.length).toBeGreaterThan(2 * Math.max(HEADER_CHUNK, largest));
      expect(src.maxRead).toBeLessThanOrEqual(Math.max(HEADER_CHUNK, largest));
      expect(src.total).toBeLessThanOrEqual(bytes.length + HEADER_CHUNK);
      expect(src.reads).toBeLessThanOrEqual(nTensors + 2);
      expect(m.weights.get('model.layers.2.mlp.down_proj.weight')!.data.length).toBe(256 * 512);
    });
  }

  it('safetensors: the 8-byte length, the header, then each tensor on its own', async () => {
    const st = counted(bytesSource(weightsToSafetensors(cfg, weights, 'F16'), 'model.safetensors'));
    const files: ModelFileSet = {
      name: 'dir',
      where: (f) => f,
      has: async (f) => f === HF_FILES.config || f === HF_FILES.weights,
      readText: async () => JSON.stringify(hfConfigJson(cfg)),
      open: async () => st,
    };
    const m = await buildHfModel(files);
    const largest = Math.max(...[...weights.values()].map((t) => t.data.length * 2));
    expect(st.size).toBeGreaterThan(8 * largest);
    expect(st.reads).toBe(2 + nTensors);
    expect(st.maxRead).toBe(largest);
    expect(st.total).toBe(st.size);
    for (const [name, t] of weights) expect(m.weights.get(name)!.data.length, name).toBe(t.data.length);
  });
});
