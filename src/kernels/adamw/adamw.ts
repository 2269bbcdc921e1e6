// Dispatch for kernels/adamw: the AdamW update and the squared-norm reductions used for clipping (one
// tensor: sumsq; many tensors, batched: sumsqMany).
import { Gpu, groups } from '../../gpu/gpu.ts';
import type { AdamWHyper } from './adamw.ref.ts';
import adamwCode from './adamw.wgsl?raw';
import sumsqCode from './sumsq.wgsl?raw';
import sumsqManyCode from './sumsq_many.wgsl?raw';

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

/** Tensors per sumsqMany dispatch and threads per workgroup (as in sumsq_many.wgsl). */
const MANY = 7;
const MANY_WG = 64;

export interface SumsqManyPlan {
  /** Workgroups per tensor (each thread then strides over ≥ 64 elements of the largest tensor). */
  chunks: number;
  /** First-stage dispatches (7 tensors each). */
  dispatches: number;
  /** Floats of the partial-sum scratch buffer sumsqMany needs. */
  partialFloats: number;
}

/** The scratch size and grid of sumsqMany for tensors of these lengths. */
export function sumsqManyPlan(sizes: number[]): SumsqManyPlan {
  const maxN = Math.max(1, ...sizes);
  const chunks = Math.min(64, Math.ceil(maxN / (MANY_WG * 64)));
  const dispatches = Math.ceil(sizes.length / MANY);
  return { chunks, dispatches, partialFloats: dispatches * MANY * chunks * MANY_WG };
}

/**
 * out[slot] += Σ over every tensor t of Σ xs[t].x[i]² (i < xs[t].n), in ceil(count/7) + 1 dispatches:
 * per-thread partial sums of up to 7 tensors per dispatch into `partials` (scratch of at least
 * sumsqManyPlan(ns).partialFloats floats, overwritten), then one dispatch adding up the partials.
 */
export function sumsqMany(gpu: Gpu, pass: GPUComputePassEncoder, a: { xs: { x: GPUBuffer; n: number }[]; partials: GPUBuffer; out: GPUBuffer; slot: number }): GPUBuffer[] {
  if (a.xs.length === 0) return [];
  const plan = sumsqManyPlan(a.xs.map((t) => t.n));
  if (a.partials.size < plan.partialFloats * 4) throw new RangeError(`sumsqMany: partials holds ${a.partials.size / 4} floats, needs ${plan.partialFloats}`);
  for (const [i, t] of a.xs.entries()) if (t.x.size < t.n * 4) throw new RangeError(`sumsqMany: tensor ${i} holds ${t.x.size / 4} floats, fewer than n = ${t.n}`);
  const pipeline = gpu.pipeline('sumsq.many', sumsqManyCode);
  const temps: GPUBuffer[] = [];
  for (let d = 0; d < plan.dispatches; d++) {
    const part = a.xs.slice(d * MANY, (d + 1) * MANY);
    const ns = Array.from({ length: 8 }, (_, i) => part[i]?.n ?? 0); // n0 (vec4), n1 (vec4; the 8th is padding)
    const params = gpu.uniform('sumsq.many.params', [...ns, d * MANY, plan.chunks]);
    temps.push(params);
    const xs = Array.from({ length: MANY }, (_, i) => (part[i] ?? part[0]).x); // unused slots (n = 0) are never read
    Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [...xs, a.partials, params]), plan.chunks, MANY);
  }
  const sumPipeline = gpu.pipeline('sumsq.sum', sumsqCode, 'sumMain');
  const params = gpu.uniform('sumsq.params', [plan.partialFloats, a.slot]);
  temps.push(params);
  Gpu.dispatch(pass, sumPipeline, gpu.bindGroup(sumPipeline, [a.partials, a.out, params]), 1);
  return temps;
}
