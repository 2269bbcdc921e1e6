// Building a model — {config, weights, nativeDtype, tokenizer} — from its files, wherever they live:
// a local directory (the CLI, src/cli/load.ts), bytes downloaded from the Hub or a URL (hub.ts), or
// files dropped into the browser. The caller supplies a ModelFileSet; this file decides which files
// make a model (config.json + model.safetensors or a sharded index, optional tokenizer files; or one
// .gguf) and turns parser errors into messages that name the file.
//
// Is: platform-neutral (no node:* imports, no fetch). Is not: a downloader or a cache (hub.ts), nor a
// reader of file paths (src/cli/load.ts supplies a node:fs ModelFileSet).

import type { ModelConfig } from '../engine/config.ts';
import type { BaseDtype, BaseDtypeChoice } from '../engine/quant.ts';
import type { BaseWeightMap, WeightMap } from '../engine/weights.ts';
import { FormatError } from './errors.ts';
import { ggufToModel } from './gguf.ts';
import { tokenizerFromGguf, type GgufMetadata } from './gguf-tokenizer.ts';
import { loadHfModel, openSafetensors, openShardedSafetensors, type TensorStore } from './safetensors.ts';
import { blobSource, bytesSource, readAll, type ByteSource } from './source.ts';
import { loadTokenizer, type TabTokenizer } from './tokenizer.ts';

/** The files of an HF-layout model, by their conventional names. */
export const HF_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  index: 'model.safetensors.index.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  chatTemplate: 'chat_template.jinja',
} as const;

/** The files of one model, by name relative to the model's root (a directory, a Hub repo, …). */
export interface ModelFileSet {
  /** The model as the user named it (a directory path, a Hub id, a URL), for messages. */
  readonly name: string;
  /** Where `file` lives (a path or a URL), for messages. */
  where(file: string): string;
  has(file: string): Promise<boolean>;
  /** The file as UTF-8 text; throws a FormatError naming the file when it cannot be read. */
  readText(file: string): Promise<string>;
  open(file: string): Promise<ByteSource>;
}

export interface BuiltModel<W extends BaseWeightMap = BaseWeightMap> {
  config: ModelConfig;
  /** The seven linear weights in `baseDtype` (converted tensor by tensor while reading), the rest f32. */
  weights: W;
  /** The storage type that "native" maps to for this checkpoint. */
  nativeDtype: BaseDtype;
  /** The storage type the linear weights are held in: the requested one, `native` resolved. */
  baseDtype: BaseDtype;
  tokenizer: TabTokenizer | null;
  warnings: string[];
}

/** A ModelFileSet over ByteSources (readText reads the whole source: only for small files). */
export function sourceFileSet(name: string, files: ReadonlyMap<string, ByteSource>, where: (file: string) => string = (f) => f): ModelFileSet {
  const get = (file: string): ByteSource => {
    const b = files.get(file);
    if (!b) throw new FormatError(where(file), 'is not among the model files');
    return b;
  };
  return {
    name,
    where,
    has: async (file) => files.has(file),
    readText: async (file) => new TextDecoder().decode(await readAll(get(file))),
    open: async (file) => get(file),
  };
}

/** A ModelFileSet over bytes already in memory (downloaded files, or Files read in the browser). */
export function memoryFileSet(name: string, files: ReadonlyMap<string, Uint8Array>, where: (file: string) => string = (f) => f): ModelFileSet {
  return sourceFileSet(name, new Map([...files].map(([file, bytes]) => [file, bytesSource(bytes, where(file))])), where);
}

/**
 * Shard names in a model.safetensors.index.json, each checked to be a plain file name beside the index
 * (no directories, nothing hidden), so neither a local nor a remote loader leaves the model's root.
 */
export function shardFiles(indexJson: string, indexName: string): string[] {
  let idx: unknown;
  try {
    idx = JSON.parse(indexJson);
  } catch {
    throw new FormatError(indexName, 'not valid JSON');
  }
  const wm = (idx as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) throw new FormatError(indexName, 'missing "weight_map" object');
  const names = new Set<string>();
  for (const f of Object.values(wm)) {
    if (typeof f !== 'string') continue; // openShardedSafetensors reports it with the tensor's name
    checkShardName(f, indexName);
    names.add(f);
  }
  return [...names];
}

function checkShardName(f: string, indexName: string): void {
  if (f.includes('/') || f.includes('\\') || f.startsWith('.')) throw new FormatError(indexName, `shard name "${f}" is not a plain file name`);
}

/** GGUF quant types of the linear weights → the engine base type that keeps them (formats/gguf.ts). */
export { nativeFromGguf } from './gguf.ts';

/** Tokenizer files beside a model, or null (with a warning) when there are none. */
export async function loadTokenizerFiles(files: ModelFileSet, warnings: string[]): Promise<TabTokenizer | null> {
  if (!(await files.has(HF_FILES.tokenizer))) {
    warnings.push(`${files.name}: no tokenizer.json; the model loads for token-id input only`);
    return null;
  }
  const optional = async (f: string) => ((await files.has(f)) ? files.readText(f) : undefined);
  return loadTokenizer(await files.readText(HF_FILES.tokenizer), await optional(HF_FILES.tokenizerConfig), await optional(HF_FILES.chatTemplate));
}

/**
 * An HF-layout model: config.json, then model.safetensors (preferred) or model.safetensors.index.json
 * and its shards, then the tokenizer files when present. Linear weights are stored as `baseDtype`
 * (default f32; `native` is f16 for an F16/BF16 checkpoint) as they are read. Config and weight
 * problems become FormatErrors naming config.json. The caller closes whatever `files.open` opened.
 */
export function buildHfModel(files: ModelFileSet, baseDtype?: 'f32'): Promise<BuiltModel<WeightMap>>;
export function buildHfModel(files: ModelFileSet, baseDtype: BaseDtypeChoice): Promise<BuiltModel>;
export async function buildHfModel(files: ModelFileSet, baseDtype: BaseDtypeChoice = 'f32'): Promise<BuiltModel> {
  const warnings: string[] = [];
  if (!(await files.has(HF_FILES.config))) throw new FormatError(files.name, 'not a model directory: config.json is missing');
  const configText = await files.readText(HF_FILES.config);
  let store: TensorStore;
  if (await files.has(HF_FILES.weights)) {
    store = await openSafetensors(await files.open(HF_FILES.weights));
  } else if (await files.has(HF_FILES.index)) {
    const indexName = files.where(HF_FILES.index);
    store = await openShardedSafetensors(await files.readText(HF_FILES.index), async (f) => {
      checkShardName(f, indexName);
      return files.open(f);
    }, indexName);
  } else throw new FormatError(files.name, 'neither model.safetensors nor model.safetensors.index.json is present');
  const { config, weights, nativeDtype, baseDtype: dtype } = await loadHfModel(configText, store, baseDtype).catch((e: Error) => {
    if (e.name === 'ConfigError' || e.name === 'WeightError') throw new FormatError(files.where(HF_FILES.config), e.message.replace(/^config\.json: /, ''));
    throw e;
  });
  const tokenizer = await loadTokenizerFiles(files, warnings);
  return { config, weights, nativeDtype, baseDtype: dtype, tokenizer, warnings };
}

/**
 * A single-file GGUF model (llama / qwen2), with the tokenizer its metadata describes (gguf-tokenizer.ts).
 * Linear weights are stored as `baseDtype` (default f32) as they are read; Q8_0 → int8 and Q4_0 → int4
 * repack without loss (see ggufToModel). Messages name the file by `src.name`. Tokenizer metadata that is
 * absent, unsupported or malformed does not stop the load: the model then loads for token-id input
 * only, and a warning says why.
 */
export function buildGgufModel(src: ByteSource, baseDtype?: 'f32'): Promise<BuiltModel<WeightMap>>;
export function buildGgufModel(src: ByteSource, baseDtype: BaseDtypeChoice): Promise<BuiltModel>;
export async function buildGgufModel(src: ByteSource, baseDtype: BaseDtypeChoice = 'f32'): Promise<BuiltModel> {
  const m = await ggufToModel(src, baseDtype);
  const warnings: string[] = [];
  const tokenizer = ggufModelTokenizer(m.gguf, m.config.vocabSize, warnings);
  return { config: m.config, weights: m.weights, nativeDtype: m.nativeDtype, baseDtype: m.baseDtype, tokenizer, warnings };
}

const IDS_ONLY = 'the model loads for token-id input only';

/** tokenizerFromGguf, with malformed metadata and a vocabulary the embedding table cannot hold turned into warnings. */
export function ggufModelTokenizer(g: GgufMetadata, embeddingRows: number, warnings: string[]): TabTokenizer | null {
  let r: ReturnType<typeof tokenizerFromGguf>;
  try {
    r = tokenizerFromGguf(g);
  } catch (e) {
    if (e instanceof Error && e.name === 'FormatError') {
      warnings.push(`${e.message}; ${IDS_ONLY}`);
      return null;
    }
    throw e;
  }
  warnings.push(...r.warnings);
  if (r.tokenizer && r.tokenizer.vocabSize > embeddingRows) {
    warnings.push(`${g.name}: the tokenizer has ${r.tokenizer.vocabSize} tokens but the model's embedding table has only ${embeddingRows} rows; ${IDS_ONLY}`);
    return null;
  }
  return r.tokenizer;
}

/** Files picked or dropped in a browser (or Node File objects), read by slices: never whole on the main thread. */
export function blobFileSet(name: string, files: readonly File[]): ModelFileSet {
  const byName = new Map(files.map((f) => [f.name, f]));
  const get = (file: string): File => {
    const f = byName.get(file);
    if (!f) throw new FormatError(file, 'is not among the picked files');
    return f;
  };
  return {
    name,
    where: (f) => f,
    has: async (f) => byName.has(f),
    readText: async (f) => get(f).text(),
    open: async (f) => blobSource(get(f), f),
  };
}
