// Model configuration for the one Llama-family graph tabtune implements (llama, mistral, qwen2).
//
// Shape alphabet used across src/engine, src/kernels and src/reference (declared once, here):
//   B = batch, T = sequence length, N = B*T rows, C = hidden size, H = query heads,
//   KV = key/value heads, D = head dim, F = MLP intermediate size, V = vocab, L = layers, R = LoRA rank.
//
// Weights keep Hugging Face names (q_proj, gate_proj, input_layernorm, ...) so checkpoint mapping is
// an identity. Linear weights are [out, in] (PyTorch layout): y = x · Wᵀ.

export type ModelType = 'llama' | 'mistral' | 'qwen2';

export interface RopeScaling {
  rope_type: 'llama3';
  factor: number;
  low_freq_factor: number;
  high_freq_factor: number;
  original_max_position_embeddings: number;
}

export interface ModelConfig {
  modelType: ModelType;
  hiddenSize: number; // C
  intermediateSize: number; // F
  numLayers: number; // L
  numHeads: number; // H
  numKvHeads: number; // KV
  headDim: number; // D
  vocabSize: number; // V
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  /** 'half' = HF rotate_half (pairs i, i+D/2); 'interleaved' = Meta / llama.cpp-llama adjacent pairs (2i, 2i+1). */
  ropeLayout: 'half' | 'interleaved';
  rmsNormEps: number;
  tieWordEmbeddings: boolean;
  /** Qwen2: q_proj, k_proj, v_proj carry a bias; o_proj never does. */
  attentionBias: boolean;
  maxPositionEmbeddings: number;
  /** Mistral sliding window (null = full causal attention). */
  slidingWindow: number | null;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function num(obj: Record<string, unknown>, key: string, fallback?: number): number {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`config.json: missing "${key}"`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`config.json: "${key}" must be a number`);
  return v;
}

function posInt(obj: Record<string, unknown>, key: string, fallback?: number): number {
  const v = num(obj, key, fallback);
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`config.json: "${key}" must be a positive integer, got ${v}`);
  return v;
}

/** Parse an HF `config.json`-shaped object (llama, mistral, qwen2) into a validated ModelConfig. */
export function configFromHf(raw: unknown): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('config.json: not a JSON object');
  const o = raw as Record<string, unknown>;
  const modelType = o.model_type;
  if (modelType !== 'llama' && modelType !== 'mistral' && modelType !== 'qwen2') {
    throw new ConfigError(`config.json: unsupported model_type ${JSON.stringify(modelType)} (supported: llama, mistral, qwen2)`);
  }
  const hiddenSize = posInt(o, 'hidden_size');
  const numHeads = posInt(o, 'num_attention_heads');
  const numKvHeads = posInt(o, 'num_key_value_heads', numHeads);
  const headDim = posInt(o, 'head_dim', hiddenSize / numHeads);
  if (numHeads % numKvHeads !== 0) throw new ConfigError(`config.json: num_attention_heads (${numHeads}) is not a multiple of num_key_value_heads (${numKvHeads})`);
  if (headDim % 2 !== 0) throw new ConfigError(`config.json: head_dim ${headDim} must be even for rotary embeddings`);
  let ropeScaling: RopeScaling | null = null;
  const rs = o.rope_scaling as Record<string, unknown> | null | undefined;
  if (rs && typeof rs === 'object') {
    const t = rs.rope_type ?? rs.type;
    if (t !== 'llama3') throw new ConfigError(`config.json: unsupported rope_scaling type ${JSON.stringify(t)} (supported: llama3)`);
    ropeScaling = {
      rope_type: 'llama3',
      factor: num(rs, 'factor'),
      low_freq_factor: num(rs, 'low_freq_factor', 1),
      high_freq_factor: num(rs, 'high_freq_factor', 4),
      original_max_position_embeddings: posInt(rs, 'original_max_position_embeddings', 8192),
    };
  }
  const eos = o.eos_token_id;
  const eosTokenIds = Array.isArray(eos) ? eos.filter((x): x is number => typeof x === 'number') : typeof eos === 'number' ? [eos] : [];
  const sw = o.sliding_window;
  const useSw = modelType === 'mistral' || o.use_sliding_window === true;
  return {
    modelType,
    hiddenSize,
    intermediateSize: posInt(o, 'intermediate_size'),
    numLayers: posInt(o, 'num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: posInt(o, 'vocab_size'),
    ropeTheta: num(o, 'rope_theta', 10000),
    ropeScaling,
    ropeLayout: 'half',
    rmsNormEps: num(o, 'rms_norm_eps', 1e-6),
    tieWordEmbeddings: o.tie_word_embeddings === true,
    attentionBias: modelType === 'qwen2' ? true : o.attention_bias === true,
    maxPositionEmbeddings: posInt(o, 'max_position_embeddings', 2048),
    slidingWindow: useSw && typeof sw === 'number' && sw > 0 ? sw : null,
    bosTokenId: typeof o.bos_token_id === 'number' ? o.bos_token_id : null,
    eosTokenIds,
  };
}

/** Inverse frequencies for RoPE, length D/2, with llama3 scaling applied when configured. */
export function ropeInvFreq(cfg: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float64Array {
  const half = cfg.headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(cfg.ropeTheta, (2 * i) / cfg.headDim);
  const s = cfg.ropeScaling;
  if (s) {
    const lowWavelen = s.original_max_position_embeddings / s.low_freq_factor;
    const highWavelen = s.original_max_position_embeddings / s.high_freq_factor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen < highWavelen) continue;
      if (wavelen > lowWavelen) {
        inv[i] = inv[i] / s.factor;
      } else {
        const smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
      }
    }
  }
  return inv;
}

/** LoRA configuration. `scale` is derived in exactly one place: loraScale(). */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  rank: number; // R
  alpha: number;
  dropout: number;
  targets: LoraTarget[];
  useRslora: boolean;
}

export const DEFAULT_LORA: LoraConfig = { rank: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false };

export function loraScale(l: Pick<LoraConfig, 'rank' | 'alpha' | 'useRslora'>): number {
  return l.useRslora ? l.alpha / Math.sqrt(l.rank) : l.alpha / l.rank;
}

/** [out, in] of each linear layer, by HF name. */
export function linearShape(cfg: ModelConfig, name: LoraTarget): [number, number] {
  const C = cfg.hiddenSize, F = cfg.intermediateSize, qd = cfg.numHeads * cfg.headDim, kvd = cfg.numKvHeads * cfg.headDim;
  switch (name) {
    case 'q_proj': return [qd, C];
    case 'k_proj': return [kvd, C];
    case 'v_proj': return [kvd, C];
    case 'o_proj': return [C, qd];
    case 'gate_proj': return [F, C];
    case 'up_proj': return [F, C];
    case 'down_proj': return [C, F];
  }
}

/**
 * Soft-prompt methods (recipes.md §4), the alternatives to LoRA; the base stays frozen and only these
 * values train. P below = the number of virtual tokens.
 *   'prompt'  prompt tuning: P trainable input embeddings [P, C] prepended to the token embeddings. The
 *             virtual tokens take positions 0..P−1 (RoPE) and the real tokens P..P+T−1, as PEFT does
 *             (it concatenates inputs_embeds); they carry no loss.
 *   'prefix'  prefix tuning / P-Tuning v2 without reparameterization: per layer trainable keys and values
 *             [L, 2, P, KV·D] (2 = key, value; KV heads, so GQA shares them like real keys). Every real
 *             token attends to all P slots, causal masking applies inside the sequence only. The prefix
 *             keys are used as stored (no RoPE is applied to them) and the real tokens take positions
 *             P..P+T−1: exactly HF's past_key_values of length P, which is how PEFT feeds them.
 *             (With a sliding window W, slot j counts as position j: a query at position P+t sees it
 *             when P+t−W < j, as HF's cache would.)
 */
export type SoftPromptMethod = 'prompt' | 'prefix';
export const SOFT_PROMPT_METHODS: readonly SoftPromptMethod[] = ['prompt', 'prefix'];

export interface SoftPromptConfig {
  method: SoftPromptMethod;
  /** P */
  virtualTokens: number;
  /** Prompt tuning's initial values: random vocabulary rows' embeddings (seeded), or an init text's tokens. */
  init: { kind: 'random' } | { kind: 'text'; text: string };
}

/** Floats in the trainable tensor: P·C (prompt) or L·2·P·KV·D (prefix). */
export function softPromptSize(cfg: ModelConfig, sp: Pick<SoftPromptConfig, 'method' | 'virtualTokens'>): number {
  return sp.method === 'prompt' ? sp.virtualTokens * cfg.hiddenSize : cfg.numLayers * 2 * sp.virtualTokens * cfg.numKvHeads * cfg.headDim;
}

/** Positions the virtual tokens occupy before the real ones (P for both methods; 0 without). */
export function virtualPositions(sp: Pick<SoftPromptConfig, 'virtualTokens'> | null | undefined): number {
  return sp?.virtualTokens ?? 0;
}

/** The trainable tensor's name (optimizer state, checkpoints). */
export function softPromptName(sp: Pick<SoftPromptConfig, 'method'>): string {
  return sp.method === 'prompt' ? 'prompt_embeddings' : 'prefix_key_values';
}
