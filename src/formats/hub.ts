// Downloading models from the Hugging Face Hub (or a mirror) or a plain URL, with progress events,
// cancellation and a cache, for both the browser worker and the Node CLI.
//
//   resolveUrl        a Hub id / URL + file name → the URL to fetch (`{base}/{id}/resolve/{rev}/{file}`)
//   fetchFile         one file: cache first, else a streamed download with progress; verified length
//   loadRemoteModel   every file a model needs (HF layout or one .gguf) → bytes + a build() of the model
//   FileCache         where finished downloads are kept, keyed by URL: memoryCache(), cacheApiCache()
//                     (browser Cache API) here, nodeDirCache() in node-cache.ts
//
// Is: platform-neutral (global fetch, ReadableStream, no node:* imports). Is not: a partial/Range
// downloader — whole files are fetched, as transformers.js does — nor a streaming-to-disk writer:
// each file is held in memory once, which is what the parsers then read.
//
// The cache only ever receives a complete, length-checked file, so a cancelled or failed download
// leaves no entry. A 404 for an optional file is cached too (an empty entry under `absent:` + URL, as
// huggingface_hub's `.no_exist`), so a second load of the same model makes no requests at all.
// Entries are keyed by URL, so a revision like `main` is not re-checked once cached; pin a commit
// hash as the revision, or delete the entry, to pick up changes.

import { buildGgufModel, buildHfModel, HF_FILES, memoryFileSet, shardFiles, type BuiltModel, type ModelFileSet } from './model-loader.ts';
import { bytesSource } from './source.ts';

export const DEFAULT_HUB_BASE = 'https://huggingface.co';

/** Where a model comes from: a Hub repo (at a branch, tag or commit), or a URL (a .gguf file or a directory). */
export type ModelSource = { kind: 'hub'; id: string; revision?: string } | { kind: 'url'; url: string };

export interface DownloadProgress {
  file: string;
  url: string;
  /** Bytes received so far (never decreases within one file). */
  loaded: number;
  /** Content-Length when the server sent one (and the body is not compressed), else null. */
  total: number | null;
  /** 'download': bytes arriving from the network; 'read': served from the cache; 'done': the file is complete. */
  phase: 'download' | 'read' | 'done';
}

/** Finished downloads, keyed by URL. get() returns null when absent. */
export interface FileCache {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

export type HubErrorReason = 'not-found' | 'gated' | 'http' | 'network' | 'truncated' | 'bad-source';

/** A download that failed. Branch on `err.name === 'HubError'` and `err.reason`. */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    message: string,
    readonly reason: HubErrorReason,
    readonly url: string,
    readonly file: string,
    /** The HTTP status, when the server answered. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** The error a cancelled download throws: `name === 'AbortError'`, as fetch's own. */
export function downloadCancelled(file: string, url: string): Error {
  const e = new Error(`${file}: download cancelled (${url})`);
  e.name = 'AbortError';
  return e;
}

// --- sources and URLs ---------------------------------------------------------------------------

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/**
 * `owner/name` or `owner/name@revision` → a Hub source; an http(s) URL → a URL source; anything else
 * (a local path, say) → null.
 */
export function parseModelSource(s: string): ModelSource | null {
  if (/^https?:\/\//i.test(s)) return { kind: 'url', url: s };
  const at = s.indexOf('@');
  const id = at < 0 ? s : s.slice(0, at);
  const revision = at < 0 ? undefined : s.slice(at + 1);
  if (!HUB_ID.test(id) || id.split('/').some((p) => p === '.' || p === '..' || p.includes('..'))) return null;
  if (revision !== undefined && !/^[\w.\/-]+$/.test(revision)) return null;
  return revision === undefined ? { kind: 'hub', id } : { kind: 'hub', id, revision };
}

/** The source as a user would write it, for messages. */
export function sourceName(source: ModelSource): string {
  return source.kind === 'url' ? source.url : source.revision ? `${source.id}@${source.revision}` : source.id;
}

const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/**
 * The URL of `file` in `source`: `${base}/${id}/resolve/${revision ?? 'main'}/${file}` for the Hub
 * (base: huggingface.co, a mirror, or a local server), `${url}/${file}` for a URL directory.
 */
export function resolveUrl(source: ModelSource, file: string, baseUrl: string = DEFAULT_HUB_BASE): string {
  if (source.kind === 'url') return source.url.replace(/\/+$/, '') + '/' + encodePath(file);
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/${source.id}/resolve/${encodeURIComponent(source.revision ?? 'main')}/${encodePath(file)}`;
}

/** Whether a URL names a single .gguf file (the path ends in .gguf; a query string is ignored). */
export function isGgufUrl(url: string): boolean {
  try {
    return new URL(url).pathname.toLowerCase().endsWith('.gguf');
  } catch {
    return false;
  }
}

// --- one file -----------------------------------------------------------------------------------

export interface FetchOptions {
  /** Where finished downloads are kept; null/undefined: no caching. */
  cache?: FileCache | null;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** The file's name for progress and messages (default: the last path segment of the URL). */
  file?: string;
  /** A Hugging Face access token, sent as `Authorization: Bearer` (for gated or private repos). */
  token?: string;
  /** Told about non-fatal problems (a cache that refused a write). Default: none. */
  onWarning?: (message: string) => void;
}

function fileOfUrl(url: string): string {
  try {
    const segs = new URL(url).pathname.split('/');
    return decodeURIComponent(segs[segs.length - 1] || url);
  } catch {
    return url;
  }
}

const ABSENT = 'absent:';

function describeCause(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

/**
 * The whole file at `url`: from the cache when it is there (phase 'read'), else downloaded as a stream
 * (phase 'download', one event per chunk) and, once complete and length-checked, stored in the cache.
 * Ends with one 'done' event. Throws a HubError (not found, gated, other HTTP status, network failure,
 * truncated body) or, when `signal` aborts, an error named 'AbortError'.
 */
export async function fetchFile(url: string, opts: FetchOptions = {}): Promise<Uint8Array> {
  const file = opts.file ?? fileOfUrl(url);
  const { cache, onProgress, signal } = opts;
  if (signal?.aborted) throw downloadCancelled(file, url);
  const hit = cache ? await cache.get(url) : null;
  if (hit) {
    onProgress?.({ file, url, loaded: hit.length, total: hit.length, phase: 'read' });
    onProgress?.({ file, url, loaded: hit.length, total: hit.length, phase: 'done' });
    return hit;
  }

  let res: Response;
  try {
    res = await fetch(url, { signal, headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : undefined });
  } catch (e) {
    if (signal?.aborted) throw downloadCancelled(file, url);
    throw new HubError(`${file}: cannot reach ${originOf(url)} (${describeCause(e)}); check the network, or use a mirror or a local copy`, 'network', url, file);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw httpError(res.status, res.statusText, file, url);
  }

  // Content-Length counts the bytes on the wire. When the body is compressed (Content-Encoding), the
  // decoded stream is longer, so the length cannot be checked. Browsers may hide Content-Encoding
  // from cross-origin scripts, so only a short body (fewer bytes than announced) is an error: a
  // decoded body is never shorter than its compressed form for files worth compressing.
  const len = res.headers.get('content-length');
  const encoding = res.headers.get('content-encoding');
  const total = len !== null && /^\d+$/.test(len) && (!encoding || encoding === 'identity') ? Number(len) : null;

  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ file, url, loaded: 0, total, phase: 'download' });
  if (res.body) {
    const reader = res.body.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        onProgress?.({ file, url, loaded, total, phase: 'download' });
      }
      finished = true;
    } catch (e) {
      if (signal?.aborted) throw downloadCancelled(file, url);
      throw new HubError(`${file}: the download broke off after ${loaded}${total !== null ? ` of ${total}` : ''} bytes (${describeCause(e)}) from ${url}`, total !== null && loaded < total ? 'truncated' : 'network', url, file, res.status);
    } finally {
      if (!finished) await reader.cancel().catch(() => {});
    }
  }
  if (signal?.aborted) throw downloadCancelled(file, url);
  if (total !== null && loaded < total) {
    throw new HubError(`${file}: the download is truncated: ${loaded} of ${total} bytes arrived from ${url}`, 'truncated', url, file, res.status);
  }

  const bytes = concat(chunks, loaded);
  if (cache) {
    try {
      await cache.put(url, bytes);
    } catch (e) {
      opts.onWarning?.(`${file}: not cached (${(e as Error).message ?? e})`);
    }
  }
  onProgress?.({ file, url, loaded, total: loaded, phase: 'done' });
  return bytes;
}

/**
 * Like fetchFile, but a 404 gives null instead of an error (for optional files such as
 * tokenizer_config.json). The absence is cached, so a later load does not ask again.
 */
export async function fetchOptionalFile(url: string, opts: FetchOptions = {}): Promise<Uint8Array | null> {
  if (opts.cache && (await opts.cache.get(ABSENT + url)) !== null) return null;
  try {
    return await fetchFile(url, opts);
  } catch (e) {
    if (e instanceof HubError && e.reason === 'not-found') {
      await opts.cache?.put(ABSENT + url, new Uint8Array(0)).catch(() => {});
      return null;
    }
    throw e;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function httpError(status: number, statusText: string, file: string, url: string): HubError {
  if (status === 404) return new HubError(`${file} not found at ${url}`, 'not-found', url, file, status);
  if (status === 401 || status === 403) {
    return new HubError(
      `${file}: access denied (HTTP ${status}) at ${url}: the model is gated or private; accept its terms on the Hub and supply an access token (HF_TOKEN), or load it from a mirror or a local copy`,
      'gated', url, file, status,
    );
  }
  return new HubError(`${file}: HTTP ${status}${statusText ? ` ${statusText}` : ''} from ${url}`, 'http', url, file, status);
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  if (chunks.length === 1 && chunks[0].length === n) return chunks[0];
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// --- caches -------------------------------------------------------------------------------------

/** An in-memory cache (tests; or a session that should not touch storage). */
export function memoryCache(): FileCache & { keys(): string[] } {
  const m = new Map<string, Uint8Array>();
  return {
    get: async (k) => m.get(k) ?? null,
    put: async (k, b) => void m.set(k, b.slice()),
    delete: async (k) => void m.delete(k),
    keys: () => [...m.keys()],
  };
}

export const BROWSER_CACHE_NAME = 'tabtune-models';

/** The browser Cache API (window or worker): `caches.open('tabtune-models')`, one Response per URL. */
export function cacheApiCache(name: string = BROWSER_CACHE_NAME, storage: CacheStorage | undefined = globalThis.caches): FileCache {
  if (!storage) throw new Error('the Cache API is not available here (it needs a secure context: https or localhost)');
  const open = () => storage.open(name);
  return {
    async get(key) {
      const r = await (await open()).match(key);
      return r ? new Uint8Array(await r.arrayBuffer()) : null;
    },
    async put(key, bytes) {
      const body = new Blob([bytes as Uint8Array<ArrayBuffer>]);
      await (await open()).put(key, new Response(body, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) } }));
    },
    async delete(key) {
      await (await open()).delete(key);
    },
  };
}

// --- a whole model ------------------------------------------------------------------------------

export interface RemoteOptions {
  /** The Hub (or mirror) base URL; ignored for URL sources. Default https://huggingface.co. */
  baseUrl?: string;
  cache?: FileCache | null;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  token?: string;
  onWarning?: (message: string) => void;
}

export interface RemoteModel {
  source: ModelSource;
  /** The source as the user wrote it. */
  name: string;
  format: 'safetensors' | 'gguf';
  /** Every downloaded file by name (config.json, model.safetensors, shards, tokenizer files; or the .gguf). */
  files: Map<string, Uint8Array>;
  /** The same files for the parsers: text and bytes-backed ByteSources named by URL. */
  fileSet: ModelFileSet;
  /** Parse the downloaded files into a model (the same code path as a local directory or .gguf). */
  build(): Promise<BuiltModel>;
}

/**
 * Download everything a model needs. HF layout: config.json (required), model.safetensors or else
 * model.safetensors.index.json and its shards (one of the two required), then tokenizer.json,
 * tokenizer_config.json and chat_template.jinja when present. A URL ending in .gguf: that one file.
 * Files are fetched one after another, each with its own progress events.
 */
export async function loadRemoteModel(source: ModelSource, opts: RemoteOptions = {}): Promise<RemoteModel> {
  const name = sourceName(source);
  const base = opts.baseUrl ?? DEFAULT_HUB_BASE;
  const url = (file: string) => resolveUrl(source, file, base);
  const fo = (file: string): FetchOptions => ({ cache: opts.cache, onProgress: opts.onProgress, signal: opts.signal, token: opts.token, onWarning: opts.onWarning, file });
  const files = new Map<string, Uint8Array>();

  if (source.kind === 'url' && isGgufUrl(source.url)) {
    const file = fileOfUrl(source.url);
    const bytes = await fetchFile(source.url, fo(file));
    files.set(file, bytes);
    return { source, name, format: 'gguf', files, fileSet: memoryFileSet(name, files, () => source.url), build: () => buildGgufModel(bytesSource(bytes, source.url)) };
  }
  if (source.kind === 'url' && !/^https?:\/\//i.test(source.url)) {
    throw new HubError(`${source.url}: not an http(s) URL`, 'bad-source', source.url, '');
  }

  files.set(HF_FILES.config, await fetchFile(url(HF_FILES.config), fo(HF_FILES.config)));
  const single = await fetchOptionalFile(url(HF_FILES.weights), fo(HF_FILES.weights));
  if (single) files.set(HF_FILES.weights, single);
  else {
    const index = await fetchOptionalFile(url(HF_FILES.index), fo(HF_FILES.index));
    if (!index) {
      throw new HubError(`${name}: neither ${HF_FILES.weights} nor ${HF_FILES.index} was found at ${url('')}`, 'not-found', url(HF_FILES.weights), HF_FILES.weights, 404);
    }
    files.set(HF_FILES.index, index);
    for (const shard of shardFiles(new TextDecoder().decode(index), url(HF_FILES.index))) {
      files.set(shard, await fetchFile(url(shard), fo(shard)));
    }
  }
  for (const f of [HF_FILES.tokenizer, HF_FILES.tokenizerConfig, HF_FILES.chatTemplate]) {
    const b = await fetchOptionalFile(url(f), fo(f));
    if (b) files.set(f, b);
  }
  const fileSet = memoryFileSet(name, files, url);
  return { source, name, format: 'safetensors', files, fileSet, build: () => buildHfModel(fileSet) };
}
