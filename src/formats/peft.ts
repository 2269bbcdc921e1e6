// PEFT LoRA adapters: `adapter_config.json` + `adapter_model.safetensors`, the layout Hugging Face PEFT
// saves and loads. Tensor keys drop the adapter name:
//   base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight   [R, in]
//   base_model.model.model.layers.{i}.self_attn.q_proj.lora_B.weight   [out, R]
// PEFT writes safetensors with metadata {"format": "pt"}. Is not: DoRA, per-module rank/alpha patterns
// (refused by name), or embedding adapters.
import { LORA_TARGETS, type LoraConfig, type LoraTarget, type ModelConfig, linearShape } from '../engine/config.ts';
import { type LoraParams, modulePath } from '../engine/weights.ts';
import { FormatError, quote } from './errors.ts';
import { type TensorStore, writeSafetensors } from './safetensors.ts';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

const PREFIX = 'base_model.model.';

export function peftKey(path: string, which: 'A' | 'B'): string {
  return `${PREFIX}${path}.lora_${which}.weight`;
}

/** adapter_config.json content for `lora` on a base model named `baseModel`. */
export function peftConfigJson(lora: LoraConfig, baseModel: string): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    target_modules: [...lora.targets],
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    use_rslora: lora.useRslora,
    use_dora: false,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    revision: null,
  };
}

/** adapter_model.safetensors bytes (F32) for `params`. */
export function writePeftWeights(params: LoraParams, cfg: ModelConfig, lora: LoraConfig): Uint8Array {
  const tensors = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    for (const t of lora.targets) {
      const path = modulePath(i, t);
      const p = params.get(path);
      if (!p) throw new FormatError('<adapter writer>', `LoRA parameters for ${path} are missing`);
      const [out, inn] = linearShape(cfg, t);
      tensors.push({ name: peftKey(path, 'A'), dtype: 'F32' as const, shape: [lora.rank, inn], data: p.A });
      tensors.push({ name: peftKey(path, 'B'), dtype: 'F32' as const, shape: [out, lora.rank], data: p.B });
    }
  }
  return writeSafetensors(tensors, { format: 'pt' });
}

/** Parse adapter_config.json into a LoraConfig, refusing what tabtune cannot apply. */
export function parsePeftConfig(text: string, file = ADAPTER_CONFIG): LoraConfig {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch {
    throw new FormatError(file, 'not valid JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new FormatError(file, 'not a JSON object');
  if (o.peft_type !== 'LORA') throw new FormatError(file, `peft_type ${quote(String(o.peft_type))} is not supported here (expected LORA)`);
  if (o.use_dora === true) throw new FormatError(file, 'DoRA adapters are not supported');
  for (const k of ['rank_pattern', 'alpha_pattern'] as const) {
    const v = o[k];
    if (v && typeof v === 'object' && Object.keys(v).length > 0) throw new FormatError(file, `${k} (per-module rank/alpha) is not supported`);
  }
  const r = o.r;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > 4096) throw new FormatError(file, `r must be a positive integer, got ${quote(String(r))}`);
  const alpha = o.lora_alpha ?? r;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new FormatError(file, 'lora_alpha must be a number');
  let targets: LoraTarget[];
  const tm = o.target_modules;
  if (tm === 'all-linear') targets = [...LORA_TARGETS];
  else if (Array.isArray(tm) && tm.every((t) => typeof t === 'string')) {
    const bad = (tm as string[]).filter((t) => !(LORA_TARGETS as readonly string[]).includes(t));
    if (bad.length) throw new FormatError(file, `target_modules ${bad.map((b) => quote(b)).join(', ')} are not linear layers tabtune adapts (${LORA_TARGETS.join(', ')})`);
    targets = LORA_TARGETS.filter((t) => (tm as string[]).includes(t));
  } else if (tm === undefined || tm === null) targets = ['q_proj', 'v_proj'];
  else throw new FormatError(file, 'target_modules must be a list of module names or "all-linear"');
  if (targets.length === 0) throw new FormatError(file, 'target_modules is empty');
  const dropout = typeof o.lora_dropout === 'number' ? o.lora_dropout : 0;
  return { rank: r, alpha, dropout, targets, useRslora: o.use_rslora === true };
}

/** Read every LoRA A/B of `lora` for `cfg` from adapter_model.safetensors, checking shapes. */
export async function readPeftWeights(store: TensorStore, cfg: ModelConfig, lora: LoraConfig): Promise<LoraParams> {
  const params: LoraParams = new Map();
  const expected = new Set<string>();
  for (let i = 0; i < cfg.numLayers; i++) {
    for (const t of lora.targets) {
      const path = modulePath(i, t);
      const [out, inn] = linearShape(cfg, t);
      const read = async (which: 'A' | 'B', shape: number[]): Promise<Float32Array> => {
        // PEFT keeps ".default" out of saved keys; accept it anyway (some exporters keep it).
        const key = [peftKey(path, which), `${PREFIX}${path}.lora_${which}.default.weight`].find((k) => store.get(k));
        if (!key) throw new FormatError(store.name, `tensor ${quote(peftKey(path, which))} is missing`);
        expected.add(key);
        const info = store.get(key)!;
        if (info.shape.join(',') !== shape.join(',')) throw new FormatError(store.name, `tensor ${quote(key)} has shape [${info.shape}] but the model and adapter_config imply [${shape}]`);
        return store.readTensor(key);
      };
      params.set(path, { A: await read('A', [lora.rank, inn]), B: await read('B', [out, lora.rank]) });
    }
  }
  const extra = store.tensors.filter((t) => !expected.has(t.name)).map((t) => t.name);
  if (extra.length) throw new FormatError(store.name, `unexpected tensors not covered by adapter_config.json: ${extra.slice(0, 3).map((e) => quote(e)).join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''}`);
  return params;
}
