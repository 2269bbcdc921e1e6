// Dispatch for kernels/swiglu (thread mapping in swiglu.wgsl / swiglu.backward.wgsl):
// h = silu(g)·u over [N, F]. The backward takes the forward's inputs plus dh, and writes dg, du.
import { Gpu } from '../../gpu/gpu.ts';
import { checkBuffer, checkSizes, grid1d } from '../elementwise/grid.ts';
import backwardCode from './swiglu.backward.wgsl?raw';
import forwardCode from './swiglu.wgsl?raw';

const WG = 256;

export interface SwigluArgs {
  /** [N, F] gate_proj output. */
  g: GPUBuffer;
  /** [N, F] up_proj output. */
  u: GPUBuffer;
  /** [N, F] output, overwritten. */
  h: GPUBuffer;
  /** N·F. */
  count: number;
}

export interface SwigluBackwardArgs {
  /** [N, F] output: gradient w.r.t. g, overwritten. */
  dg: GPUBuffer;
  /** [N, F] output: gradient w.r.t. u, overwritten. */
  du: GPUBuffer;
  /** [N, F] gradient w.r.t. h. */
  dh: GPUBuffer;
  /** [N, F] the forward's g. */
  g: GPUBuffer;
  /** [N, F] the forward's u. */
  u: GPUBuffer;
  count: number;
}

export function swiglu(gpu: Gpu, pass: GPUComputePassEncoder, a: SwigluArgs): GPUBuffer[] {
  checkSizes('swiglu', { count: a.count });
  for (const [name, buf] of [['g', a.g], ['u', a.u], ['h', a.h]] as const) checkBuffer('swiglu', name, buf, a.count);
  const pipeline = gpu.pipeline('swiglu', forwardCode);
  const params = gpu.uniform('swiglu.params', [a.count]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.g, a.u, a.h, params]), ...grid1d(a.count, WG));
  return [params];
}

export function swigluBackward(gpu: Gpu, pass: GPUComputePassEncoder, a: SwigluBackwardArgs): GPUBuffer[] {
  checkSizes('swigluBackward', { count: a.count });
  for (const [name, buf] of [['dg', a.dg], ['du', a.du], ['dh', a.dh], ['g', a.g], ['u', a.u]] as const) checkBuffer('swigluBackward', name, buf, a.count);
  const pipeline = gpu.pipeline('swiglu.backward', backwardCode);
  const params = gpu.uniform('swiglu.backward.params', [a.count]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.dh, a.g, a.u, a.dg, a.du, params]), ...grid1d(a.count, WG));
  return [params];
}
