// Loading with a base storage type (issue #4): the loaders convert each linear weight to the requested
// type right after reading it, so a model loaded as int4 never exists whole in f32; GGUF Q8_0 / Q4_0
// repack into int8 / int4 without decoding; `native` maps F16/BF16 checkpoints to f16.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { FIXTURE_CONFIG } from '../../scripts/make-fixtures.ts';
import type { ModelConfig } from '../engine/config.ts';
import { dequantize, quantize, toBaseDtype, type BaseDtype } from '../engine/quant.ts';
import {
  effectiveWeights, expectedTensors, isQuantizedTensor, linearWeightNames, randomWeights, tensorF32, validateWeights,
  type BaseWeightMap, type WeightMap,
} from '../engine/weights.ts';
import { f16ToF32, f32ToF16 } from './half.ts';
import { ggufNameToHf, ggufToModel, modelToGguf, openGguf, type GgufModelType } from './gguf.ts';
import { buildGgufModel, buildHfModel, memoryFileSet } from './model-loader.ts';
import { hfConfigJson, loadHfModel, openSafetensors, weightsToSafetensors } from './safetensors.ts';
import { bytesSource } from './source.ts';

const cfg = FIXTURE_CONFIG; // every matrix row is a multiple of 32, so Q8_0 / Q4_0 files have no F16 fallback
const weights = randomWeights(cfg, 41);
const linear = linearWeightNames(cfg);

function hfFiles(dtype: 'F32' | 'F16' | 'BF16') {
  return memoryFileSet('tiny', new Map([
    ['config.json', new TextEncoder().encode(JSON.stringify(hfConfigJson(cfg)))],
    ['model.safetensors', weightsToSafetensors(cfg, weights, dtype)],
  ]));
}

const gguf = (type: GgufModelType) => bytesSource(modelToGguf(cfg, weights, type), `tiny-${type}.gguf`);

/** Every linear weight is quantized as `dtype`, everything else is f32 (and validates). */
function expectStoredAs(c: ModelConfig, w: BaseWeightMap, dtype: BaseDtype) {
  validateWeights(c, w, 'test');
  for (const [name, t] of w) {
    if (linear.has(name) && dtype !== 'f32') {
      expect(isQuantizedTensor(t), name).toBe(true);
      if (isQuantizedTensor(t)) expect(t.q.dtype, name).toBe(dtype);
    } else expect(isQuantizedTensor(t), name).toBe(false);
  }
}

describe('GGUF with a base dtype', () => {
  it('native Q8_0 / Q4_0: linear weights repack to int8 / int4, bit for bit the decoded values (q/k un-permuted)', async () => {
    for (const [type, dtype] of [['Q8_0', 'int8'], ['Q4_0', 'int4']] as const) {
      const f32 = await ggufToModel(gguf(type)); // every tensor decoded (ggml's dequantize), as before
      const native = await ggufToModel(gguf(type), 'native');
      expect(native.nativeDtype).toBe(dtype);
      expect(native.baseDtype).toBe(dtype);
      expectStoredAs(cfg, native.weights, dtype);
      for (const [name, t] of native.weights) expect(Array.from(tensorF32(t)), `${type} ${name}`).toEqual(Array.from(f32.weights.get(name)!.data));
    }
  });

  it('the repack keeps the file\'s f16 scales exactly (dequantize→requantize would only approximate them)', async () => {
    const native = await ggufToModel(gguf('Q4_0'), 'native');
    const t = native.weights.get('model.layers.0.mlp.up_proj.weight')!;
    if (!isQuantizedTensor(t)) throw new Error('expected a quantized tensor');
    // Every scale came from an f16 in the file.
    for (const d of t.q.scales) expect(f16ToF32(f32ToF16(d))).toBe(d);
    const again = quantize(dequantize(t.q), t.q.rows, t.q.cols, 'int4');
    expect(Array.from(dequantize(again))).toEqual(Array.from(dequantize(t.q))); // requantizing a Q4_0 block reproduces it
  });

  it('an explicit type converts every linear weight: Q8_0 → int4, Q4_0 → int8, F16 → int4 (decoded, then quantized)', async () => {
    for (const [type, dtype] of [['Q8_0', 'int4'], ['Q4_0', 'int8'], ['F16', 'int4'], ['F32', 'f16']] as const) {
      const f32 = await ggufToModel(gguf(type));
      const m = await ggufToModel(gguf(type), dtype);
      expectStoredAs(cfg, m.weights, dtype);
      // The same as quantizing the decoded f32 weights afterwards (what Linear did at upload before).
      const want = effectiveWeights(cfg, f32.weights, dtype);
      for (const [name, t] of effectiveWeights(cfg, m.weights, dtype)) expect(Array.from(t.data), `${type}→${dtype} ${name}`).toEqual(Array.from(want.get(name)!.data));
    }
  });

  it('native: F16 → f16 (exact), F32 → f32', async () => {
    const f16 = await buildGgufModel(gguf('F16'), 'native');
    expect([f16.nativeDtype, f16.baseDtype]).toEqual(['f16', 'f16']);
    expectStoredAs(cfg, f16.weights, 'f16');
    const decoded = await ggufToModel(gguf('F16'));
    for (const [name, t] of f16.weights) expect(Array.from(tensorF32(t)), name).toEqual(Array.from(decoded.weights.get(name)!.data));
    const f32 = await buildGgufModel(gguf('F32'), 'native');
    expect([f32.nativeDtype, f32.baseDtype]).toEqual(['f32', 'f32']);
    expectStoredAs(cfg, f32.weights, 'f32');
  });
});

describe('safetensors with a base dtype', () => {
  it('native: F16 and BF16 checkpoints load as f16 (F16 exactly), F32 as f32', async () => {
    const f16 = await buildHfModel(hfFiles('F16'), 'native');
    expect([f16.nativeDtype, f16.baseDtype]).toEqual(['f16', 'f16']);
    expectStoredAs(cfg, f16.weights, 'f16');
    const decoded = await buildHfModel(hfFiles('F16'));
    for (const [name, t] of f16.weights) expect(Array.from(tensorF32(t)), name).toEqual(Array.from(decoded.weights.get(name)!.data));
    const bf16 = await buildHfModel(hfFiles('BF16'), 'native');
    expect(bf16.baseDtype).toBe('f16');
    expectStoredAs(cfg, bf16.weights, 'f16');
    const f32 = await buildHfModel(hfFiles('F32'), 'native');
    expect([f32.nativeDtype, f32.baseDtype]).toEqual(['f32', 'f32']);
  });

  it('int4 / int8: the same weights as quantizing the f32 model afterwards', async () => {
    for (const dtype of ['int4', 'int8'] as const) {
      const m = await buildHfModel(hfFiles('F32'), dtype);
      expectStoredAs(cfg, m.weights, dtype);
      const want = effectiveWeights(cfg, weights, dtype);
      for (const [name, t] of effectiveWeights(cfg, m.weights, dtype)) expect(Array.from(t.data), name).toEqual(Array.from(want.get(name)!.data));
    }
  });
});

// --- peak host memory -----------------------------------------------------------------------------------

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * A TensorStore that hands out each tensor's f32 array and, before every read, collects garbage and
 * counts how many linear-weight arrays it handed out earlier are still reachable (WeakRefs). A loader
 * that converts each linear weight before reading the next keeps at most the one it just converted.
 */
function countingStore<S extends { readTensor(name: string): Promise<Float32Array> }>(inner: S, isLinear = (n: string) => linear.has(n)): S & { maxAliveLinear: number; maxF32Bytes: number } {
  const handedOut: WeakRef<Float32Array>[] = [];
  const s = {
    ...inner,
    maxAliveLinear: 0,
    maxF32Bytes: 0,
    async readTensor(name: string): Promise<Float32Array> {
      await new Promise((r) => setTimeout(r, 0)); // end the job, so WeakRef targets may be collected
      gc();
      s.maxAliveLinear = Math.max(s.maxAliveLinear, handedOut.filter((r) => r.deref() !== undefined).length);
      const data = await inner.readTensor(name);
      s.maxF32Bytes = Math.max(s.maxF32Bytes, data.byteLength);
      if (isLinear(name)) handedOut.push(new WeakRef(data));
      return data;
    },
  };
  return s;
}

describe('an int4 load never holds the model in f32', () => {
  const configJson = hfConfigJson(cfg);
  const store = async () => openSafetensors(bytesSource(weightsToSafetensors(cfg, weights, 'F32'), 'model.safetensors'));

  it('at most one linear weight is alive in f32 at any read; the result holds only int4 linear weights', async () => {
    const counting = countingStore(await store());
    const m = await loadHfModel(configJson, counting, 'int4');
    expectStoredAs(cfg, m.weights, 'int4');
    expect(counting.maxAliveLinear).toBeLessThanOrEqual(1);
    // No allocation larger than one tensor; and what stays f32 is only the embedding, head and norms.
    const largest = Math.max(...expectedTensors(cfg).map(([, s]) => s.reduce((a, b) => a * b, 1) * 4));
    expect(counting.maxF32Bytes).toBeLessThanOrEqual(largest);
    let f32Bytes = 0;
    for (const t of m.weights.values()) if (!isQuantizedTensor(t)) f32Bytes += t.data.byteLength;
    const nonLinear = [...weights].filter(([n]) => !linear.has(n)).reduce((a, [, t]) => a + t.data.byteLength, 0);
    expect(f32Bytes).toBe(nonLinear);
  });

  it('the same for a GGUF decoded and requantized (Q8_0 file, int4 base)', async () => {
    const counting = countingStore(await openGguf(gguf('Q8_0')), (n) => linear.has(ggufNameToHf(n) ?? ''));
    const m = await ggufToModel(counting, 'int4');
    expectStoredAs(cfg, m.weights, 'int4');
    expect(counting.maxAliveLinear).toBeLessThanOrEqual(1);
    const control = countingStore(await openGguf(gguf('Q8_0')), (n) => linear.has(ggufNameToHf(n) ?? ''));
    await ggufToModel(control, 'f32');
    expect(control.maxAliveLinear).toBe(linear.size - 2 * cfg.numLayers); // all but q/k (replaced by their un-permuted copies)
  });

  it('the instrument sees a loader that keeps f32 weights (the f32 load keeps every one)', async () => {
    const counting = countingStore(await store());
    const m: { weights: WeightMap } = await loadHfModel(configJson, counting, 'f32');
    expect(counting.maxAliveLinear).toBe(linear.size); // at the read of model.norm.weight, every one
    expect(m.weights.size).toBeGreaterThan(0);
  });
});

describe('base tensors', () => {
  it('toBaseDtype passes a matrix already in the requested dtype through (no copy)', () => {
    const w = weights.get('model.layers.0.self_attn.q_proj.weight')!;
    const [rows, cols] = w.shape;
    const q = quantize(w.data, rows, cols, 'int4');
    expect(toBaseDtype(q, rows, cols, 'int4')).toBe(q);
    expect(toBaseDtype(w.data, rows, cols, 'f32')).toBe(w.data);
    expect(Array.from(toBaseDtype(q, rows, cols, 'f32') as Float32Array)).toEqual(Array.from(dequantize(q)));
  });

  it('validateWeights checks quantized entries: shape, packed lengths, and only linear weights', () => {
    const name = 'model.layers.1.mlp.down_proj.weight';
    const [rows, cols] = weights.get(name)!.shape;
    const ok: BaseWeightMap = new Map(weights);
    ok.set(name, { shape: [rows, cols], q: quantize(weights.get(name)!.data, rows, cols, 'int8') });
    validateWeights(cfg, ok);
    const short = new Map(ok);
    const q = quantize(weights.get(name)!.data, rows, cols, 'int8');
    short.set(name, { shape: [rows, cols], q: { ...q, quants: q.quants.subarray(8) } });
    expect(() => validateWeights(cfg, short)).toThrow(/down_proj.weight" of shape \[64,128\] is int8 arrays/);
    const transposed = new Map(ok);
    transposed.set(name, { shape: [rows, cols], q: quantize(weights.get(name)!.data, cols, rows, 'int8') });
    expect(() => validateWeights(cfg, transposed)).toThrow(/quantized as \[128, 64\]/);
    const norm = new Map(ok);
    norm.set('model.embed_tokens.weight', { shape: [cfg.vocabSize, cfg.hiddenSize], q: quantize(weights.get('model.embed_tokens.weight')!.data, cfg.vocabSize, cfg.hiddenSize, 'int8') });
    expect(() => validateWeights(cfg, norm)).toThrow(/only the linear layers' weights may be quantized/);
  });
});
