// Weights larger than one storage-buffer binding (maxStorageBufferBindingSize: 128 MiB by default in
// WebGPU) are stored as row chunks in separate buffers, each under the limit. A Llama weight is
// [rows = out (or V for the embedding / LM head), cols = in (or C)], so a chunk of rows r0 .. r0+R−1
// is itself a valid [R, in] weight and every kernel runs on it unchanged:
//   y[:, r0:r0+R]  = x · W_cᵀ             (forward: one column block of the output per chunk)
//   dx            += dy[:, r0:r0+R] · W_c  (backward: accumulated over the chunks)
//   x[n]           = E_c[tok[n] − r0]      (embedding gather, for ids inside the chunk)
// This file plans the chunks; engine/linear.ts owns them (a quantized W is cut by quant.ts sliceRows:
// whole blocks per row, views, no copy, so a pre-quantized weight splits without requantizing).

export class PlanError extends Error {
  override name = 'PlanError';
}

export interface RowChunk {
  /** first row */
  r0: number;
  /** rows in this chunk */
  rows: number;
}

/**
 * Cut `rows` rows of `bytesPerRow` bytes each into as few chunks as fit `limit` bytes, all of the
 * same size except a shorter last one.
 */
export function planRowChunks(name: string, rows: number, bytesPerRow: number, limit: number): RowChunk[] {
  const per = Math.floor(limit / bytesPerRow);
  if (per < 1) throw new PlanError(`one row of ${name} (${bytesPerRow} bytes) is larger than this device's storage binding limit (${limit} bytes)`);
  const out: RowChunk[] = [];
  for (let r0 = 0; r0 < rows; r0 += per) out.push({ r0, rows: Math.min(per, rows - r0) });
  return out;
}
