// CPU reference for kernels/rope. The angle pos · invFreq[i] is rounded to f32 (Math.fround) exactly
// as the kernel computes it, so the two rotate by the same angle; cos/sin and the rotation are float64.
// x: [N, numHeads·D], row n at position posOffset + n % T. Returns a new array.
import type { RopeLayout } from './rope.ts';

export interface RopeRefShape {
  N: number;
  T: number;
  numHeads: number;
  D: number;
  posOffset?: number;
  layout: RopeLayout;
}

/** Rotate every pair by +θ (forward) or −θ (backward, sign = −1). */
export function rope_cpu(x: ArrayLike<number>, invFreq: Float32Array, s: RopeRefShape, sign: 1 | -1 = 1): Float64Array {
  const { N, T, numHeads, D } = s;
  const half = D / 2;
  const out = Float64Array.from(x);
  for (let n = 0; n < N; n++) {
    const pos = (s.posOffset ?? 0) + (n % T);
    for (let h = 0; h < numHeads; h++) {
      const base = (n * numHeads + h) * D;
      for (let i = 0; i < half; i++) {
        const theta = Math.fround(pos * invFreq[i]);
        const c = Math.cos(theta), sn = sign * Math.sin(theta);
        const ia = s.layout === 'half' ? base + i : base + 2 * i;
        const ib = s.layout === 'half' ? base + i + half : base + 2 * i + 1;
        const a = x[ia], b = x[ib];
        out[ia] = a * c - b * sn;
        out[ib] = b * c + a * sn;
      }
    }
  }
  return out;
}

/** dx from dy: the transpose of the forward rotation, i.e. rotation by −θ. */
export function rope_backward_cpu(dy: ArrayLike<number>, invFreq: Float32Array, s: RopeRefShape): Float64Array {
  return rope_cpu(dy, invFreq, s, -1);
}
