// AdamW on plain Float32Arrays (the pretraining script's optimizer; runs on the main thread while the
// workers compute gradients). Decoupled weight decay (Loshchilov & Hutter): p -= lr·(m̂/(√v̂+eps) + wd·p),
// applied to matrices only; norm weights get no decay. Global-norm gradient clipping before the update.

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this (0 = off). */
  clipNorm: number;
}

export class AdamW {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(
    readonly params: Float32Array[],
    /** Whether each parameter gets weight decay (true for matrices). */
    private readonly decay: boolean[],
    private readonly opt: AdamWOptions,
  ) {
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  /** Apply one update with learning rate `lr`; returns the gradient norm before clipping. */
  step(grads: Float32Array[], lr: number): number {
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.opt;
    let sq = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const norm = Math.sqrt(sq);
    const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    this.t++;
    const bc1 = 1 - Math.pow(beta1, this.t), bc2 = 1 - Math.pow(beta2, this.t);
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k], g = grads[k], m = this.m[k], v = this.v[k];
      const wd = this.decay[k] ? weightDecay : 0;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * scale;
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        p[i] -= lr * (m[i] / bc1 / (Math.sqrt(v[i] / bc2) + eps) + wd * p[i]);
      }
    }
    return norm;
  }
}
