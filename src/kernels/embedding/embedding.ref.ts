// CPU reference for kernels/embedding: x[n, :] = E[tok[n], :], zeros for ids ≥ V.

export function embedding_cpu(E: ArrayLike<number>, tok: ArrayLike<number>, N: number, C: number, V: number): Float64Array {
  const x = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    if (tok[n] >= V) continue;
    for (let c = 0; c < C; c++) x[n * C + c] = E[tok[n] * C + c];
  }
  return x;
}
