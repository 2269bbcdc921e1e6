// What an adapter export contains, as file name → bytes/text (the CLI writes a directory, the app a zip):
// adapter_config.json + adapter_model.safetensors (PEFT layout) + tabtune.json (recipe, separator,
// chat template, data hash) so that generation can split role prompt from answer.
import type { LoraConfig, ModelConfig, SoftPromptConfig } from '../engine/config.ts';
import { softPromptAdapterFiles } from '../formats/peft-prompt.ts';
import type { LoraParams } from '../engine/weights.ts';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, peftConfigJson, writePeftWeights } from '../formats/peft.ts';

export const TABTUNE_JSON = 'tabtune.json';

export interface AdapterMeta {
  recipe: string;
  separator: string;
  systemPrompt: string | null;
  chatTemplate: string | null;
  dataHash: string | null;
  baseModel: string;
  baseDtype: string;
  steps: number;
  seed: number;
  tabtuneVersion: string;
  /** 'lora' (default when absent), 'prompt' or 'prefix'. */
  method?: string;
  /** Soft prompts: the virtual tokens and how they were initialised. */
  virtualTokens?: number;
  promptInit?: SoftPromptConfig['init'];
}

export function adapterFiles(model: ModelConfig, lora: LoraConfig, params: LoraParams, meta: AdapterMeta): Map<string, Uint8Array | string> {
  return new Map<string, Uint8Array | string>([
    [ADAPTER_CONFIG, `${JSON.stringify(peftConfigJson(lora, meta.baseModel), null, 2)}\n`],
    [ADAPTER_WEIGHTS, writePeftWeights(params, model, lora)],
    [TABTUNE_JSON, `${JSON.stringify(meta, null, 2)}\n`],
  ]);
}

/** Hex SHA-256 of bytes (Web Crypto: browser, worker and Node). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as unknown as ArrayBuffer);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The export of a soft prompt (prompt / prefix tuning): PEFT PROMPT_TUNING / PREFIX_TUNING files + tabtune.json. */
export function softPromptFiles(model: ModelConfig, sp: SoftPromptConfig, values: Float32Array, meta: AdapterMeta): Map<string, Uint8Array | string> {
  const f = softPromptAdapterFiles(model, sp, values, meta.baseModel);
  return new Map<string, Uint8Array | string>([
    [ADAPTER_CONFIG, f.config],
    [ADAPTER_WEIGHTS, f.weights],
    [TABTUNE_JSON, `${JSON.stringify({ ...meta, method: sp.method, virtualTokens: sp.virtualTokens, promptInit: sp.init }, null, 2)}\n`],
  ]);
}
