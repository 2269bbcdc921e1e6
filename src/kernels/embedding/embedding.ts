// Dispatch for kernels/embedding (thread mapping in embedding.wgsl): x[n, :] = E[tok[n], :].
// Forward only: the embedding table is frozen, so there is no embeddingBackward.
import { Gpu } from '../../gpu/gpu.ts';
import { checkBuffer, checkSizes, grid1d } from '../elementwise/grid.ts';
import code from './embedding.wgsl?raw';

export interface EmbeddingArgs {
  /** [V, C] table (HF model.embed_tokens.weight). */
  E: GPUBuffer;
  /** [N] u32 token ids; an id ≥ V yields a zero row. */
  tok: GPUBuffer;
  /** [N, C] output, overwritten. */
  x: GPUBuffer;
  N: number;
  C: number;
  V: number;
}

export function embedding(gpu: Gpu, pass: GPUComputePassEncoder, a: EmbeddingArgs): GPUBuffer[] {
  checkSizes('embedding', { N: a.N, C: a.C, V: a.V });
  checkBuffer('embedding', 'E', a.E, a.V * a.C);
  checkBuffer('embedding', 'tok', a.tok, a.N);
  checkBuffer('embedding', 'x', a.x, a.N * a.C);
  const pipeline = gpu.pipeline('embedding', code);
  const params = gpu.uniform('embedding.params', [a.N, a.C, a.V]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.E, a.tok, a.x, params]), ...grid1d(a.N * a.C, 256));
  return [params];
}
