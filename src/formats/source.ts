// Random-access byte sources: the one way parsers in src/formats read a file. A parser reads the header
// first and then each tensor on its own, so a multi-GB checkpoint is never held in memory twice.
//
// This file is browser- and worker-safe (no node:* imports). The Node file-path source lives in
// node-source.ts.

import { FormatError } from './errors.ts';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A name for error messages (file name or path). */
  readonly name: string;
  /**
   * `length` bytes starting at `offset`. Callers keep `0 ≤ offset`, `offset + length ≤ size`
   * (readRange() checks this). The result may be a view into a larger buffer — copy it before keeping it.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A source over bytes already in memory (zero-copy: reads return subarrays). */
export function bytesSource(bytes: Uint8Array, name = 'bytes'): ByteSource {
  return {
    size: bytes.length,
    name,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** A source over a browser Blob or File (e.g. from <input type=file>, posted to a worker). */
export function blobSource(blob: Blob, name?: string): ByteSource {
  const n = name ?? ((blob as Partial<File>).name || 'blob');
  return {
    size: blob.size,
    name: n,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/**
 * Bounds-checked read: the only way parsers call ByteSource.read. Refuses ranges outside the file
 * (naming `what`), and refuses a short read (a file that shrank, or a misbehaving source).
 */
export async function readRange(src: ByteSource, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new FormatError(src.name, `${what}: invalid byte range (offset ${offset}, length ${length})`);
  }
  if (offset + length > src.size) {
    throw new FormatError(src.name, `${what}: bytes ${offset}..${offset + length} lie beyond the end of the file (${src.size} bytes); the file is truncated or corrupt`);
  }
  const out = await src.read(offset, length);
  if (out.length !== length) {
    throw new FormatError(src.name, `${what}: short read (${out.length} of ${length} bytes at offset ${offset})`);
  }
  return out;
}

/** Read a whole (small) source as bytes. */
export async function readAll(src: ByteSource): Promise<Uint8Array> {
  return src.size === 0 ? new Uint8Array(0) : readRange(src, 0, src.size, 'file');
}
