// Dispatch for kernels/attention: causal grouped-query attention with an optional key/value prefix
// (prefix tuning; thread mapping in attention.wgsl and attention.backward.wgsl). The backward takes the
// forward's arguments plus the gradients.
import { Gpu, isSoftwareAdapter } from '../../gpu/gpu.ts';
import { checkBuffer, checkSizes } from '../elementwise/grid.ts';
import backwardCode from './attention.backward.wgsl?raw';
import forwardCode from './attention.wgsl?raw';

const WG = 64;
export const ATTENTION_MAX_HEAD_DIM = 128;

/**
 * The shader with every `for (var X = 0u; X < D4; X++) { … }` loop (over the head dim), every
 * `for (var X = 0u; X < HG; X++) { … }` loop (over the query heads a thread owns) and every
 * `for (var X = 0u; X < RS; X++) { … }` loop (over the key rows a dk/dv thread owns) written out with X a
 * literal, innermost first, so the per-row registers (q, accumulators: arrays of vec4s) are indexed
 * by constants. Compilers that do not unroll (SwiftShader's Subzero) otherwise address those arrays
 * per lane in memory on every use. Without `D4` the loops over the head dim stay rolled.
 */
export function unrollLoops(code: string, counts: { D4?: number; HG: number; RS: number }): string {
  const head = counts.D4 === undefined ? /for \(var (\w+) = 0u; \1 < (HG|RS); \1\+\+\) \{/g : /for \(var (\w+) = 0u; \1 < (D4|HG|RS); \1\+\+\) \{/g;
  for (;;) {
    // the last loop header is innermost or at least contains no other one after it: unroll it first
    const all = [...code.matchAll(head)];
    const m = all.at(-1);
    if (!m) return code;
    const open = m.index! + m[0].length - 1;
    let depth = 0, close = -1;
    for (let i = open; i < code.length; i++) {
      if (code[i] === '{') depth++;
      else if (code[i] === '}' && --depth === 0) { close = i; break; }
    }
    if (close < 0) throw new Error('unrollLoops: unbalanced braces');
    const body = code.slice(open + 1, close), v = m[1], n = counts[m[2] as 'D4' | 'HG' | 'RS']!;
    const copies = Array.from({ length: n }, (_, i) => `{${body.replace(new RegExp(`\\b${v}\\b`, 'g'), `${i}u`)}}`).join('\n');
    code = code.slice(0, m.index!) + copies + code.slice(close + 1);
  }
}

const unrolled = new Map<string, string>();
function shader(name: string, code: string, D4: number, HG = 1, RS = 1): string {
  const key = `${name}|${D4}|${HG}|${RS}`;
  let s = unrolled.get(key);
  // Head dims over 64 stay rolled: written out, a D = 128 shader took ~7 s to compile on SwiftShader.
  if (!s) unrolled.set(key, (s = unrollLoops(code, { D4: D4 <= 16 ? D4 : undefined, HG, RS })));
  return s;
}

/**
 * Query heads of one kv group a forward / dq thread owns (they share every k and v row it reads): the
 * largest divisor of H/KV that is at most 4 and keeps HG·D ≤ 128 (the registers of one D = 128 head).
 */
export function headsPerThread(H: number, KV: number, D: number): number {
  const group = H / KV;
  for (let hg = Math.min(4, group); hg > 1; hg--) if (group % hg === 0 && hg * D <= ATTENTION_MAX_HEAD_DIM) return hg;
  return 1;
}

/**
 * Key rows a dk/dv thread owns (sharing every q and dO row it reads): as many as keep RS·D ≤ 128, at
 * most 2 on a GPU (registers) and 4 on a software adapter (where "registers" live in memory anyway and
 * each shared load saves a per-lane gather).
 */
export function keyRowsPerThread(D: number, software: boolean): number {
  for (let rs = software ? 4 : 2; rs > 1; rs--) if (rs * D <= ATTENTION_MAX_HEAD_DIM) return rs;
  return 1;
}

export interface AttentionArgs {
  /** [N, H·D] queries, already rotated (N = B·T). */
  q: GPUBuffer;
  /** [N, KV·D] keys, already rotated. */
  k: GPUBuffer;
  /** [N, KV·D] values. */
  v: GPUBuffer;
  /** [N, H·D] output, overwritten. */
  o: GPUBuffer;
  /** [B·H·T] output: log-sum-exp of the scaled scores of each query row, at (b·H + h)·T + t. */
  lse: GPUBuffer;
  B: number;
  T: number;
  H: number;
  KV: number;
  /** Head dim: a multiple of 4, at most 128. */
  D: number;
  /** 0 or undefined: full causal; W > 0: query t sees keys s with t − W < s ≤ t (Mistral). */
  slidingWindow?: number;
  /** Default 1/sqrt(D). */
  scale?: number;
  /**
   * Key/value prefix seen by every query before the sequence (prefix tuning): `pkv` holds every
   * layer's prefix [L, 2, P, KV·D] (keys, then values), `offset` is this layer's first float
   * (l·2·P·KV·D). The sequence then sits at positions P.., the slots at 0..P−1 (matters for W only).
   */
  prefix?: { pkv: GPUBuffer; P: number; offset: number };
}

export interface AttentionBackwardArgs extends AttentionArgs {
  /** [N, H·D] gradient w.r.t. o. (o and lse are the forward's outputs, read here.) */
  dO: GPUBuffer;
  /** [N, H·D] output, overwritten. */
  dq: GPUBuffer;
  /** [N, KV·D] output, overwritten (summed over the H/KV query heads of each kv head). */
  dk: GPUBuffer;
  /** [N, KV·D] output, overwritten. */
  dv: GPUBuffer;
  /** [B·H·T] scratch for δ = rowsum(dO ∘ o). If omitted it is created and returned with the params. */
  delta?: GPUBuffer;
  /** With `prefix`: the gradient of pkv (same layout), ADDED to (a parameter gradient). */
  dpkv?: GPUBuffer;
}

/** Validate the shape; returns the u32/f32 params shared by all three entry points. */
function prepare(op: string, a: AttentionArgs): (number | { f: number })[] {
  const W = a.slidingWindow ?? 0;
  checkSizes(op, { B: a.B, T: a.T, H: a.H, KV: a.KV, D: a.D, slidingWindow: W });
  if (a.H === 0 || a.KV === 0 || a.H % a.KV !== 0) throw new RangeError(`${op}: H (${a.H}) must be a positive multiple of KV (${a.KV})`);
  if (a.D === 0 || a.D % 4 !== 0 || a.D > ATTENTION_MAX_HEAD_DIM) throw new RangeError(`${op}: D must be a multiple of 4 in [4, ${ATTENTION_MAX_HEAD_DIM}], got ${a.D}`);
  if (a.B * a.H > 65535 || a.B * a.KV > 65535) throw new RangeError(`${op}: B·H = ${a.B * a.H} workgroup rows, over 65535`);
  const N = a.B * a.T;
  checkBuffer(op, 'q', a.q, N * a.H * a.D);
  checkBuffer(op, 'k', a.k, N * a.KV * a.D);
  checkBuffer(op, 'v', a.v, N * a.KV * a.D);
  checkBuffer(op, 'o', a.o, N * a.H * a.D);
  checkBuffer(op, 'lse', a.lse, a.B * a.H * a.T);
  const P = a.prefix?.P ?? 0, off = a.prefix?.offset ?? 0;
  if (a.prefix) {
    checkSizes(op, { P, offset: off });
    if (off % 4 !== 0) throw new RangeError(`${op}: the prefix offset must be a multiple of 4, got ${off}`);
    checkBuffer(op, 'prefix', a.prefix.pkv, off + 2 * P * a.KV * a.D);
  }
  return [a.B, a.T, a.H, a.KV, W, { f: a.scale ?? 1 / Math.sqrt(a.D) }, P, off / 4];
}

/** The prefix buffer to bind: with P = 0 nothing is read from it, so q stands in (read-only twice is fine). */
function prefixBuffer(a: AttentionArgs): GPUBuffer {
  return a.prefix && a.prefix.P > 0 ? a.prefix.pkv : a.q;
}

export function attention(gpu: Gpu, pass: GPUComputePassEncoder, a: AttentionArgs): GPUBuffer[] {
  const params = gpu.uniform('attention.params', prepare('attention', a));
  const D4 = a.D / 4, HG = headsPerThread(a.H, a.KV, a.D);
  const pipeline = gpu.pipeline('attention', shader('forward', forwardCode, D4, HG), 'main', { D4, HG });
  Gpu.dispatch(pass, pipeline, gpu.bindGroup(pipeline, [a.q, a.k, a.v, a.o, a.lse, prefixBuffer(a), params]), Math.ceil(a.T / WG) || 1, (a.B * a.H) / HG);
  return [params];
}

export function attentionBackward(gpu: Gpu, pass: GPUComputePassEncoder, a: AttentionBackwardArgs): GPUBuffer[] {
  const op = 'attentionBackward';
  const params = gpu.uniform('attention.backward.params', prepare(op, a));
  const N = a.B * a.T;
  checkBuffer(op, 'dO', a.dO, N * a.H * a.D);
  checkBuffer(op, 'dq', a.dq, N * a.H * a.D);
  checkBuffer(op, 'dk', a.dk, N * a.KV * a.D);
  checkBuffer(op, 'dv', a.dv, N * a.KV * a.D);
  const created = [params];
  let delta = a.delta;
  if (delta) checkBuffer(op, 'delta', delta, a.B * a.H * a.T);
  else created.push((delta = gpu.createBuffer('attention.delta', a.B * a.H * a.T * 4)));
  const D4 = a.D / 4, HG = headsPerThread(a.H, a.KV, a.D), RS = keyRowsPerThread(a.D, isSoftwareAdapter(gpu.adapter));
  const tGroups = Math.ceil(a.T / WG) || 1;

  const P = a.prefix?.P ?? 0;
  if (P > 0) {
    if (!a.dpkv) throw new RangeError(`${op}: a prefix needs dpkv (its gradient)`);
    checkBuffer(op, 'dpkv', a.dpkv, a.prefix!.offset + 2 * P * a.KV * a.D);
  }

  const code = shader('backward', backwardCode, D4, HG, RS);
  const deltaPipeline = gpu.pipeline('attention.backward.delta', code, 'deltaMain', { D4 });
  Gpu.dispatch(pass, deltaPipeline, gpu.bindGroup(deltaPipeline, [a.o, a.dO, delta, params]), tGroups, a.B * a.H);
  // The passes below read δ written above (dispatches in one pass run in order).
  const dqPipeline = gpu.pipeline('attention.backward.dq', code, 'dqMain', { D4, HG });
  Gpu.dispatch(pass, dqPipeline, gpu.bindGroup(dqPipeline, [a.q, a.k, a.v, a.dO, a.lse, delta, a.dq, prefixBuffer(a), params]), tGroups, (a.B * a.H) / HG);
  const kvPipeline = gpu.pipeline('attention.backward.dkdv', code, 'dkdvMain', { D4, RS });
  Gpu.dispatch(pass, kvPipeline, gpu.bindGroup(kvPipeline, [a.q, a.k, a.v, a.dO, a.lse, delta, a.dk, a.dv, params]), Math.ceil(a.T / (WG * RS)) || 1, a.B * a.KV);
  if (P > 0) {
    const pPipeline = gpu.pipeline('attention.backward.dprefix', code, 'dprefixMain', { D4 });
    Gpu.dispatch(pass, pPipeline, gpu.bindGroup(pPipeline, [a.q, a.dO, a.lse, delta, a.prefix!.pkv, a.dpkv!, params]), Math.ceil(P / WG), a.KV);
  }
  return created;
}
