// CPU reference for kernels/attention_decode (float64): n queries at positions pos0.. vs cache rows.
export function attention_decode_cpu(q: ArrayLike<number>, kc: ArrayLike<number>, vc: ArrayLike<number>, n: number, pos0: number, H: number, KV: number, D: number, W = 0): Float32Array {
  const o = new Float32Array(n * H * D);
  const scale = 1 / Math.sqrt(D);
  for (let i = 0; i < n; i++) {
    const t = pos0 + i;
    const lo = W > 0 && t >= W ? t + 1 - W : 0;
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / (H / KV));
      const scores: number[] = [];
      for (let s = lo; s <= t; s++) {
        let d = 0;
        for (let j = 0; j < D; j++) d += q[(i * H + h) * D + j] * kc[(s * KV + g) * D + j];
        scores.push(d * scale);
      }
      const m = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < D; j++) {
        let acc = 0;
        for (let s = lo; s <= t; s++) acc += (e[s - lo] / z) * vc[(s * KV + g) * D + j];
        o[(i * H + h) * D + j] = acc;
      }
    }
  }
  return o;
}
