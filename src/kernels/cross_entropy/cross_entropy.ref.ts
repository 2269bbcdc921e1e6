// CPU reference for kernels/cross_entropy, float64. logits [N, V], targets [N], mask [N].
// Rows with mask 0 or a target ≥ V give 0 loss and 0 gradient (as the kernel).

export function cross_entropy_cpu(logits: ArrayLike<number>, targets: ArrayLike<number>, mask: ArrayLike<number>, N: number, V: number, invCount: number): { loss: Float64Array; dlogits: Float64Array } {
  const loss = new Float64Array(N);
  const dlogits = new Float64Array(N * V);
  for (let n = 0; n < N; n++) {
    const t = targets[n];
    if (mask[n] === 0 || t >= V) continue;
    let m = -Infinity;
    for (let j = 0; j < V; j++) m = Math.max(m, logits[n * V + j]);
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(logits[n * V + j] - m);
    const lse = m + Math.log(s);
    loss[n] = mask[n] * (lse - logits[n * V + t]);
    for (let j = 0; j < V; j++) dlogits[n * V + j] = mask[n] * invCount * (Math.exp(logits[n * V + j] - lse) - (j === t ? 1 : 0));
  }
  return { loss, dlogits };
}
