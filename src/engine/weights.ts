// Model weights as the engine and the reference model receive them, keyed by their Hugging Face names
// so checkpoint mapping is an identity. Linear weights are [out, in].
//
// Two maps: a WeightMap holds float32 arrays only (the reference models, merging, export). A
// BaseWeightMap is what the loaders hand the engine: the same, except that the seven linear weights
// may already be in their base storage type (QuantizedTensor: int8 / int4 / f16 as engine/quant.ts packs
// them), so that a model loaded as int4 never exists whole in f32. `effectiveWeights` turns a
// BaseWeightMap into a WeightMap, one tensor at a time; the embedding, LM head, norms and biases are f32
// in both.
//
//   model.embed_tokens.weight                         [V, C]
//   model.layers.{i}.input_layernorm.weight           [C]
//   model.layers.{i}.self_attn.{q,k,v}_proj.weight    [H*D | KV*D, C]   (+ .bias [out] when attentionBias)
//   model.layers.{i}.self_attn.o_proj.weight          [C, H*D]
//   model.layers.{i}.post_attention_layernorm.weight  [C]
//   model.layers.{i}.mlp.{gate,up}_proj.weight        [F, C]
//   model.layers.{i}.mlp.down_proj.weight             [C, F]
//   model.norm.weight                                 [C]
//   lm_head.weight                                    [V, C]   (absent when tieWordEmbeddings)
//
// LoRA parameters are keyed by module path (`model.layers.{i}.self_attn.q_proj`): A [R, in], B [out, R].

import { LORA_TARGETS, type LoraConfig, type LoraTarget, type ModelConfig, linearShape } from './config.ts';
import { type BaseDtype, type QuantizedMatrix, dequantize, quantizedProblem, toBaseDtype } from './quant.ts';
import { Rng } from './rng.ts';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type WeightMap = Map<string, Tensor>;

/** A linear weight [out, in] already in its base storage type (int8 / int4 / f16). */
export interface QuantizedTensor {
  shape: number[];
  q: QuantizedMatrix;
}
export type BaseTensor = Tensor | QuantizedTensor;
/** A WeightMap whose seven linear weights may be QuantizedTensors (what the loaders return). */
export type BaseWeightMap = Map<string, BaseTensor>;

export function isQuantizedTensor(t: BaseTensor): t is QuantizedTensor {
  return 'q' in t;
}

/** The tensor's values: the f32 array itself, or a Quantized one dequantized now (a fresh array). */
export function tensorF32(t: BaseTensor): Float32Array {
  return isQuantizedTensor(t) ? dequantize(t.q) : t.data;
}

/** What engine/linear.ts takes: the f32 array or the quantized matrix, as stored. */
export function tensorSource(t: BaseTensor): Float32Array | QuantizedMatrix {
  return isQuantizedTensor(t) ? t.q : t.data;
}

/** Elements in the tensor (its shape's product). */
export function numel(t: BaseTensor): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/** Linear weight W [rows, cols] (f32, as read from a checkpoint) stored as `dtype`: what loaders keep per tensor. */
export function storeLinear(w: Float32Array | QuantizedMatrix, rows: number, cols: number, dtype: BaseDtype): BaseTensor {
  const v = toBaseDtype(w, rows, cols, dtype);
  return v instanceof Float32Array ? { shape: [rows, cols], data: v } : { shape: [rows, cols], q: v };
}

/** Names of the seven linear weights of every layer (`model.layers.{i}.self_attn.q_proj.weight`, …). */
export function linearWeightNames(cfg: ModelConfig): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < cfg.numLayers; i++) for (const t of LORA_TARGETS) out.add(`${modulePath(i, t)}.weight`);
  return out;
}

export interface LoraPair {
  A: Float32Array; // [R, in]
  B: Float32Array; // [out, R]
}
export type LoraParams = Map<string, LoraPair>;

export class WeightError extends Error {
  override name = 'WeightError';
}

export function modulePath(layer: number, target: LoraTarget): string {
  const group = target === 'gate_proj' || target === 'up_proj' || target === 'down_proj' ? 'mlp' : 'self_attn';
  return `model.layers.${layer}.${group}.${target}`;
}

/** Every tensor name and shape a config implies, in a stable order. */
export function expectedTensors(cfg: ModelConfig): [string, number[]][] {
  const C = cfg.hiddenSize;
  const out: [string, number[]][] = [['model.embed_tokens.weight', [cfg.vocabSize, C]]];
  for (let i = 0; i < cfg.numLayers; i++) {
    out.push([`model.layers.${i}.input_layernorm.weight`, [C]]);
    for (const t of ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const) {
      out.push([`${modulePath(i, t)}.weight`, linearShape(cfg, t)]);
      if (cfg.attentionBias && t !== 'o_proj') out.push([`${modulePath(i, t)}.bias`, [linearShape(cfg, t)[0]]]);
    }
    out.push([`model.layers.${i}.post_attention_layernorm.weight`, [C]]);
    for (const t of ['gate_proj', 'up_proj', 'down_proj'] as const) out.push([`${modulePath(i, t)}.weight`, linearShape(cfg, t)]);
  }
  out.push(['model.norm.weight', [C]]);
  if (!cfg.tieWordEmbeddings) out.push(['lm_head.weight', [cfg.vocabSize, C]]);
  return out;
}

/**
 * Check that `w` holds exactly the tensors `cfg` needs, with matching shapes; a quantized entry is
 * allowed only for the seven linear weights, and its packed arrays must match its shape.
 */
export function validateWeights(cfg: ModelConfig, w: BaseWeightMap, source = 'model'): void {
  const linear = linearWeightNames(cfg);
  for (const [name, shape] of expectedTensors(cfg)) {
    const t = w.get(name);
    if (!t) throw new WeightError(`${source}: tensor "${name}" is missing`);
    const n = shape.reduce((a, b) => a * b, 1);
    const wrongShape = () => new WeightError(`${source}: tensor "${name}" has shape [${t.shape}] but the config implies [${shape}]`);
    if (t.shape.join(',') !== shape.join(',')) throw wrongShape();
    if (isQuantizedTensor(t)) {
      if (!linear.has(name)) throw new WeightError(`${source}: tensor "${name}" is ${t.q.dtype}, but only the linear layers' weights may be quantized`);
      const bad = quantizedProblem(t.q, shape[0], shape[1]);
      if (bad) throw new WeightError(`${source}: tensor "${name}" of shape [${shape}] is ${bad}`);
    } else if (t.data.length !== n) throw wrongShape();
  }
}

/** The LM head matrix [V, C] (the embedding when tied). */
export function lmHead<T extends BaseTensor>(cfg: ModelConfig, w: Map<string, T>): T {
  const t = w.get(cfg.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  if (!t) throw new WeightError('LM head weight is missing');
  return t;
}

/** Random weights for tests and benches: linear ~ U(±1/√in), norms around 1, biases small. */
export function randomWeights(cfg: ModelConfig, seed: number): WeightMap {
  const rng = new Rng(seed);
  const w: WeightMap = new Map();
  for (const [name, shape] of expectedTensors(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.endsWith('norm.weight')) data = rng.fill(n, 0.8, 1.2);
    else if (name.endsWith('.bias')) data = rng.fill(n, -0.1, 0.1);
    else if (name === 'model.embed_tokens.weight' || name === 'lm_head.weight') data = rng.fill(n, -1, 1);
    else {
      const bound = 1 / Math.sqrt(shape[1]);
      data = rng.fill(n, -bound, bound);
    }
    w.set(name, { shape, data });
  }
  return w;
}

/** PEFT's init: A ~ kaiming-uniform(a=√5) = U(±1/√in), B = 0. Seeded. */
export function initLora(cfg: ModelConfig, lora: LoraConfig, seed: number): LoraParams {
  const rng = new Rng(seed);
  const p: LoraParams = new Map();
  for (let i = 0; i < cfg.numLayers; i++) {
    for (const t of lora.targets) {
      const [out, inn] = linearShape(cfg, t);
      const bound = 1 / Math.sqrt(inn);
      p.set(modulePath(i, t), { A: rng.fill(lora.rank * inn, -bound, bound), B: new Float32Array(out * lora.rank) });
    }
  }
  return p;
}

/** LoRA with non-zero B too (for gradient tests, where B = 0 would hide dA). */
export function randomLora(cfg: ModelConfig, lora: LoraConfig, seed: number): LoraParams {
  const rng = new Rng(seed);
  const p: LoraParams = new Map();
  for (let i = 0; i < cfg.numLayers; i++) {
    for (const t of lora.targets) {
      const [out, inn] = linearShape(cfg, t);
      p.set(modulePath(i, t), { A: rng.fill(lora.rank * inn, -0.3, 0.3), B: rng.fill(out * lora.rank, -0.3, 0.3) });
    }
  }
  return p;
}

/** A tiny config for tests: overrides applied to a 2-layer GQA llama. */
export function tinyConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    modelType: 'llama',
    hiddenSize: 32,
    intermediateSize: 48,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 8,
    vocabSize: 61,
    ropeTheta: 10000,
    ropeScaling: null,
    ropeLayout: 'half',
    rmsNormEps: 1e-5,
    tieWordEmbeddings: false,
    attentionBias: false,
    maxPositionEmbeddings: 256,
    slidingWindow: null,
    bosTokenId: null,
    eosTokenIds: [],
    ...over,
  };
}

/**
 * The weights the engine effectively computes with for a base storage type, all f32: every linear
 * weight converted to `dtype` (kept as is when it already is, see quant.ts toBaseDtype) and dequantized,
 * everything else unchanged. The reference model runs on these to check the quantized engine, and merged
 * exports start from them. Linear weights are converted one at a time, so the peak beyond the result
 * is one quantized copy of one tensor.
 */
export function effectiveWeights(cfg: ModelConfig, w: BaseWeightMap, dtype: BaseDtype): WeightMap {
  const linear = linearWeightNames(cfg);
  const out: WeightMap = new Map();
  for (const [name, t] of w) {
    if (!linear.has(name)) {
      if (isQuantizedTensor(t)) throw new WeightError(`tensor "${name}" is ${t.q.dtype}, but only the linear layers' weights may be quantized`);
      out.set(name, t);
      continue;
    }
    const [rows, cols] = t.shape;
    const v = toBaseDtype(tensorSource(t), rows, cols, dtype);
    out.set(name, { shape: [rows, cols], data: v instanceof Float32Array ? v : dequantize(v) });
  }
  return out;
}
