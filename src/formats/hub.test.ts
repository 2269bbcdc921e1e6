// hub.ts against a local HTTP server on 127.0.0.1 serving fixture models (no network beyond this
// machine): progress, caching, cancellation, truncation, HTTP errors, sharded checkpoints, .gguf URLs,
// and the CLI loading a Hub id through --hub-base.
//
// Server routes: /{mode}/{owner}/{repo}/resolve/{rev}/{file} (a Hub layout; `mode` is part of the base
// URL) and /files/{file} (plain URLs). Modes: hub (normal), slow (model.safetensors dribbles out in
// 4 KiB chunks), trunc (model.safetensors stops halfway and the socket is destroyed), gated (401).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CONFIG, makeFixtures } from '../../scripts/make-fixtures.ts';
import { loadModelFromPath } from '../cli/load.ts';
import { byteLevelTokenizerJson } from '../data/test-fixtures.ts';
import { randomWeights, tensorF32 } from '../engine/weights.ts';
import {
  cacheApiCache, fetchFile, HubError, loadRemoteModel, memoryCache, parseModelSource, readAll, resolveUrl,
  type DownloadProgress, type FileCache,
} from './hub.ts';
import { cacheFileName, defaultCacheDir, nodeDirCache } from './node-cache.ts';
import { writeSafetensors } from './safetensors.ts';

const SEED = 7;
const CHUNK = 4096;
const TEMPLATE = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}";

let root = '';
let server: Server;
let origin = '';
const requests: string[] = [];
const repos: Record<string, string> = {};

function serve(): Promise<void> {
  server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    requests.push(path);
    let file: string | undefined;
    let mode = 'hub';
    const m = /^\/(\w+)\/([\w.-]+)\/([\w.-]+)\/resolve\/([\w.-]+)\/(.+)$/.exec(path);
    if (m) {
      mode = m[1];
      const dir = repos[`${m[2]}/${m[3]}`];
      if (dir && m[4] === 'main') file = join(dir, m[5]);
    } else if (path.startsWith('/files/')) file = join(repos['tt/tiny'], path.slice('/files/'.length));
    if (mode === 'gated') {
      res.writeHead(401).end('gated');
      return;
    }
    if (!file || file.includes('..') || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const bytes = readFileSync(file);
    res.writeHead(200, { 'content-length': String(bytes.length), 'content-type': 'application/octet-stream' });
    const big = file.endsWith('model.safetensors');
    if (mode === 'slow' && big) {
      // A bounded dribble: at most bytes/CHUNK + 1 writes, stopped as soon as the client goes away.
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed || at >= bytes.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(bytes.subarray(at, at + CHUNK));
        at += CHUNK;
      }, 4);
      res.on('close', () => clearInterval(timer));
    } else if (mode === 'trunc' && big) {
      res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
    } else res.end(bytes);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}

const base = (mode: string) => `${origin}/${mode}`;
const TINY = { kind: 'hub', id: 'tt/tiny' } as const;
const sizeOf = (repo: string, f: string) => readFileSync(join(repos[repo], f)).length;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tabtune-hub-'));
  // tt/tiny: HF layout + tokenizer.json + chat_template.jinja (no tokenizer_config.json), and the GGUFs
  const tiny = join(root, 'tiny');
  await makeFixtures(tiny, SEED);
  writeFileSync(join(tiny, 'tokenizer.json'), byteLevelTokenizerJson());
  writeFileSync(join(tiny, 'chat_template.jinja'), TEMPLATE);
  // tt/sharded: the same weights in two shards with an index; no tokenizer
  const sharded = join(root, 'sharded');
  mkdirSync(sharded);
  writeFileSync(join(sharded, 'config.json'), readFileSync(join(tiny, 'config.json')));
  const w = [...randomWeights(FIXTURE_CONFIG, SEED)];
  const half = w.length >> 1;
  const weightMap: Record<string, string> = {};
  const shards = [w.slice(0, half), w.slice(half)].map((part, i) => {
    const f = `model-0000${i + 1}-of-00002.safetensors`;
    for (const [name] of part) weightMap[name] = f;
    writeFileSync(join(sharded, f), writeSafetensors(part.map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, data: t.data }))));
    return f;
  });
  writeFileSync(join(sharded, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  // tt/noweights: a config and nothing else
  const noweights = join(root, 'noweights');
  mkdirSync(noweights);
  writeFileSync(join(noweights, 'config.json'), readFileSync(join(tiny, 'config.json')));
  Object.assign(repos, { 'tt/tiny': tiny, 'tt/sharded': sharded, 'tt/noweights': noweights });
  expect(shards).toHaveLength(2);
  await serve();
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** Progress events grouped by file. */
function recorder() {
  const events: DownloadProgress[] = [];
  const byFile = () => {
    const m = new Map<string, DownloadProgress[]>();
    for (const e of events) m.set(e.file, [...(m.get(e.file) ?? []), e]);
    return m;
  };
  return { events, byFile, onProgress: (p: DownloadProgress) => void events.push(p) };
}

/** The error `p` rejects with (fails the test if it resolves). */
async function failure<E extends Error = HubError>(p: Promise<unknown>): Promise<E> {
  const r = await p.then(() => null, (e: E) => e);
  if (r === null) throw new Error('expected a rejection');
  return r;
}

const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('resolveUrl / parseModelSource', () => {
  it('builds Hub resolve URLs with a configurable base, and URL-directory URLs', () => {
    expect(resolveUrl({ kind: 'hub', id: 'HuggingFaceTB/SmolLM2-135M-Instruct' }, 'config.json')).toBe('https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/main/config.json');
    expect(resolveUrl({ kind: 'hub', id: 'a/b', revision: 'v1.0' }, 'model.safetensors', 'http://127.0.0.1:9/mirror/')).toBe('http://127.0.0.1:9/mirror/a/b/resolve/v1.0/model.safetensors');
    expect(resolveUrl({ kind: 'hub', id: 'a/b', revision: 'refs/pr/1' }, 'x y.json')).toBe('https://huggingface.co/a/b/resolve/refs%2Fpr%2F1/x%20y.json');
    expect(resolveUrl({ kind: 'url', url: 'https://example.org/models/tiny/' }, 'config.json')).toBe('https://example.org/models/tiny/config.json');
  });
  it('tells Hub ids and URLs from anything else', () => {
    expect(parseModelSource('HuggingFaceTB/SmolLM2-135M')).toEqual({ kind: 'hub', id: 'HuggingFaceTB/SmolLM2-135M' });
    expect(parseModelSource('a/b@main')).toEqual({ kind: 'hub', id: 'a/b', revision: 'main' });
    expect(parseModelSource('https://x.org/m.gguf')).toEqual({ kind: 'url', url: 'https://x.org/m.gguf' });
    for (const s of ['/abs/path', './rel/x', 'x', 'a/b/c', '../a', 'a/..', 'C:\\m', 'ftp://x/y']) expect(parseModelSource(s), s).toBeNull();
  });
});

describe('loadRemoteModel from a local Hub server', () => {
  it('downloads with monotonic progress and a done per file, then builds the model with its tokenizer', async () => {
    const rec = recorder();
    const remote = await loadRemoteModel(TINY, { baseUrl: base('hub'), cache: memoryCache(), onProgress: rec.onProgress });
    expect(remote.format).toBe('safetensors');
    expect([...remote.files.keys()]).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'chat_template.jinja']);
    const byFile = rec.byFile();
    expect([...byFile.keys()]).toEqual([...remote.files.keys()]);
    for (const [file, evs] of byFile) {
      const size = sizeOf('tt/tiny', file);
      const dl = evs.filter((e) => e.phase === 'download');
      expect(dl.length, file).toBeGreaterThan(0);
      for (let i = 1; i < dl.length; i++) expect(dl[i].loaded, file).toBeGreaterThanOrEqual(dl[i - 1].loaded);
      for (const e of dl) expect(e.total, file).toBe(size);
      expect(evs.filter((e) => e.phase === 'done'), file).toEqual([{ file, url: resolveUrl(TINY, file, base('hub')), loaded: size, total: size, phase: 'done' }]);
      expect(evs.at(-1)!.phase).toBe('done');
    }
    const m = await remote.build();
    expect(m.config).toEqual(FIXTURE_CONFIG);
    expect(m.nativeDtype).toBe('f32');
    for (const [name, t] of randomWeights(FIXTURE_CONFIG, SEED)) expect(Array.from(tensorF32(m.weights.get(name)!)), name).toEqual(Array.from(t.data));
    expect(m.tokenizer).not.toBeNull();
    expect(m.tokenizer!.chatTemplateSource).toBe('chat_template.jinja');
    expect(m.warnings).toEqual([]);
  });

  it('a second load of the same model is served from the cache: no requests, phase read', async () => {
    const cacheDir = join(root, 'cache-hit');
    const cache = nodeDirCache(cacheDir);
    await (await loadRemoteModel(TINY, { baseUrl: base('hub'), cache })).close();
    const before = requests.length;
    const rec = recorder();
    const again = await loadRemoteModel(TINY, { baseUrl: base('hub'), cache, onProgress: rec.onProgress });
    expect(requests.length).toBe(before);
    expect(new Set(rec.events.map((e) => e.phase))).toEqual(new Set(['read', 'done']));
    expect((await again.build()).config).toEqual(FIXTURE_CONFIG);
    await again.close();
    // entries are named by the URL's SHA-256; the absent tokenizer_config.json is remembered too
    expect(cacheFiles(cacheDir)).toContain(cacheFileName(resolveUrl(TINY, 'model.safetensors', base('hub'))));
    expect(cacheFiles(cacheDir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('a cancelled download throws AbortError and leaves no cache entry; a retry completes', async () => {
    const cacheDir = join(root, 'cache-abort');
    const cache = nodeDirCache(cacheDir);
    const ac = new AbortController();
    let seen = 0;
    const t0 = performance.now();
    const err = await failure<Error>(loadRemoteModel(TINY, {
      baseUrl: base('slow'), cache, signal: ac.signal,
      onProgress: (p) => {
        if (p.file === 'model.safetensors' && p.phase === 'download' && p.loaded > 0 && ++seen === 3) ac.abort();
      },
    }));
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AbortError');
    expect(err.message).toMatch(/model\.safetensors: download cancelled/);
    const url = resolveUrl(TINY, 'model.safetensors', base('slow'));
    expect(await cache.get(url)).toBeNull();
    expect(cacheFiles(cacheDir)).toEqual([cacheFileName(resolveUrl(TINY, 'config.json', base('slow')))]);
    // the retry downloads the whole file and caches exactly the served bytes
    const remote = await loadRemoteModel(TINY, { baseUrl: base('slow'), cache });
    expect(Buffer.from(await readAll(remote.files.get('model.safetensors')!)).equals(readFileSync(join(repos['tt/tiny'], 'model.safetensors')))).toBe(true);
    expect(Buffer.from((await cache.get(url))!).equals(readFileSync(join(repos['tt/tiny'], 'model.safetensors')))).toBe(true);
    await remote.close();
  });

  it('a streaming cache (directory): weights go to disk chunk by chunk and are read back by ranges, one tensor at a time', async () => {
    const dir = join(root, 'cache-stream');
    const inner = nodeDirCache(dir);
    const reads: { file: string; length: number }[] = [];
    let putBytes = 0;
    let maxPutChunk = 0;
    // The directory cache, watched: how big the chunks written are, and every read of an opened entry.
    const cache: FileCache = {
      ...inner,
      async putStream(key, chunks, size) {
        async function* watched() {
          for await (const c of chunks) {
            putBytes += c.length;
            maxPutChunk = Math.max(maxPutChunk, c.length);
            yield c;
          }
        }
        await inner.putStream(key, watched(), size);
      },
      async openSource(key, name) {
        const src = await inner.openSource(key, name);
        if (!src) return null;
        return { ...src, read: (o: number, n: number) => (reads.push({ file: name, length: n }), src.read(o, n)) };
      },
    };
    const url = resolveUrl(TINY, 'model.safetensors', base('slow')); // dribbled out in 4 KiB chunks
    const size = sizeOf('tt/tiny', 'model.safetensors');
    const remote = await loadRemoteModel(TINY, { baseUrl: base('slow'), cache });
    expect(putBytes).toBe(size);
    expect(maxPutChunk).toBeLessThan(size);
    expect(remote.files.get('model.safetensors')!.name).toBe(url);
    const m = await remote.build();
    await remote.close();
    for (const [name, t] of randomWeights(FIXTURE_CONFIG, SEED)) expect(Array.from(tensorF32(m.weights.get(name)!)), name).toEqual(Array.from(t.data));
    const st = reads.filter((r) => r.file === url);
    const largest = Math.max(...[...randomWeights(FIXTURE_CONFIG, SEED).values()].map((t) => t.data.byteLength));
    expect(st.length).toBeGreaterThan(FIXTURE_CONFIG.numLayers * 9); // the header, then each tensor on its own
    expect(Math.max(...st.slice(2).map((r) => r.length))).toBe(largest);
    expect(st.reduce((a, r) => a + r.length, 0)).toBeLessThanOrEqual(size);
    // A second load opens the entry: no request.
    const before = requests.length;
    const again = await loadRemoteModel(TINY, { baseUrl: base('slow'), cache });
    expect(requests.length).toBe(before);
    expect((await again.build()).config).toEqual(FIXTURE_CONFIG);
    await again.close();
  });

  it('a streaming cache (browser Cache API): Cache.put receives a stream, the model is read from the entry by slices', async () => {
    const stores = new Map<string, Response>();
    const storage = {
      open: async () => ({
        match: async (k: string) => stores.get(k)?.clone(),
        // Like the real Cache.put: consumes the body, stores nothing if it errors.
        put: async (k: string, r: Response) => {
          const b = await r.blob();
          stores.set(k, new Response(b, { headers: r.headers }));
        },
        delete: async (k: string) => stores.delete(k),
      }),
    } as unknown as CacheStorage;
    const inner = cacheApiCache(undefined, storage);
    const streamed: string[] = [];
    const cache: FileCache = { ...inner, putStream: (k, c, n) => (streamed.push(k), inner.putStream!(k, c, n)) };
    const remote = await loadRemoteModel(TINY, { baseUrl: base('hub'), cache });
    expect(streamed).toEqual([resolveUrl(TINY, 'model.safetensors', base('hub'))]);
    expect(remote.files.get('model.safetensors')!.size).toBe(sizeOf('tt/tiny', 'model.safetensors'));
    const m = await remote.build();
    expect(m.config).toEqual(FIXTURE_CONFIG);
    for (const [name, t] of randomWeights(FIXTURE_CONFIG, SEED)) expect(Array.from(tensorF32(m.weights.get(name)!)), name).toEqual(Array.from(t.data));
    // a truncated download stores nothing
    const err = await failure(loadRemoteModel(TINY, { baseUrl: base('trunc'), cache }));
    expect(err.reason).toBe('truncated');
    expect(stores.has(resolveUrl(TINY, 'model.safetensors', base('trunc')))).toBe(false);
  });

  it('a truncated response (server closes early) is a HubError and leaves no cache entry', async () => {
    const cacheDir = join(root, 'cache-trunc');
    const cache = nodeDirCache(cacheDir);
    const err = await failure(loadRemoteModel(TINY, { baseUrl: base('trunc'), cache }));
    expect(err).toBeInstanceOf(HubError);
    expect(err.reason).toBe('truncated');
    expect(err.message).toMatch(/^model\.safetensors: .*of \d+ bytes/);
    expect(await cache.get(resolveUrl(TINY, 'model.safetensors', base('trunc')))).toBeNull();
    expect(cacheFiles(cacheDir).filter((f) => f !== cacheFileName(resolveUrl(TINY, 'config.json', base('trunc'))))).toEqual([]);
  });

  it('HTTP and network failures are HubErrors that say what happened', async () => {
    const missing = await failure(loadRemoteModel({ kind: 'hub', id: 'tt/nope' }, { baseUrl: base('hub') }));
    expect(missing).toBeInstanceOf(HubError);
    expect(missing.name).toBe('HubError');
    expect(missing.message).toBe(`config.json not found at ${base('hub')}/tt/nope/resolve/main/config.json`);
    const noWeights = await failure(loadRemoteModel({ kind: 'hub', id: 'tt/noweights' }, { baseUrl: base('hub') }));
    expect(noWeights.message).toMatch(/neither model\.safetensors nor model\.safetensors\.index\.json was found/);
    const gated = await failure(loadRemoteModel(TINY, { baseUrl: base('gated') }));
    expect([gated.reason, gated.status]).toEqual(['gated', 401]);
    expect(gated.message).toMatch(/^config\.json: access denied \(HTTP 401\).*gated or private.*token.*mirror/);
    // a port nobody listens on
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await failure(fetchFile(`http://127.0.0.1:${port}/x/config.json`));
    expect(down.reason).toBe('network');
    expect(down.message).toMatch(/^config\.json: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('sharded safetensors: the index, then each shard; same weights as the single file', async () => {
    const rec = recorder();
    const remote = await loadRemoteModel({ kind: 'hub', id: 'tt/sharded' }, { baseUrl: base('hub'), cache: memoryCache(), onProgress: rec.onProgress });
    expect([...remote.files.keys()]).toEqual(['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    for (const f of remote.files.keys()) expect(rec.events.filter((e) => e.file === f && e.phase === 'done'), f).toHaveLength(1);
    const m = await remote.build();
    expect(m.config).toEqual(FIXTURE_CONFIG);
    for (const [name, t] of randomWeights(FIXTURE_CONFIG, SEED)) expect(Array.from(tensorF32(m.weights.get(name)!)), name).toEqual(Array.from(t.data));
    expect(m.tokenizer).toBeNull();
    expect(m.warnings).toEqual(['tt/sharded: no tokenizer.json; the model loads for token-id input only']);
  });

  it('a .gguf URL: that one file, native dtype from its quant type', async () => {
    const url = `${origin}/files/tiny-q8_0.gguf`;
    const rec = recorder();
    const remote = await loadRemoteModel({ kind: 'url', url }, { cache: memoryCache(), onProgress: rec.onProgress });
    expect(remote.format).toBe('gguf');
    expect([...remote.files.keys()]).toEqual(['tiny-q8_0.gguf']);
    expect(rec.events.at(-1)).toEqual({ file: 'tiny-q8_0.gguf', url, loaded: sizeOf('tt/tiny', 'tiny-q8_0.gguf'), total: sizeOf('tt/tiny', 'tiny-q8_0.gguf'), phase: 'done' });
    const m = await remote.build();
    expect(m.config).toEqual(FIXTURE_CONFIG);
    expect(m.nativeDtype).toBe('int8');
  });
});

describe('caches', () => {
  async function roundTrip(cache: FileCache) {
    expect(await cache.get('https://h/a')).toBeNull();
    await cache.put('https://h/a', Uint8Array.of(1, 2, 3));
    expect(Array.from((await cache.get('https://h/a'))!)).toEqual([1, 2, 3]);
    await cache.delete('https://h/a');
    expect(await cache.get('https://h/a')).toBeNull();
    await cache.delete('https://h/a'); // deleting what is not there is fine
  }

  it('memory, directory and Cache API caches store, return and delete by URL', async () => {
    await roundTrip(memoryCache());
    const dir = join(root, 'cache-rt');
    await roundTrip(nodeDirCache(dir));
    expect(cacheFiles(dir)).toEqual([]);
    // a stand-in for the browser's CacheStorage (Node has Response but no caches)
    const stores = new Map<string, Map<string, Response>>();
    const storage = {
      open: async (name: string) => {
        const s = stores.get(name) ?? new Map<string, Response>();
        stores.set(name, s);
        return {
          match: async (k: string) => s.get(k)?.clone(),
          put: async (k: string, r: Response) => void s.set(k, r),
          delete: async (k: string) => s.delete(k),
        };
      },
    } as unknown as CacheStorage;
    await roundTrip(cacheApiCache(undefined, storage));
    expect([...stores.keys()]).toEqual(['tabtune-models']);
  });

  it('the directory cache defaults to $TABTUNE_CACHE_DIR, else ~/.cache/tabtune', () => {
    expect(defaultCacheDir({ TABTUNE_CACHE_DIR: '/x/y' })).toBe('/x/y');
    expect(defaultCacheDir({})).toMatch(/[/\\]\.cache[/\\]tabtune$/);
  });
});

describe('the CLI loads Hub ids', () => {
  it('loadModelFromPath: a Hub id through hubBase; a missing repo is a one-line UsageError', async () => {
    const rec = recorder();
    const m = await loadModelFromPath('tt/tiny', { hubBase: base('hub'), cache: memoryCache(), onProgress: rec.onProgress });
    expect(m.path).toBe('tt/tiny');
    expect(m.config).toEqual(FIXTURE_CONFIG);
    expect(m.tokenizer).not.toBeNull();
    const err = await failure<Error>(loadModelFromPath('tt/nope', { hubBase: base('hub'), cache: memoryCache(), onProgress: () => {} }));
    expect(err.name).toBe('UsageError');
    expect(err.message).toBe(`tt/nope: not a local path, and config.json not found at ${base('hub')}/tt/nope/resolve/main/config.json`);
  });

  function tabtune(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    // async spawn: the server in this process must keep answering while the CLI runs
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, ['bin/tabtune.mjs', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => p.kill(), 50_000);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('`tabtune logits --model owner/name --hub-base URL` downloads once, then reads the cache', async () => {
    const env = { TABTUNE_CACHE_DIR: join(root, 'cli-cache') };
    const args = ['logits', '--backend', 'reference', '--tokens', '3,1,4', '--positions', 'last', '--model', 'tt/tiny', '--hub-base', base('hub')];
    const first = await tabtune(args, env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).vocab).toBe(FIXTURE_CONFIG.vocabSize);
    expect(first.stderr).toMatch(/^model\.safetensors: [\d.]+ MB$/m);
    const before = requests.length;
    const second = await tabtune(args, env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toMatch(/^model\.safetensors: [\d.]+ MB \(cached\)$/m);
    expect(requests.length).toBe(before);
    const bad = await tabtune(['logits', '--tokens', '1', '--model', 'tt/nope'], { ...env, TABTUNE_HUB_BASE: base('hub') });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([`tabtune: tt/nope: not a local path, and config.json not found at ${base('hub')}/tt/nope/resolve/main/config.json`]);
  });
});
