// CPU reference for kernels/qmatmul, in float64 loops over the DEQUANTIZED weight (so a GPU kernel is
// compared with the maths it claims to do, not with the unquantized weight it came from).
//   forward   y[N, OUT] = alpha · x[N, IN] · Wᵀ (+ bias) (+ accumulate)
//   backward  dx[N, IN] = alpha · dy[N, OUT] · W (+ accumulate)
import { dequantize, type QuantizedMatrix } from '../../engine/quant.ts';

export interface QmatmulRefOpts {
  alpha?: number;
  /** [OUT], forward only */
  bias?: ArrayLike<number>;
  /** When given, the result is added to it. */
  accumulate?: ArrayLike<number>;
}

export function qmatmul_forward_cpu(x: ArrayLike<number>, q: QuantizedMatrix, N: number, o: QmatmulRefOpts = {}): Float32Array {
  const W = dequantize(q);
  const IN = q.cols, OUT = q.rows, alpha = o.alpha ?? 1;
  const y = new Float32Array(N * OUT);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < OUT; j++) {
      let s = 0;
      for (let k = 0; k < IN; k++) s += x[n * IN + k] * W[j * IN + k];
      y[n * OUT + j] = alpha * s + (o.bias ? o.bias[j] : 0) + (o.accumulate ? o.accumulate[n * OUT + j] : 0);
    }
  }
  return y;
}

export function qmatmul_backward_cpu(dy: ArrayLike<number>, q: QuantizedMatrix, N: number, o: Omit<QmatmulRefOpts, 'bias'> = {}): Float32Array {
  const W = dequantize(q);
  const IN = q.cols, OUT = q.rows, alpha = o.alpha ?? 1;
  const dx = new Float32Array(N * IN);
  const s = new Float64Array(IN);
  for (let n = 0; n < N; n++) {
    s.fill(0);
    for (let j = 0; j < OUT; j++) {
      const g = dy[n * OUT + j];
      for (let k = 0; k < IN; k++) s[k] += g * W[j * IN + k];
    }
    for (let k = 0; k < IN; k++) dx[n * IN + k] = alpha * s[k] + (o.accumulate ? o.accumulate[n * IN + k] : 0);
  }
  return dx;
}
