// Loading models and adapters for the CLI (Node): an HF-layout directory (config.json +
// model.safetensors or a sharded index, optional tokenizer files) or a single .gguf file; a Hub id
// (`owner/name[@revision]`) or an http(s) URL when no such local path exists; a PEFT adapter directory.
// Which files make a model is decided in src/formats/model-loader.ts, shared with the browser; this
// file supplies node:fs access, the download cache directory and progress on stderr.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoraConfig, ModelConfig, SoftPromptConfig } from '../engine/config.ts';
import { isSoftPromptPeftType, peftTypeOf, readSoftPromptAdapter } from '../formats/peft-prompt.ts';
import { BASE_DTYPES, type BaseDtype, type BaseDtypeChoice } from '../engine/quant.ts';
import type { BaseWeightMap, LoraParams } from '../engine/weights.ts';
import { FormatError } from '../formats/errors.ts';
import { DEFAULT_HUB_BASE, loadRemoteModel, parseModelSource, type DownloadProgress, type FileCache, type ModelSource } from '../formats/hub.ts';
import { buildGgufModel, buildHfModel, type BuiltModel, type ModelFileSet } from '../formats/model-loader.ts';
import { nodeDirCache } from '../formats/node-cache.ts';
import { openFileSource, type FileByteSource } from '../formats/node-source.ts';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, parsePeftConfig, readPeftWeights } from '../formats/peft.ts';
import { openSafetensors } from '../formats/safetensors.ts';
import type { TabTokenizer } from '../formats/tokenizer.ts';
import { UsageError } from './errors.ts';

export interface LoadedModel {
  path: string;
  config: ModelConfig;
  /** Linear weights in `baseDtype` (converted while reading), the rest f32. */
  weights: BaseWeightMap;
  /** The storage type that "native" maps to for this checkpoint. */
  nativeDtype: BaseDtype;
  /** The storage type the linear weights are held in (LoadOptions.baseDtype, `native` resolved). */
  baseDtype: BaseDtype;
  tokenizer: TabTokenizer | null;
  warnings: string[];
}

/** How to reach remote models (only used when the model argument is not a local path). */
export interface RemoteLoadOptions {
  /** Hub or mirror base URL (--hub-base); default $TABTUNE_HUB_BASE, else https://huggingface.co. */
  hubBase?: string;
  /** Download cache; default a directory cache in $TABTUNE_CACHE_DIR or ~/.cache/tabtune. */
  cache?: FileCache | null;
  /** Download progress; default lines on stderr. */
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface LoadOptions extends RemoteLoadOptions {
  /** The base storage type the linear weights are converted to while reading (default f32). */
  baseDtype?: BaseDtypeChoice;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new FormatError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** A model directory on disk as a ModelFileSet; close() closes every file it opened. */
function dirFileSet(dir: string): ModelFileSet & { close(): Promise<void> } {
  const opened: FileByteSource[] = [];
  return {
    name: dir,
    where: (f) => join(dir, f),
    has: async (f) => existsSync(join(dir, f)),
    readText: (f) => readText(join(dir, f)),
    async open(f) {
      const src = await openFileSource(join(dir, f));
      opened.push(src);
      return src;
    },
    async close() {
      for (const s of opened.splice(0)) await s.close();
    },
  };
}

export async function loadModelFromPath(path: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const dtype = opts.baseDtype ?? 'f32';
  if (!existsSync(path)) {
    const remote = parseModelSource(path);
    if (remote) return loadRemote(path, remote, opts);
    throw new UsageError(`${path}: no such file or directory`);
  }
  if (statSync(path).isDirectory()) {
    const files = dirFileSet(path);
    try {
      return { path, ...(await buildHfModel(files, dtype)) };
    } finally {
      await files.close();
    }
  }
  if (!path.endsWith('.gguf')) throw new UsageError(`${path}: expected a .gguf file or a directory with config.json and *.safetensors`);
  const src = await openFileSource(path);
  try {
    return { path, ...(await buildGgufModel(src, dtype)) };
  } finally {
    await src.close();
  }
}

/** stderr progress: one line per finished file; on a terminal also a live byte count. */
function stderrProgress(): (p: DownloadProgress) => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return (p) => {
    if (p.phase === 'done') {
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}${p.file}: ${mb(p.loaded)}${last < 0 ? ' (cached)' : ''}\n`);
      last = 0;
    } else if (p.phase === 'read') last = -1;
    else if (tty && Date.now() - last > 200) {
      last = Date.now();
      process.stderr.write(`\r\x1b[Kdownloading ${p.file}: ${mb(p.loaded)}${p.total !== null ? ` / ${mb(p.total)}` : ''}`);
    }
  };
}

async function loadRemote(path: string, source: ModelSource, opts: LoadOptions): Promise<LoadedModel> {
  const baseUrl = opts.hubBase ?? process.env.TABTUNE_HUB_BASE ?? DEFAULT_HUB_BASE;
  if (source.kind === 'hub' && !/^https?:\/\/[^/]/i.test(baseUrl)) throw new UsageError(`--hub-base must be an http(s) URL (got "${baseUrl}")`);
  let built: BuiltModel;
  try {
    const remote = await loadRemoteModel(source, {
      baseUrl,
      cache: opts.cache === undefined ? nodeDirCache() : opts.cache,
      onProgress: opts.onProgress ?? stderrProgress(),
      signal: opts.signal,
      token: process.env.HF_TOKEN || undefined,
      onWarning: (w) => process.stderr.write(`tabtune: warning: ${w}\n`),
    });
    try {
      built = await remote.build(opts.baseDtype ?? 'f32');
    } finally {
      await remote.close(); // the weights were read from the cache by ranges; the handles go now
    }
  } catch (e) {
    // A model that is not there, or not ours to read, is bad input (exit 2); a network failure is not.
    if (e instanceof Error && e.name === 'HubError' && ((e as { reason?: string }).reason === 'not-found' || (e as { reason?: string }).reason === 'gated')) {
      throw new UsageError(`${path}: not a local path, and ${e.message}`);
    }
    throw e;
  }
  return { path, ...built };
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
    const meta = await readAdapterMeta(dir);
    return { config, params, meta };
  } finally {
    await src.close();
  }
}

/**
 * A PROMPT_TUNING / PREFIX_TUNING adapter directory (PEFT layout, formats/peft-prompt.ts), or null when
 * `dir` holds another adapter type (LoRA: loadAdapterFromDir).
 */
export async function loadSoftPromptFromDir(dir: string, model: ModelConfig): Promise<{ config: SoftPromptConfig; values: Float32Array; meta: Record<string, unknown> | null } | null> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: not an adapter directory`);
  const cfgPath = join(dir, ADAPTER_CONFIG), wPath = join(dir, ADAPTER_WEIGHTS);
  if (!existsSync(cfgPath)) throw new FormatError(dir, `${ADAPTER_CONFIG} is missing`);
  const text = await readText(cfgPath);
  if (!isSoftPromptPeftType(peftTypeOf(text))) return null;
  if (!existsSync(wPath)) throw new FormatError(dir, `${ADAPTER_WEIGHTS} is missing`);
  const src = await openFileSource(wPath);
  try {
    const sp = await readSoftPromptAdapter(text, await openSafetensors(src), model, cfgPath);
    const meta = await readAdapterMeta(dir);
    return { ...sp, meta };
  } finally {
    await src.close();
  }
}

/** --base-dtype as given (default native), checked; pass it to loadModelFromPath, which resolves native. */
export function parseBaseDtypeChoice(s: string | undefined): BaseDtypeChoice {
  const v = s ?? 'native';
  if (v === 'native' || (BASE_DTYPES as readonly string[]).includes(v)) return v as BaseDtypeChoice;
  throw new UsageError(`--base-dtype must be native, ${BASE_DTYPES.join(', ')} (got "${v}")`);
}

/** --base-dtype resolved against a checkpoint's native type (for a model loaded before the choice is known). */
export function parseBaseDtype(s: string | undefined, native: BaseDtype): BaseDtype {
  const v = parseBaseDtypeChoice(s);
  return v === 'native' ? native : v;
}

/** An adapter directory's tabtune.json (recipe, template, data hash), or null when it has none. */
async function readAdapterMeta(dir: string): Promise<Record<string, unknown> | null> {
  const metaPath = join(dir, 'tabtune.json');
  if (!existsSync(metaPath)) return null;
  try {
    return JSON.parse(await readText(metaPath)) as Record<string, unknown>;
  } catch {
    throw new FormatError(metaPath, 'not valid JSON');
  }
}
