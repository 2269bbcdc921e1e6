// CPU reference for kernels/matmul: C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] (+ C), in float64 loops.

export interface MatmulOpts {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  /** When given, the result is added to it (accumulate). */
  accumulate?: Float32Array;
}

export function matmul_cpu(A: ArrayLike<number>, B: ArrayLike<number>, M: number, N: number, K: number, o: MatmulOpts = {}): Float32Array {
  const C = new Float32Array(M * N);
  const alpha = o.alpha ?? 1;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = o.transA ? A[k * M + m] : A[m * K + k];
        const b = o.transB ? B[n * K + k] : B[k * N + n];
        s += a * b;
      }
      C[m * N + n] = alpha * s + (o.accumulate ? o.accumulate[m * N + n] : 0);
    }
  }
  return C;
}
