// Downloading models from the Hugging Face Hub (or a mirror) or a plain URL, with progress events,
// cancellation and a cache, for both the browser worker and the Node CLI.
//
//   resolveUrl        a Hub id / URL + file name → the URL to fetch (`{base}/{id}/resolve/{rev}/{file}`)
//   fetchFile         one file: cache first, else a streamed download with progress; verified length
//   fetchSource       the same for big files, as a ByteSource that a streaming cache serves by ranges
//   loadRemoteModel   every file a model needs (HF layout or one .gguf) → bytes + a build() of the model
//   FileCache         where finished downloads are kept, keyed by URL: memoryCache(), cacheApiCache()
//                     (browser Cache API) here, nodeDirCache() in node-cache.ts
//
// Is: platform-neutral (global fetch, ReadableStream, no node:* imports). Is not: a Range downloader.
// Small files (config, tokenizer) are fetched whole into memory. Weights (model.safetensors, shards,
// a .gguf) go through fetchSource: with a streaming cache (nodeDirCache, cacheApiCache) the download is
// written to the cache entry chunk by chunk and the parsers then read that entry by ranges (a file on
// disk, a disk-backed Blob), one tensor at a time; with any other cache, or none, the file is held in
// memory once (one buffer of the announced length, never the chunks and a joined copy side by side).
//
// The cache only ever receives a complete, length-checked file, so a cancelled or failed download
// leaves no entry. A 404 for an optional file is cached too (an empty entry under `absent:` + URL, as
// huggingface_hub's `.no_exist`), so a second load of the same model makes no requests at all.
// Entries are keyed by URL, so a revision like `main` is not re-checked once cached; pin a commit
// hash as the revision, or delete the entry, to pick up changes.

import type { BaseDtypeChoice } from '../engine/quant.ts';
import { FormatError } from './errors.ts';
import { buildGgufModel, buildHfModel, HF_FILES, shardFiles, sourceFileSet, type BuiltModel, type ModelFileSet } from './model-loader.ts';
import { blobSource, bytesSource, readAll, type ByteSource } from './source.ts';

export { readAll };

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
  /**
   * Optional, with putStream (a "streaming" cache): the entry as a random-access source that reads it
   * by ranges, never whole; null when absent. `name` names the source in messages.
   */
  openSource?(key: string, name: string): Promise<ByteSource | null>;
  /**
   * Optional: store an entry from chunks as they arrive. If `chunks` throws, nothing is stored and the
   * promise rejects. `size` is the expected length when known.
   */
  putStream?(key: string, chunks: AsyncIterable<Uint8Array>, size: number | null): Promise<void>;
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

/** A response whose body is about to be read: `total` is the checked Content-Length, or null. */
interface Download {
  res: Response;
  total: number | null;
  file: string;
  url: string;
}

/** Request `url`; HTTP and network failures become HubErrors, an abort an AbortError. */
async function startDownload(url: string, file: string, opts: FetchOptions): Promise<Download> {
  const { signal } = opts;
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
  return { res, total, file, url };
}

/**
 * The body's chunks as they arrive, with a 'download' progress event per chunk; ends with a
 * length check. Throws HubError ('truncated' / 'network') or AbortError; cancels the body when the
 * consumer stops early.
 */
async function* downloadChunks(d: Download, opts: FetchOptions): AsyncGenerator<Uint8Array, number> {
  const { res, total, file, url } = d;
  const { onProgress, signal } = opts;
  let loaded = 0;
  onProgress?.({ file, url, loaded: 0, total, phase: 'download' });
  if (res.body) {
    const reader = res.body.getReader();
    let finished = false;
    try {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          if (signal?.aborted) throw downloadCancelled(file, url);
          throw new HubError(`${file}: the download broke off after ${loaded}${total !== null ? ` of ${total}` : ''} bytes (${describeCause(e)}) from ${url}`, total !== null && loaded < total ? 'truncated' : 'network', url, file, res.status);
        }
        if (r.done) break;
        loaded += r.value.length;
        onProgress?.({ file, url, loaded, total, phase: 'download' });
        yield r.value;
      }
      finished = true;
    } finally {
      if (!finished) await reader.cancel().catch(() => {});
    }
  }
  if (signal?.aborted) throw downloadCancelled(file, url);
  if (total !== null && loaded < total) {
    throw new HubError(`${file}: the download is truncated: ${loaded} of ${total} bytes arrived from ${url}`, 'truncated', url, file, res.status);
  }
  return loaded;
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
  const d = await startDownload(url, file, opts);
  // With a known length the chunks go straight into one buffer (never the file twice in memory);
  // otherwise (or past an announced length) they are collected and joined once at the end.
  const whole = d.total !== null ? new Uint8Array(d.total) : null;
  const chunks: Uint8Array[] = [];
  let inWhole = 0;
  let loaded = 0;
  for await (const value of downloadChunks(d, opts)) {
    if (whole && chunks.length === 0 && loaded + value.length <= whole.length) {
      whole.set(value, loaded);
      inWhole = loaded + value.length;
    } else chunks.push(value);
    loaded += value.length;
  }
  const bytes = whole && chunks.length === 0 && loaded === whole.length ? whole : concat(whole ? [whole.subarray(0, inWhole), ...chunks] : chunks, loaded);
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
 * The file at `url` as a random-access ByteSource named by the URL, for big files (weights, shards, a
 * .gguf). With a streaming cache (openSource + putStream: nodeDirCache, cacheApiCache) the download goes
 * chunk by chunk into the cache entry and the source then reads that entry by ranges (a file on disk;
 * a disk-backed Blob in the browser), so the file is never held in memory whole. Other caches, or none:
 * the whole file in memory, as fetchFile. Same progress events and errors as fetchFile.
 */
export async function fetchSource(url: string, opts: FetchOptions = {}): Promise<ByteSource> {
  const file = opts.file ?? fileOfUrl(url);
  const { cache, onProgress, signal } = opts;
  if (!cache?.openSource || !cache.putStream) return bytesSource(await fetchFile(url, opts), url);
  if (signal?.aborted) throw downloadCancelled(file, url);
  const hit = await cache.openSource(url, url);
  if (hit) {
    onProgress?.({ file, url, loaded: hit.size, total: hit.size, phase: 'read' });
    onProgress?.({ file, url, loaded: hit.size, total: hit.size, phase: 'done' });
    return hit;
  }
  const d = await startDownload(url, file, opts);
  let downloadError: unknown = null;
  let loaded = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const c of downloadChunks(d, opts)) {
        loaded += c.length;
        yield c;
      }
    } catch (e) {
      downloadError = e;
      throw e;
    }
  }
  try {
    await cache.putStream(url, chunks(), d.total);
  } catch (e) {
    if (downloadError !== null) throw downloadError; // the download failed: the cache stored nothing
    // The cache refused (disk full, quota): keep going in memory, as fetchFile would.
    opts.onWarning?.(`${file}: not cached (${(e as Error).message ?? e}); holding it in memory instead`);
    await d.res.body?.cancel().catch(() => {});
    return bytesSource(await fetchFile(url, { ...opts, cache: null }), url);
  }
  const src = await cache.openSource(url, url);
  if (!src || src.size !== loaded) {
    throw new HubError(`${file}: the cache did not keep the ${loaded} bytes just downloaded from ${url}`, 'http', url, file);
  }
  onProgress?.({ file, url, loaded, total: loaded, phase: 'done' });
  return src;
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

/** fetchSource for an optional file: a 404 gives null (remembered in the cache, as fetchOptionalFile). */
export async function fetchOptionalSource(url: string, opts: FetchOptions = {}): Promise<ByteSource | null> {
  if (opts.cache && (await opts.cache.get(ABSENT + url)) !== null) return null;
  try {
    return await fetchSource(url, opts);
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

/**
 * The browser Cache API (window or worker): `caches.open('tabtune-models')`, one Response per URL.
 * Streaming: putStream hands the download to Cache.put as a stream (the worker never holds the file),
 * openSource reads an entry as a Blob (disk-backed in browsers) by slices.
 */
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
    async openSource(key, sourceName) {
      const r = await (await open()).match(key);
      return r ? blobSource(await r.blob(), sourceName) : null;
    },
    async putStream(key, chunks, size) {
      const it = chunks[Symbol.asyncIterator]();
      const body = new ReadableStream<Uint8Array>({
        async pull(ctl) {
          try {
            const r = await it.next();
            if (r.done) ctl.close();
            else ctl.enqueue(r.value);
          } catch (e) {
            ctl.error(e);
          }
        },
        async cancel(reason) {
          await it.return?.(reason);
        },
      });
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (size !== null) headers['content-length'] = String(size);
      await (await open()).put(key, new Response(body as ReadableStream<Uint8Array<ArrayBuffer>>, { headers }));
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
  /**
   * Every file by name (config.json, model.safetensors, shards, tokenizer files; or the .gguf), as
   * sources named by URL. Weights read their cache entry by ranges when the cache streams (see
   * fetchSource); small files are bytes in memory.
   */
  files: Map<string, ByteSource>;
  /** The same files for the parsers. */
  fileSet: ModelFileSet;
  /**
   * Parse the downloaded files into a model (the same code path as a local directory or .gguf), its
   * linear weights stored as `baseDtype` (default f32) while they are read.
   */
  build(baseDtype?: BaseDtypeChoice): Promise<BuiltModel>;
  /** Release what the sources hold open (file handles of a directory cache). Idempotent. */
  close(): Promise<void>;
}


async function closeAll(files: Map<string, ByteSource>): Promise<void> {
  for (const s of files.values()) {
    const c = (s as Partial<{ close(): Promise<void> }>).close;
    if (typeof c === 'function') await c.call(s).catch(() => {});
  }
}

/**
 * Download everything a model needs. HF layout: config.json (required), model.safetensors or else
 * model.safetensors.index.json and its shards (one of the two required), then tokenizer.json,
 * tokenizer_config.json and chat_template.jinja when present. A URL ending in .gguf: that one file.
 * Files are fetched one after another, each with its own progress events. Weights go through
 * fetchSource (streamed into a streaming cache, then read by ranges); call close() when done.
 */
export async function loadRemoteModel(source: ModelSource, opts: RemoteOptions = {}): Promise<RemoteModel> {
  const name = sourceName(source);
  const base = opts.baseUrl ?? DEFAULT_HUB_BASE;
  const url = (file: string) => resolveUrl(source, file, base);
  const fo = (file: string): FetchOptions => ({ cache: opts.cache, onProgress: opts.onProgress, signal: opts.signal, token: opts.token, onWarning: opts.onWarning, file });
  const files = new Map<string, ByteSource>();
  const small = async (u: string, file: string, optional: boolean): Promise<ByteSource | null> => {
    const b = optional ? await fetchOptionalFile(u, fo(file)) : await fetchFile(u, fo(file));
    return b && bytesSource(b, u);
  };
  const close = () => closeAll(files);

  try {
    if (source.kind === 'url' && isGgufUrl(source.url)) {
      const file = fileOfUrl(source.url);
      const src = await fetchSource(source.url, fo(file));
      files.set(file, src);
      return { source, name, format: 'gguf', files, fileSet: sourceFileSet(name, files, () => source.url), build: (d: BaseDtypeChoice = 'f32') => buildGgufModel(src, d), close };
    }
    if (source.kind === 'url' && !/^https?:\/\//i.test(source.url)) {
      throw new HubError(`${source.url}: not an http(s) URL`, 'bad-source', source.url, '');
    }

    files.set(HF_FILES.config, (await small(url(HF_FILES.config), HF_FILES.config, false))!);
    const single = await fetchOptionalSource(url(HF_FILES.weights), fo(HF_FILES.weights));
    if (single) files.set(HF_FILES.weights, single);
    else {
      const index = await small(url(HF_FILES.index), HF_FILES.index, true);
      if (!index) {
        throw new HubError(`${name}: neither ${HF_FILES.weights} nor ${HF_FILES.index} was found at ${url('')}`, 'not-found', url(HF_FILES.weights), HF_FILES.weights, 404);
      }
      files.set(HF_FILES.index, index);
      for (const shard of shardFiles(new TextDecoder().decode(await readAll(index)), url(HF_FILES.index))) {
        files.set(shard, await fetchSource(url(shard), fo(shard)));
      }
    }
    for (const f of [HF_FILES.tokenizer, HF_FILES.tokenizerConfig, HF_FILES.chatTemplate]) {
      const b = await small(url(f), f, true);
      if (b) files.set(f, b);
    }
  } catch (e) {
    await close();
    throw e;
  }
  const fileSet = sourceFileSet(name, files, url);
  return { source, name, format: 'safetensors', files, fileSet, build: (d: BaseDtypeChoice = 'f32') => buildHfModel(fileSet, d), close };
}
