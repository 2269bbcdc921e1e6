// Dispatch for kernels/dropout (thread mapping in dropout.wgsl): y = mask ⊙ x (or y += mask ⊙ x),
// mask[i] = 1/(1−p) or 0 from the hash stream of src/engine/dropout.ts. Used by engine/linear.ts for
// LoRA dropout: forward xd = mask ⊙ x; backward dx += mask ⊙ (dh·A).
import { Gpu } from '../../gpu/gpu.ts';
import { dropoutScale, dropoutThreshold } from '../../engine/dropout.ts';
import { checkBuffer, checkSizes, grid1d } from '../elementwise/grid.ts';
import code from './dropout.wgsl?raw';

export interface DropoutArgs {
  /** [count] input */
  x: GPUBuffer;
  /** [count] output, overwritten (added to when accumulate); must not be x. */
  y: GPUBuffer;
  count: number;
  /** u32 stream id (dropoutStream). */
  stream: number;
  /** drop probability in [0, 1) */
  p: number;
  accumulate?: boolean;
}

export function dropout(gpu: Gpu, pass: GPUComputePassEncoder, a: DropoutArgs): GPUBuffer[] {
  checkSizes('dropout', { count: a.count, stream: a.stream >>> 0 });
  checkBuffer('dropout', 'x', a.x, a.count);
  checkBuffer('dropout', 'y', a.y, a.count);
  const pipeline = gpu.pipeline('dropout', code, 'main', { ACCUMULATE: a.accumulate ? 1 : 0 });
  const params = gpu.uniform('dropout.params', [a.count, a.stream >>> 0, dropoutThreshold(a.p), { f: dropoutScale(a.p) }]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.x, a.y, params], 'dropout'), ...grid1d(a.count, 256));
  return [params];
}
