// Loading models and adapters from local paths for the CLI (Node): an HF-layout directory
// (config.json + model.safetensors or a sharded index) or a single .gguf file; optional tokenizer
// files; a PEFT adapter directory. Browser loading goes through the same src/formats readers.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LoraConfig, ModelConfig } from '../engine/config.ts';
import type { BaseDtype } from '../engine/quant.ts';
import type { LoraParams, WeightMap } from '../engine/weights.ts';
import { FormatError } from '../formats/errors.ts';
import { ggufToModel } from '../formats/gguf.ts';
import { openFileSource, type FileByteSource } from '../formats/node-source.ts';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, parsePeftConfig, readPeftWeights } from '../formats/peft.ts';
import { loadHfModel, openSafetensors, openShardedSafetensors } from '../formats/safetensors.ts';
import { loadTokenizer, type TabTokenizer } from '../formats/tokenizer.ts';
import { UsageError } from './errors.ts';

export interface LoadedModel {
  path: string;
  config: ModelConfig;
  weights: WeightMap;
  /** The storage type that "native" maps to for this checkpoint. */
  nativeDtype: BaseDtype;
  tokenizer: TabTokenizer | null;
  warnings: string[];
}

/** GGUF quant type → the engine base type that keeps it (quants re-pack losslessly for Q8_0 / Q4_0). */
function nativeFromGguf(types: Iterable<string>): BaseDtype {
  const all = [...types];
  if (all.some((t) => t === 'Q4_0' || t === 'Q4_1' || t === 'Q4_K')) return 'int4';
  if (all.some((t) => t === 'Q8_0' || t === 'Q6_K' || t === 'Q5_K' || t === 'Q5_0')) return 'int8';
  return 'f32';
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new FormatError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Tokenizer files beside a model, or null (with a warning) when there are none. */
async function loadTokenizerDir(dir: string, warnings: string[]): Promise<TabTokenizer | null> {
  const tj = join(dir, 'tokenizer.json');
  if (!existsSync(tj)) {
    warnings.push(`${dir}: no tokenizer.json; the model loads for token-id input only`);
    return null;
  }
  const cfgPath = join(dir, 'tokenizer_config.json');
  const tmplPath = join(dir, 'chat_template.jinja');
  return loadTokenizer(await readText(tj), existsSync(cfgPath) ? await readText(cfgPath) : undefined, existsSync(tmplPath) ? await readText(tmplPath) : undefined);
}

export async function loadModelFromPath(path: string): Promise<LoadedModel> {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file or directory`);
  const warnings: string[] = [];
  if (statSync(path).isDirectory()) {
    const configPath = join(path, 'config.json');
    if (!existsSync(configPath)) throw new FormatError(path, 'not a model directory: config.json is missing');
    const configText = await readText(configPath);
    const index = join(path, 'model.safetensors.index.json');
    const single = join(path, 'model.safetensors');
    const opened: FileByteSource[] = [];
    try {
      let store;
      if (existsSync(single)) {
        const src = await openFileSource(single);
        opened.push(src);
        store = await openSafetensors(src);
      } else if (existsSync(index)) {
        store = await openShardedSafetensors(await readText(index), async (f) => {
          if (f.includes('/') || f.includes('\\') || f.startsWith('.')) throw new FormatError(index, `shard name "${f}" is not a plain file name`);
          const src = await openFileSource(join(path, f));
          opened.push(src);
          return src;
        }, index);
      } else throw new FormatError(path, 'neither model.safetensors nor model.safetensors.index.json is present');
      const { config, weights } = await loadHfModel(configText, store).catch((e: Error) => {
        if (e.name === 'ConfigError' || e.name === 'WeightError') throw new FormatError(configPath, e.message.replace(/^config\.json: /, ''));
        throw e;
      });
      const tokenizer = await loadTokenizerDir(path, warnings);
      return { path, config, weights, nativeDtype: 'f32', tokenizer, warnings };
    } finally {
      for (const s of opened) await s.close();
    }
  }
  if (!path.endsWith('.gguf')) throw new UsageError(`${path}: expected a .gguf file or a directory with config.json and *.safetensors`);
  const src = await openFileSource(path);
  try {
    const m = await ggufToModel(src);
    // TODO(formats issue): build the tokenizer from tokenizer.ggml.* metadata.
    warnings.push(`${basename(path)}: tokenizers from GGUF metadata are not built yet; the model loads for token-id input only`);
    return { path, config: m.config, weights: m.weights, nativeDtype: nativeFromGguf(m.storedTypes.values()), tokenizer: null, warnings };
  } finally {
    await src.close();
  }
}

export interface LoadedAdapter {
  config: LoraConfig;
  params: LoraParams;
  /** tabtune.json beside the adapter (recipe, separator, template), when present. */
  meta: Record<string, unknown> | null;
}

export async function loadAdapterFromDir(dir: string, model: ModelConfig): Promise<LoadedAdapter> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: not an adapter directory`);
  const cfgPath = join(dir, ADAPTER_CONFIG);
  const wPath = join(dir, ADAPTER_WEIGHTS);
  if (!existsSync(cfgPath)) throw new FormatError(dir, `${ADAPTER_CONFIG} is missing`);
  if (!existsSync(wPath)) throw new FormatError(dir, `${ADAPTER_WEIGHTS} is missing`);
  const config = parsePeftConfig(await readText(cfgPath), cfgPath);
  const src = await openFileSource(wPath);
  try {
    const params = await readPeftWeights(await openSafetensors(src), model, config);
    const metaPath = join(dir, 'tabtune.json');
    let meta: Record<string, unknown> | null = null;
    if (existsSync(metaPath)) {
      try {
        meta = JSON.parse(await readText(metaPath));
      } catch {
        throw new FormatError(metaPath, 'not valid JSON');
      }
    }
    return { config, params, meta };
  } finally {
    await src.close();
  }
}

export function parseBaseDtype(s: string | undefined, native: BaseDtype): BaseDtype {
  const v = s ?? 'native';
  if (v === 'native') return native;
  if (v === 'f32' || v === 'int8' || v === 'int4') return v;
  throw new UsageError(`--base-dtype must be native, f32, int8 or int4 (got "${v}")`);
}
