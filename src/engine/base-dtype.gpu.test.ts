// Pre-quantized base weights (issue #4) on the engine: a model whose linear weights the loader already
// converted (GGUF Q8_0 / Q4_0 repacked as int8 / int4, F16 safetensors kept as f16, f32 quantized while
// reading) computes what the reference computes on the same dequantized weights, and exactly what the
// engine computes when it quantizes the f32 weights itself at upload.
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CONFIG } from '../../scripts/make-fixtures.ts';
import { modelToGguf, ggufToModel } from '../formats/gguf.ts';
import { buildHfModel, memoryFileSet } from '../formats/model-loader.ts';
import { hfConfigJson, weightsToSafetensors } from '../formats/safetensors.ts';
import { bytesSource } from '../formats/source.ts';
import { useBackend } from '../reference/backend.ts';
import { ReferenceModel } from '../reference/model.ts';
import { testGpu } from '../testing/gpu.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';
import { GpuModel } from './model.ts';
import type { BaseDtype } from './quant.ts';
import { Rng } from './rng.ts';
import { effectiveWeights, isQuantizedTensor, randomWeights, type BaseWeightMap } from './weights.ts';

const cfg = FIXTURE_CONFIG;
const weights = randomWeights(cfg, 51);
const T = 7;
const tokens = (() => {
  const rng = new Rng(52);
  return Int32Array.from({ length: T }, () => rng.int(cfg.vocabSize));
})();

async function engineLogits(w: BaseWeightMap, dtype: BaseDtype, maxBindingBytes?: number, n = T): Promise<Float32Array> {
  const gpu = await testGpu();
  const live = gpu.liveBufferCount;
  const model = GpuModel.create(gpu, cfg, w, { baseDtype: dtype, lora: null, maxBindingBytes });
  try {
    if (maxBindingBytes) expect(model.splitWeights.map((x) => x.name)).toContain('model.layers.0.mlp.down_proj');
    return await model.logits(tokens.subarray(0, n), 1, n);
  } finally {
    model.dispose();
    expect(gpu.liveBufferCount).toBe(live);
  }
}

function referenceLogits(w: BaseWeightMap, dtype: BaseDtype): Float32Array {
  const ref = new ReferenceModel(cfg, effectiveWeights(cfg, w, dtype));
  try {
    return ref.logits(tokens, 1, T);
  } finally {
    ref.dispose();
  }
}

describe('pre-quantized base weights on the engine', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const [type, dtype] of [['Q8_0', 'int8'], ['Q4_0', 'int4']] as const) {
    it(`GGUF ${type} native (repacked ${dtype}): equal to dequantize→requantize, and to the reference within the quantized tolerance`, async () => {
      const file = modelToGguf(cfg, weights, type);
      const native = await ggufToModel(bytesSource(file, `${type}.gguf`), 'native');
      expect(native.baseDtype).toBe(dtype);
      expect([...native.weights.values()].some(isQuantizedTensor)).toBe(true);
      const decoded = await ggufToModel(bytesSource(file, `${type}.gguf`)); // f32, quantized again by Linear
      const repacked = await engineLogits(native.weights, dtype);
      expectClose(repacked, await engineLogits(decoded.weights, dtype), TOL.exact, `${type}: repacked vs requantized`);
      expectClose(repacked, referenceLogits(native.weights, dtype), TOL.quantized, `${type}: engine vs reference`);
    });
  }

  it('F16 safetensors, native: an f16 base, equal to the reference on the same weights', async () => {
    const files = memoryFileSet('tiny', new Map([
      ['config.json', new TextEncoder().encode(JSON.stringify(hfConfigJson(cfg)))],
      ['model.safetensors', weightsToSafetensors(cfg, weights, 'F16')],
    ]));
    const m = await buildHfModel(files, 'native');
    expect(m.baseDtype).toBe('f16');
    const got = await engineLogits(m.weights, 'f16');
    expectClose(got, referenceLogits(m.weights, 'f16'), TOL.logits, 'f16 engine vs reference');
    expectClose(got, await engineLogits((await buildHfModel(files)).weights, 'f16'), TOL.exact, 'f16 loaded vs f16 at upload');
  });

  it('int4 quantized while loading (split into row chunks too) = int4 quantized at upload; another dtype requantizes', async () => {
    const files = memoryFileSet('tiny', new Map([
      ['config.json', new TextEncoder().encode(JSON.stringify(hfConfigJson(cfg)))],
      ['model.safetensors', weightsToSafetensors(cfg, weights, 'F32')],
    ]));
    const m = await buildHfModel(files, 'int4');
    expectClose(await engineLogits(m.weights, 'int4'), await engineLogits(weights, 'int4'), TOL.exact, 'int4 loaded vs int4 at upload');
    // 4 KiB bindings: the [128, 64] / [64, 128] int4 MLP weights (5 KiB) split in two; logits 3 × 256 floats fit.
    expectClose(await engineLogits(m.weights, 'int4', 4096, 3), await engineLogits(weights, 'int4', undefined, 3), TOL.exact, 'int4 loaded, split');
    // Asked for int8 on an int4-loaded model: dequantized and requantized per tensor, as the reference sees it.
    expectClose(await engineLogits(m.weights, 'int8'), referenceLogits(m.weights, 'int8'), TOL.quantized, 'int4 → int8');
  });
});
