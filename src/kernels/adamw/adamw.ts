// Dispatch for kernels/adamw: the AdamW update and the squared-norm reduction used for clipping.
import { Gpu, groups } from '../../gpu/gpu.ts';
import type { AdamWHyper } from './adamw.ref.ts';
import adamwCode from './adamw.wgsl?raw';
import sumsqCode from './sumsq.wgsl?raw';

export type { AdamWHyper };

/**
 * p, m, v updated in place from g; t is the 1-based step number. `sq` holds the squared global grad
 * norm (from sumsq) in element 0; with maxNorm > 0 the gradient is clipped to that norm.
 */
export function adamw(gpu: Gpu, pass: GPUComputePassEncoder, a: { p: GPUBuffer; g: GPUBuffer; m: GPUBuffer; v: GPUBuffer; n: number; t: number; hyper: AdamWHyper; gradScale: number; sq: GPUBuffer; maxNorm: number }): GPUBuffer[] {
  const h = a.hyper;
  const pipeline = gpu.pipeline('adamw', adamwCode);
  const params = gpu.uniform('adamw.params', [a.n, { f: h.lr }, { f: h.beta1 }, { f: h.beta2 }, { f: h.eps }, { f: h.weightDecay }, { f: 1 - Math.pow(h.beta1, a.t) }, { f: 1 - Math.pow(h.beta2, a.t) }, { f: a.gradScale }, { f: a.maxNorm }]);
  const wg = groups(a.n, 256);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.p, a.g, a.m, a.v, params, a.sq]), Math.min(wg, 65535), Math.ceil(wg / 65535));
  return [params];
}

/** out[slot] += Σ x[i]² over x[0..n). */
export function sumsq(gpu: Gpu, pass: GPUComputePassEncoder, a: { x: GPUBuffer; out: GPUBuffer; n: number; slot: number }): GPUBuffer[] {
  const pipeline = gpu.pipeline('sumsq', sumsqCode);
  const params = gpu.uniform('sumsq.params', [a.n, a.slot]);
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.x, a.out, params]), 1);
  return [params];
}
