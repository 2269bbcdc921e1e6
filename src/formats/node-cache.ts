// Node-only FileCache (see hub.ts): one file per cached URL in a directory, named by the SHA-256 of the
// URL. Default directory: $TABTUNE_CACHE_DIR, else ~/.cache/tabtune.
//
// A put() writes a temporary file beside the entry and renames it into place (atomic on one file
// system), so a reader sees either no entry or the whole file — never a half-written one, even if the
// process dies mid-write. hub.ts only puts complete, length-checked downloads.
//
// Streaming (hub.ts fetchSource): putStream writes chunks to the temporary file as they arrive and
// renames it when the download completed; openSource opens an entry for ranged reads (node-source.ts),
// so a multi-GB checkpoint goes from the network to disk to one tensor at a time, never whole in memory.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FileCache } from './hub.ts';
import { openFileSource, type FileByteSource } from './node-source.ts';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TABTUNE_CACHE_DIR || join(homedir(), '.cache', 'tabtune');
}

/** The entry's file name for a key (a URL): its SHA-256 in hex. */
export function cacheFileName(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface NodeDirCache extends FileCache {
  readonly dir: string;
  openSource(key: string, name: string): Promise<FileByteSource | null>;
  putStream(key: string, chunks: AsyncIterable<Uint8Array>, size: number | null): Promise<void>;
  /** The path an entry for `key` has (whether or not it exists). */
  pathOf(key: string): string;
}

export function nodeDirCache(dir: string = defaultCacheDir()): NodeDirCache {
  const pathOf = (key: string) => join(dir, cacheFileName(key));
  const tmpOf = (final: string) => `${final}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  return {
    dir,
    pathOf,
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async put(key, bytes) {
      await mkdir(dir, { recursive: true });
      const final = pathOf(key);
      const tmp = tmpOf(final);
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, final);
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => {});
        throw e;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async openSource(key, name) {
      let src: FileByteSource;
      try {
        src = await openFileSource(pathOf(key));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
      // Named for messages by the caller (the URL), not by the hashed entry name.
      return { size: src.size, name, path: src.path, read: src.read, close: src.close };
    },
    async putStream(key, chunks) {
      await mkdir(dir, { recursive: true });
      const final = pathOf(key);
      const tmp = tmpOf(final);
      const fh = await open(tmp, 'w');
      try {
        try {
          for await (const c of chunks) await fh.write(c);
        } finally {
          await fh.close();
        }
        await rename(tmp, final);
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => {});
        throw e;
      }
    },
  };
}
