// Node-only ByteSource over a file path (fs/promises FileHandle). Not imported by the parsers, so the
// parsers stay browser- and worker-safe; the CLI and tests use this to stream multi-GB files.

import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ByteSource } from './source.ts';

export interface FileByteSource extends ByteSource {
  readonly path: string;
  close(): Promise<void>;
}

/** Open `path` for random-access reads. Call close() when done (or use withFileSource). */
export async function openFileSource(path: string): Promise<FileByteSource> {
  const fh: FileHandle = await open(path, 'r');
  let size: number;
  try {
    size = (await fh.stat()).size;
  } catch (e) {
    await fh.close();
    throw e;
  }
  return {
    size,
    name: basename(path),
    path,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break; // end of file: readRange() reports the short read
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    },
    close: () => fh.close(),
  };
}

/** Run `fn` with an open file source and always close it. */
export async function withFileSource<T>(path: string, fn: (src: FileByteSource) => Promise<T>): Promise<T> {
  const src = await openFileSource(path);
  try {
    return await fn(src);
  } finally {
    await src.close();
  }
}
