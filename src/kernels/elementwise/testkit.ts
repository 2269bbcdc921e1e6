// Test helper for the kernel tests in src/kernels/*: upload inputs, record dispatches in one pass,
// submit, read outputs back, destroy everything, and check that no GPU buffer leaked. Test-only
// (imported by *.gpu.test.ts); kept beside the kernels because src/testing belongs to another owner.
import { expect } from 'vitest';
import type { Gpu } from '../../gpu/gpu.ts';

/** An input is uploaded as is; a number n allocates n zeroed f32 (an output or scratch buffer). */
export type Input = Float32Array | Uint32Array | number;

export async function runOnce<K extends string>(
  gpu: Gpu,
  inputs: Record<K, Input>,
  record: (pass: GPUComputePassEncoder, b: Record<K, GPUBuffer>) => GPUBuffer[],
  read: NoInfer<K>[],
): Promise<Record<K, Float32Array>> {
  const before = gpu.liveBufferCount;
  const bufs = {} as Record<K, GPUBuffer>;
  for (const k of Object.keys(inputs) as K[]) {
    const v = inputs[k];
    bufs[k] = typeof v === 'number' ? gpu.upload(k, new Float32Array(v)) : gpu.upload(k, v);
  }
  let params: GPUBuffer[] = [];
  await gpu.checked('runOnce', () => gpu.run((pass) => { params = record(pass, bufs); }));
  const out = {} as Record<K, Float32Array>;
  for (const k of read) out[k] = await gpu.readF32(bufs[k]);
  gpu.destroyAll(params);
  gpu.destroyAll(Object.values(bufs) as GPUBuffer[]);
  expect(gpu.liveBufferCount, 'GPU buffers leaked').toBe(before);
  return out;
}

/** Central-difference gradient of a scalar function of x, in float64 (for checking CPU references). */
export function numericGrad(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const xs = Float64Array.from(x);
  const g = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x0 = xs[i];
    xs[i] = x0 + h;
    const fp = f(xs);
    xs[i] = x0 - h;
    const fm = f(xs);
    xs[i] = x0;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Σ a·b in float64 (a scalar "loss" L = Σ dy·y whose gradient w.r.t. y is dy). */
export function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
