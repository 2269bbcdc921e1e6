// Dispatch for kernels/embedding (thread mapping in embedding.wgsl): x[n, :] = E[tok[n], :].
// Forward only: the embedding table is frozen, so there is no embeddingBackward.
// A table split into row chunks (engine/linear.ts) is gathered by one call per chunk, first chunk
// (v0 = 0) first; embeddingChunks() records them all.
import { Gpu } from '../../gpu/gpu.ts';
import { checkBuffer, checkSizes, grid1d } from '../elementwise/grid.ts';
import code from './embedding.wgsl?raw';

export interface EmbeddingArgs {
  /** [V, C] table (HF model.embed_tokens.weight), or rows v0 .. v0+rows−1 of it. */
  E: GPUBuffer;
  /** [N] u32 token ids; an id ≥ V yields a zero row. */
  tok: GPUBuffer;
  /** [N, C] output, overwritten (for a chunk v0 > 0: only the rows of ids inside the chunk). */
  x: GPUBuffer;
  N: number;
  C: number;
  V: number;
  /** First table row in E (default 0). */
  v0?: number;
  /** Rows in E (default V − v0). */
  rows?: number;
}

export function embedding(gpu: Gpu, pass: GPUComputePassEncoder, a: EmbeddingArgs): GPUBuffer[] {
  const v0 = a.v0 ?? 0, rows = a.rows ?? a.V - v0;
  checkSizes('embedding', { N: a.N, C: a.C, V: a.V, v0, rows });
  if (v0 + rows > a.V) throw new RangeError(`embedding: rows ${v0}..${v0 + rows - 1} outside the table of ${a.V}`);
  checkBuffer('embedding', 'E', a.E, rows * a.C);
  checkBuffer('embedding', 'tok', a.tok, a.N);
  checkBuffer('embedding', 'x', a.x, a.N * a.C);
  const pipeline = gpu.pipeline('embedding', code);
  const params = gpu.uniform('embedding.params', [a.N, a.C, a.V, v0, rows]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.E, a.tok, a.x, params]), ...grid1d(a.N * a.C, 256));
  return [params];
}

/** Gather from a table split into row chunks ({ r0, rows, buf }, in order, r0 of the first = 0). */
export function embeddingChunks(gpu: Gpu, pass: GPUComputePassEncoder, a: Omit<EmbeddingArgs, 'E' | 'v0' | 'rows'> & { chunks: { r0: number; rows: number; buf: GPUBuffer }[] }): GPUBuffer[] {
  if (a.chunks.length === 0 || a.chunks[0].r0 !== 0) throw new RangeError('embeddingChunks: the first chunk must start at row 0');
  return a.chunks.flatMap((c) => embedding(gpu, pass, { E: c.buf, tok: a.tok, x: a.x, N: a.N, C: a.C, V: a.V, v0: c.r0, rows: c.rows }));
}
