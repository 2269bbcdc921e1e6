// CPU reference for kernels/attention: causal grouped-query attention with an optional sliding
// window and an optional key/value prefix, float64, materialising the scores row by row (fine at test
// sizes).
// q, o, dO, dq: [N, H·D]; k, v, dk, dv: [N, KV·D]; row n = b·T + t; head h of a row at columns
// h·D .. h·D+D−1; query head h reads kv head h / (H/KV). lse: [B·H·T] at (b·H + h)·T + t.
// Prefix (prefix tuning): pk, pv [P, KV·D], shared by the batch rows; slot j sits at position j and
// sequence row t at P + t, every query sees every slot (within the window W when W > 0).

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

export interface PrefixKV {
  P: number;
  pk: ArrayLike<number>; // [P, KV·D]
  pv: ArrayLike<number>; // [P, KV·D]
}

const NO_PREFIX: PrefixKV = { P: 0, pk: [], pv: [] };

/** The keys query t sees: [first, t]. */
export function keyRange(t: number, W: number): [number, number] {
  return [W > 0 ? Math.max(0, t - W + 1) : 0, t];
}

/** A key query t sees: prefix slot j (seq = false) or sequence row j of its batch row. */
interface Key { seq: boolean; j: number }

/** The keys query t sees, prefix slots first. */
function visibleKeys(t: number, W: number, P: number): Key[] {
  const keys: Key[] = [];
  for (let j = 0; j < P; j++) if (W === 0 || j > P + t - W) keys.push({ seq: false, j });
  const [first, last] = keyRange(t, W);
  for (let j = first; j <= last; j++) keys.push({ seq: true, j });
  return keys;
}

/** Offset of key `kk`'s kv head in k/v (sequence) or pk/pv (prefix). */
function keyOffset(kk: Key, s: AttentionShape, b: number, kvh: number): number {
  return kk.seq ? ((b * s.T + kk.j) * s.KV + kvh) * s.D : (kk.j * s.KV + kvh) * s.D;
}

/** Scaled scores and softmax probabilities of query (b, h, t) over the keys it sees. */
function probs(q: ArrayLike<number>, k: ArrayLike<number>, s: AttentionShape, pre: PrefixKV, b: number, h: number, t: number) {
  const { T, H, KV, D } = s;
  const scale = s.scale ?? 1 / Math.sqrt(D);
  const kvh = Math.floor(h / (H / KV));
  const keys = visibleKeys(t, s.slidingWindow ?? 0, pre.P);
  const sc = keys.map((kk) => {
    const src = kk.seq ? k : pre.pk, ko = keyOffset(kk, s, b, kvh);
    let dot = 0;
    for (let d = 0; d < D; d++) dot += q[((b * T + t) * H + h) * D + d] * src[ko + d];
    return dot * scale;
  });
  const m = Math.max(...sc);
  const e = sc.map((x) => Math.exp(x - m));
  const sum = e.reduce((a, x) => a + x, 0);
  return { keys, kvh, scale, p: e.map((x) => x / sum), lse: m + Math.log(sum) };
}

export function attention_cpu(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, s: AttentionShape, pre: PrefixKV = NO_PREFIX): { o: Float64Array; lse: Float64Array } {
  const { B, T, H, D } = s;
  const o = new Float64Array(B * T * H * D);
  const lse = new Float64Array(B * H * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const r = probs(q, k, s, pre, b, h, t);
        lse[(b * H + h) * T + t] = r.lse;
        r.p.forEach((pj, idx) => {
          const kk = r.keys[idx], src = kk.seq ? v : pre.pv, vo = keyOffset(kk, s, b, r.kvh);
          for (let d = 0; d < D; d++) o[((b * T + t) * H + h) * D + d] += pj * src[vo + d];
        });
      }
    }
  }
  return { o, lse };
}

/**
 * Gradients from dO: with P the softmax probabilities, dP = dO·Vᵀ, dS = P ∘ (dP − rowsum(dO ∘ O)),
 * dQ = scale·dS·K, dK = scale·dSᵀ·Q, dV = Pᵀ·dO; dK and dV are summed over the query heads sharing
 * a kv head (and the prefix's dpk, dpv over the batch rows too). Everything is recomputed from q, k, v
 * here (the forward's o and lse are not trusted).
 */
export function attention_backward_cpu(dO: ArrayLike<number>, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, s: AttentionShape, pre: PrefixKV = NO_PREFIX): { dq: Float64Array; dk: Float64Array; dv: Float64Array; dpk: Float64Array; dpv: Float64Array } {
  const { B, T, H, KV, D } = s;
  const { o } = attention_cpu(q, k, v, s, pre);
  const dq = new Float64Array(B * T * H * D);
  const dk = new Float64Array(B * T * KV * D);
  const dv = new Float64Array(B * T * KV * D);
  const dpk = new Float64Array(pre.P * KV * D);
  const dpv = new Float64Array(pre.P * KV * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const r = probs(q, k, s, pre, b, h, t);
        const qo = ((b * T + t) * H + h) * D;
        let delta = 0;
        for (let d = 0; d < D; d++) delta += dO[qo + d] * o[qo + d];
        r.p.forEach((pj, idx) => {
          const kk = r.keys[idx], ko = keyOffset(kk, s, b, r.kvh);
          const [ks, vs, dks, dvs] = kk.seq ? [k, v, dk, dv] : [pre.pk, pre.pv, dpk, dpv];
          let dp = 0;
          for (let d = 0; d < D; d++) dp += dO[qo + d] * vs[ko + d];
          const ds = pj * (dp - delta);
          for (let d = 0; d < D; d++) {
            dq[qo + d] += r.scale * ds * ks[ko + d];
            dks[ko + d] += r.scale * ds * q[qo + d];
            dvs[ko + d] += pj * dO[qo + d];
          }
        });
      }
    }
  }
  return { dq, dk, dv, dpk, dpv };
}
