// PEFT soft-prompt adapters (prompt tuning, prefix tuning) — `adapter_config.json` +
// `adapter_model.safetensors` as Hugging Face PEFT saves them for a decoder-only model:
//   PROMPT_TUNING  one tensor `prompt_embeddings` [P, C]: the virtual tokens' input embeddings
//                  (PEFT's PromptEmbedding.embedding.weight; P·num_transformer_submodules rows, and
//                  num_transformer_submodules is 1 for CAUSAL_LM).
//   PREFIX_TUNING  one tensor `prompt_embeddings` [P, L·2·KV·D]: PrefixEncoder.embedding.weight with
//                  prefix_projection false. PEFT's get_prompt views it as [batch, P, L·2, heads,
//                  token_dim / heads] and permutes to past_key_values, so row p is ordered
//                  (layer, key|value, kv head, head dim): index ((l·2 + kv)·KV + g)·D + d.
//                  We write token_dim = KV·D and num_attention_heads = KV, so that this view gives
//                  exactly the per-layer key/value shape of a GQA model (recent PEFT derives the same
//                  values from num_key_value_heads; UNCONFIRMED in its source, hence written explicitly).
// tabtune keeps the prefix as [L, 2, P, KV·D] (engine/config.ts); the conversion is a transpose.
// Written with metadata {"format": "pt"}, as PEFT does.
import { type ModelConfig, type SoftPromptConfig, type SoftPromptMethod, softPromptSize } from '../engine/config.ts';
import { FormatError, quote } from './errors.ts';
import { type TensorStore, writeSafetensors } from './safetensors.ts';

export const PROMPT_TENSOR = 'prompt_embeddings';

const PEFT_TYPE: Record<SoftPromptMethod, string> = { prompt: 'PROMPT_TUNING', prefix: 'PREFIX_TUNING' };

/** The adapter_config.json `peft_type` of a file, or null when it is not JSON with a string peft_type. */
export function peftTypeOf(configText: string): string | null {
  try {
    const o = JSON.parse(configText);
    return typeof o?.peft_type === 'string' ? o.peft_type : null;
  } catch {
    return null;
  }
}

export function isSoftPromptPeftType(t: string | null): boolean {
  return t === 'PROMPT_TUNING' || t === 'PREFIX_TUNING';
}

/** adapter_config.json content for a soft prompt on a base model named `baseModel`. */
export function softPromptConfigJson(cfg: ModelConfig, sp: SoftPromptConfig, baseModel: string): Record<string, unknown> {
  const common = {
    peft_type: PEFT_TYPE[sp.method],
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    revision: null,
    inference_mode: true,
    num_virtual_tokens: sp.virtualTokens,
    num_transformer_submodules: 1,
    num_layers: cfg.numLayers,
  };
  if (sp.method === 'prompt') {
    const text = sp.init.kind === 'text' ? sp.init.text : null;
    return {
      ...common,
      token_dim: cfg.hiddenSize,
      num_attention_heads: cfg.numHeads,
      // "RANDOM" loads in every PEFT version; our random init (sampled vocabulary rows) is in tabtune.json.
      prompt_tuning_init: text === null ? 'RANDOM' : 'TEXT',
      prompt_tuning_init_text: text,
      tokenizer_name_or_path: text === null ? null : baseModel,
      tokenizer_kwargs: null,
    };
  }
  return {
    ...common,
    token_dim: cfg.numKvHeads * cfg.headDim,
    num_attention_heads: cfg.numKvHeads,
    encoder_hidden_size: cfg.numKvHeads * cfg.headDim,
    prefix_projection: false,
  };
}

/** [L, 2, P, KV·D] (tabtune) → [P, L, 2, KV·D] (PEFT), or back with `inverse`. */
function transposePrefix(cfg: ModelConfig, P: number, src: Float32Array, inverse: boolean): Float32Array {
  const L = cfg.numLayers, w = cfg.numKvHeads * cfg.headDim;
  const out = new Float32Array(src.length);
  for (let l = 0; l < L; l++) {
    for (let kv = 0; kv < 2; kv++) {
      for (let p = 0; p < P; p++) {
        const ours = ((l * 2 + kv) * P + p) * w, peft = (p * L * 2 + l * 2 + kv) * w;
        if (inverse) out.set(src.subarray(peft, peft + w), ours);
        else out.set(src.subarray(ours, ours + w), peft);
      }
    }
  }
  return out;
}

/** adapter_model.safetensors bytes (F32) for the soft prompt `values` (tabtune layout). */
export function writeSoftPromptWeights(cfg: ModelConfig, sp: SoftPromptConfig, values: Float32Array): Uint8Array {
  const P = sp.virtualTokens, n = softPromptSize(cfg, sp);
  if (values.length !== n) throw new FormatError('<adapter writer>', `${sp.method} tuning values have ${values.length} floats, expected ${n}`);
  const data = sp.method === 'prompt' ? values : transposePrefix(cfg, P, values, false);
  return writeSafetensors([{ name: PROMPT_TENSOR, dtype: 'F32', shape: [P, n / P], data }], { format: 'pt' });
}

/** Both PEFT files of a soft prompt. */
export function softPromptAdapterFiles(cfg: ModelConfig, sp: SoftPromptConfig, values: Float32Array, baseModel: string): { config: string; weights: Uint8Array } {
  return { config: `${JSON.stringify(softPromptConfigJson(cfg, sp, baseModel), null, 2)}\n`, weights: writeSoftPromptWeights(cfg, sp, values) };
}

/** Parse a PROMPT_TUNING / PREFIX_TUNING adapter_config.json for `cfg`, refusing what tabtune cannot apply. */
export function parseSoftPromptConfig(text: string, cfg: ModelConfig, file = 'adapter_config.json'): SoftPromptConfig {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch {
    throw new FormatError(file, 'not valid JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new FormatError(file, 'not a JSON object');
  const method: SoftPromptMethod | null = o.peft_type === 'PROMPT_TUNING' ? 'prompt' : o.peft_type === 'PREFIX_TUNING' ? 'prefix' : null;
  if (!method) throw new FormatError(file, `peft_type ${quote(String(o.peft_type))} is not a soft prompt (expected PROMPT_TUNING or PREFIX_TUNING)`);
  if (o.task_type !== undefined && o.task_type !== null && o.task_type !== 'CAUSAL_LM') throw new FormatError(file, `task_type ${quote(String(o.task_type))} is not supported (expected CAUSAL_LM)`);
  const P = o.num_virtual_tokens;
  if (typeof P !== 'number' || !Number.isInteger(P) || P < 1) throw new FormatError(file, `num_virtual_tokens must be a positive integer, got ${quote(String(P))}`);
  const sub = o.num_transformer_submodules ?? 1;
  if (sub !== 1) throw new FormatError(file, `num_transformer_submodules ${quote(String(sub))} is not supported (decoder-only models use 1)`);
  if (o.num_layers !== undefined && o.num_layers !== null && o.num_layers !== cfg.numLayers) throw new FormatError(file, `num_layers is ${o.num_layers} but the model has ${cfg.numLayers} layers`);
  if (method === 'prefix' && o.prefix_projection === true) throw new FormatError(file, 'prefix_projection (the reparameterization MLP) is not supported; save the adapter with prefix_projection false');
  const kvd = cfg.numKvHeads * cfg.headDim;
  if (method === 'prompt' && o.token_dim !== undefined && o.token_dim !== null && o.token_dim !== cfg.hiddenSize) throw new FormatError(file, `token_dim is ${o.token_dim} but the model's hidden size is ${cfg.hiddenSize}`);
  // A prefix's per-layer width must be the model's key/value width (token_dim = hidden only for MHA).
  if (method === 'prefix' && o.token_dim !== undefined && o.token_dim !== null && o.token_dim !== kvd) {
    throw new FormatError(file, `token_dim is ${o.token_dim} but the model's key/value width is ${cfg.numKvHeads} heads × ${cfg.headDim} = ${kvd}`);
  }
  const initText = typeof o.prompt_tuning_init_text === 'string' ? o.prompt_tuning_init_text : null;
  return { method, virtualTokens: P, init: o.prompt_tuning_init === 'TEXT' && initText ? { kind: 'text', text: initText } : { kind: 'random' } };
}

/** Read a soft-prompt adapter (its config text and weights) into tabtune's layout. */
export async function readSoftPromptAdapter(configText: string, store: TensorStore, cfg: ModelConfig, file = 'adapter_config.json'): Promise<{ config: SoftPromptConfig; values: Float32Array }> {
  const sp = parseSoftPromptConfig(configText, cfg, file);
  const P = sp.virtualTokens, n = softPromptSize(cfg, sp);
  const key = [PROMPT_TENSOR, `${PROMPT_TENSOR}.default`].find((k) => store.get(k));
  if (!key) throw new FormatError(store.name, `tensor ${quote(PROMPT_TENSOR)} is missing`);
  const extra = store.tensors.filter((t) => t.name !== key).map((t) => t.name);
  if (extra.length) throw new FormatError(store.name, `unexpected tensors besides ${PROMPT_TENSOR}: ${extra.slice(0, 3).map((e) => quote(e)).join(', ')}`);
  const shape = store.get(key)!.shape;
  if (shape.join(',') !== [P, n / P].join(',')) throw new FormatError(store.name, `tensor ${quote(key)} has shape [${shape}] but the model and adapter_config imply [${P},${n / P}]`);
  const data = await store.readTensor(key);
  return { config: sp, values: sp.method === 'prompt' ? data : transposePrefix(cfg, P, data, true) };
}
