// CPU reference for kernels/rmsnorm, float64 loops. x, dy: [N, C]; w: [C]; rstd: [N].

export function rmsnorm_cpu(x: ArrayLike<number>, w: ArrayLike<number>, N: number, C: number, eps: number): { y: Float64Array; rstd: Float64Array } {
  const y = new Float64Array(N * C);
  const rstd = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let ss = 0;
    for (let j = 0; j < C; j++) ss += x[n * C + j] * x[n * C + j];
    const r = 1 / Math.sqrt(ss / C + eps);
    rstd[n] = r;
    for (let j = 0; j < C; j++) y[n * C + j] = x[n * C + j] * r * w[j];
  }
  return { y, rstd };
}

/** dx [N, C] from dy (rstd recomputed from x, so this reference does not trust the forward's). */
export function rmsnorm_backward_cpu(dy: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>, N: number, C: number, eps: number): Float64Array {
  const dx = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    let ss = 0, gx = 0;
    for (let j = 0; j < C; j++) {
      ss += x[n * C + j] * x[n * C + j];
      gx += w[j] * dy[n * C + j] * x[n * C + j];
    }
    const r = 1 / Math.sqrt(ss / C + eps);
    for (let j = 0; j < C; j++) dx[n * C + j] = r * (w[j] * dy[n * C + j] - (x[n * C + j] * r * r * gx) / C);
  }
  return dx;
}
