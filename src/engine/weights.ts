// Model weights as the engine and the reference model receive them: float32 arrays keyed by their
// Hugging Face names, so checkpoint mapping is an identity. Linear weights are [out, in].
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
import { type BaseDtype, dequantize, quantize } from './quant.ts';
import { Rng } from './rng.ts';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type WeightMap = Map<string, Tensor>;

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

/** Check that `w` holds exactly the tensors `cfg` needs, with matching shapes. */
export function validateWeights(cfg: ModelConfig, w: WeightMap, source = 'model'): void {
  for (const [name, shape] of expectedTensors(cfg)) {
    const t = w.get(name);
    if (!t) throw new WeightError(`${source}: tensor "${name}" is missing`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (t.shape.join(',') !== shape.join(',') || t.data.length !== n) {
      throw new WeightError(`${source}: tensor "${name}" has shape [${t.shape}] but the config implies [${shape}]`);
    }
  }
}

/** The LM head matrix [V, C] (the embedding when tied). */
export function lmHead(cfg: ModelConfig, w: WeightMap): Tensor {
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
 * The weights the engine effectively computes with for a base storage type: every linear weight
 * quantized and dequantized (int8/int4), everything else unchanged. The reference model runs on these
 * to check the quantized engine, and merged exports start from them.
 */
export function effectiveWeights(cfg: ModelConfig, w: WeightMap, dtype: BaseDtype): WeightMap {
  if (dtype === 'f32') return w;
  const out: WeightMap = new Map(w);
  for (let i = 0; i < cfg.numLayers; i++) {
    for (const t of LORA_TARGETS) {
      const name = `${modulePath(i, t)}.weight`;
      const [rows, cols] = linearShape(cfg, t);
      out.set(name, { shape: [rows, cols], data: dequantize(quantize(w.get(name)!.data, rows, cols, dtype)) });
    }
  }
  return out;
}
