// Dispatch for kernels/cross_entropy (thread mapping in cross_entropy.wgsl). One shader, two
// variants: crossEntropy (loss only, logits kept) and crossEntropyAndGrad (loss, and dlogits written
// in place over logits). There is no separate backward: the gradient is fused into the forward.
import { Gpu } from '../../gpu/gpu.ts';
import { checkBuffer, checkRowWorkgroupSize, checkSizes, grid1d, rowWorkgroupSize } from '../elementwise/grid.ts';
import code from './cross_entropy.wgsl?raw';

export interface CrossEntropyArgs {
  /** [N, V] logits. crossEntropy keeps them; crossEntropyAndGrad overwrites them with dlogits. */
  logits: GPUBuffer;
  /** [N] u32 target token ids. */
  targets: GPUBuffer;
  /** [N] f32: 1 where the position is trained, 0 elsewhere. */
  mask: GPUBuffer;
  /** [N] output: mask[n]·(logsumexp(logits[n]) − logits[n, target[n]]), not scaled by invCount. */
  loss: GPUBuffer;
  N: number;
  V: number;
  /** Threads per row (power of two ≤ 256); default rowWorkgroupSize(gpu). For tests and benchmarks. */
  workgroupSize?: number;
}

export interface CrossEntropyAndGradArgs extends CrossEntropyArgs {
  /** 1 / Σ mask (computed on the CPU): the gradient is that of the mean loss over trained positions. */
  invCount: number;
}

/** Loss per row; logits are left untouched. */
export function crossEntropy(gpu: Gpu, pass: GPUComputePassEncoder, a: CrossEntropyArgs): GPUBuffer[] {
  return dispatch(gpu, pass, 'crossEntropy', a, 0, false);
}

/** Loss per row, and dlogits = mask·invCount·(softmax − onehot) written in place over logits. */
export function crossEntropyAndGrad(gpu: Gpu, pass: GPUComputePassEncoder, a: CrossEntropyAndGradArgs): GPUBuffer[] {
  if (!Number.isFinite(a.invCount)) throw new RangeError(`crossEntropyAndGrad: invCount must be finite, got ${a.invCount}`);
  return dispatch(gpu, pass, 'crossEntropyAndGrad', a, a.invCount, true);
}

function dispatch(gpu: Gpu, pass: GPUComputePassEncoder, op: string, a: CrossEntropyArgs, invCount: number, writeGrad: boolean): GPUBuffer[] {
  checkSizes(op, { N: a.N, V: a.V });
  if (a.V === 0) throw new RangeError(`${op}: V must be positive`);
  checkBuffer(op, 'logits', a.logits, a.N * a.V);
  checkBuffer(op, 'targets', a.targets, a.N);
  checkBuffer(op, 'mask', a.mask, a.N);
  checkBuffer(op, 'loss', a.loss, a.N);
  const WG = a.workgroupSize ?? rowWorkgroupSize(gpu);
  checkRowWorkgroupSize(op, WG);
  const pipeline = gpu.pipeline('cross_entropy', code, 'main', { WG, WRITE_GRAD: writeGrad ? 1 : 0 });
  const params = gpu.uniform(`${op}.params`, [a.N, a.V, { f: invCount }]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.logits, a.targets, a.mask, a.loss, params]), ...grid1d(a.N, 1));
  return [params];
}
