// CPU reference for kernels/attention: causal grouped-query attention with an optional sliding
// window, float64, materialising the scores row by row (fine at test sizes).
// q, o, dO, dq: [N, H·D]; k, v, dk, dv: [N, KV·D]; row n = b·T + t; head h of a row at columns
// h·D .. h·D+D−1; query head h reads kv head h / (H/KV). lse: [B·H·T] at (b·H + h)·T + t.

export interface AttentionShape {
  B: number;
  T: number;
  H: number;
  KV: number;
  D: number;
  /** 0 or undefined: full causal; W > 0: query t sees keys s with t − W < s ≤ t. */
  slidingWindow?: number;
  /** Default 1/sqrt(D). */
  scale?: number;
}

/** The keys query t sees: [first, t]. */
export function keyRange(t: number, W: number): [number, number] {
  return [W > 0 ? Math.max(0, t - W + 1) : 0, t];
}

/** Scaled scores and softmax probabilities of query (b, h, t) over keys first..t. */
function probs(q: ArrayLike<number>, k: ArrayLike<number>, s: AttentionShape, b: number, h: number, t: number) {
  const { T, H, KV, D } = s;
  const scale = s.scale ?? 1 / Math.sqrt(D);
  const kvh = Math.floor(h / (H / KV));
  const [first, last] = keyRange(t, s.slidingWindow ?? 0);
  const sc: number[] = [];
  for (let j = first; j <= last; j++) {
    let dot = 0;
    for (let d = 0; d < D; d++) dot += q[((b * T + t) * H + h) * D + d] * k[((b * T + j) * KV + kvh) * D + d];
    sc.push(dot * scale);
  }
  const m = Math.max(...sc);
  const e = sc.map((x) => Math.exp(x - m));
  const sum = e.reduce((a, x) => a + x, 0);
  return { first, kvh, scale, p: e.map((x) => x / sum), lse: m + Math.log(sum) };
}

export function attention_cpu(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, s: AttentionShape): { o: Float64Array; lse: Float64Array } {
  const { B, T, H, KV, D } = s;
  const o = new Float64Array(B * T * H * D);
  const lse = new Float64Array(B * H * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const r = probs(q, k, s, b, h, t);
        lse[(b * H + h) * T + t] = r.lse;
        r.p.forEach((pj, idx) => {
          const j = r.first + idx;
          for (let d = 0; d < D; d++) o[((b * T + t) * H + h) * D + d] += pj * v[((b * T + j) * KV + r.kvh) * D + d];
        });
      }
    }
  }
  return { o, lse };
}

/**
 * Gradients from dO: with P the softmax probabilities, dP = dO·Vᵀ, dS = P ∘ (dP − rowsum(dO ∘ O)),
 * dQ = scale·dS·K, dK = scale·dSᵀ·Q, dV = Pᵀ·dO; dK and dV are summed over the query heads sharing
 * a kv head. Everything is recomputed from q, k, v here (the forward's o and lse are not trusted).
 */
export function attention_backward_cpu(dO: ArrayLike<number>, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, s: AttentionShape): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { B, T, H, KV, D } = s;
  const { o } = attention_cpu(q, k, v, s);
  const dq = new Float64Array(B * T * H * D);
  const dk = new Float64Array(B * T * KV * D);
  const dv = new Float64Array(B * T * KV * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const r = probs(q, k, s, b, h, t);
        const qo = ((b * T + t) * H + h) * D;
        let delta = 0;
        for (let d = 0; d < D; d++) delta += dO[qo + d] * o[qo + d];
        r.p.forEach((pj, idx) => {
          const ko = ((b * T + r.first + idx) * KV + r.kvh) * D;
          let dp = 0;
          for (let d = 0; d < D; d++) dp += dO[qo + d] * v[ko + d];
          const ds = pj * (dp - delta);
          for (let d = 0; d < D; d++) {
            dq[qo + d] += r.scale * ds * k[ko + d];
            dk[ko + d] += r.scale * ds * q[qo + d];
            dv[ko + d] += pj * dO[qo + d];
          }
        });
      }
    }
  }
  return { dq, dk, dv };
}
