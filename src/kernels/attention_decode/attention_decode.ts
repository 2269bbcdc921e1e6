// Dispatch for kernels/attention_decode: attention of n new queries against the KV cache.
import { Gpu } from '../../gpu/gpu.ts';
import { checkBuffer, checkSizes } from '../elementwise/grid.ts';
import code from './attention_decode.wgsl?raw';

export interface AttentionDecodeArgs {
  q: GPUBuffer; // [n, H·D]
  kc: GPUBuffer; // [maxT, KV·D], rows < pos0+n valid
  vc: GPUBuffer; // [maxT, KV·D]
  o: GPUBuffer; // [n, H·D] (out)
  n: number;
  pos0: number;
  H: number;
  KV: number;
  D: number;
  slidingWindow?: number;
}

const WG = 64;

export function attentionDecode(gpu: Gpu, pass: GPUComputePassEncoder, a: AttentionDecodeArgs): GPUBuffer[] {
  const op = 'attentionDecode';
  checkSizes(op, { n: a.n, pos0: a.pos0, H: a.H, KV: a.KV, D: a.D });
  if (a.D % 4 !== 0 || a.D > 128) throw new RangeError(`${op}: D must be a multiple of 4 and ≤ 128, got ${a.D}`);
  if (a.H % a.KV !== 0) throw new RangeError(`${op}: H (${a.H}) must be a multiple of KV (${a.KV})`);
  checkBuffer(op, 'q', a.q, a.n * a.H * a.D);
  checkBuffer(op, 'o', a.o, a.n * a.H * a.D);
  checkBuffer(op, 'kc', a.kc, (a.pos0 + a.n) * a.KV * a.D);
  checkBuffer(op, 'vc', a.vc, (a.pos0 + a.n) * a.KV * a.D);
  const params = gpu.uniform('attention_decode.params', [a.n, a.pos0, a.H, a.KV, a.slidingWindow ?? 0, { f: 1 / Math.sqrt(a.D) }]);
  const pipeline = gpu.pipeline('attention_decode', code, 'main', { D4: a.D / 4 });
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.q, a.kc, a.vc, a.o, params]), Math.ceil(a.n / WG), a.H);
  return [params];
}
