// CPU reference for kernels/adamw (float64), same update as adamw.wgsl.
export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Clip factor for a squared global norm `sq` (of the unscaled grads): min(1, maxNorm/‖g·gradScale‖). */
export function clipFactor(sq: number, gradScale: number, maxNorm: number): number {
  const norm = Math.sqrt(sq) * gradScale;
  return maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1;
}

/** One AdamW step at step number t (1-based), in place on p, m, v; `gradScale` includes any clip factor. */
export function adamw_cpu(p: Float32Array, g: ArrayLike<number>, m: Float32Array, v: Float32Array, t: number, h: AdamWHyper, gradScale = 1): void {
  const bc1 = 1 - Math.pow(h.beta1, t), bc2 = 1 - Math.pow(h.beta2, t);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * gradScale;
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * gi;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * gi * gi;
    p[i] = p[i] - h.lr * (m[i] / bc1 / (Math.sqrt(v[i] / bc2) + h.eps) + h.weightDecay * p[i]);
  }
}

export function sumsq_cpu(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
