// CPU references for kernels/elementwise, in float64 (results returned as new arrays; inputs untouched).

export function add_cpu(a: ArrayLike<number>, b: ArrayLike<number>, alpha = 1): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + alpha * b[i];
  return out;
}

/** y [N, M] + bias [M] broadcast over rows. */
export function add_bias_cpu(y: ArrayLike<number>, bias: ArrayLike<number>, N: number, M: number): Float64Array {
  const out = new Float64Array(N * M);
  for (let n = 0; n < N; n++) for (let j = 0; j < M; j++) out[n * M + j] = y[n * M + j] + bias[j];
  return out;
}

export function scale_cpu(x: ArrayLike<number>, s: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * s;
  return out;
}

/** dst with dst[dstOffset + i] = src[srcOffset + i] for i < count. */
export function copy_cpu(src: ArrayLike<number>, dst: ArrayLike<number>, count: number, srcOffset = 0, dstOffset = 0): Float64Array {
  const out = Float64Array.from(dst);
  for (let i = 0; i < count; i++) out[dstOffset + i] = src[srcOffset + i];
  return out;
}

/** dst [rows, dstLd] with dst[n, dstCol + j] = src[n, srcCol + j] for j < cols (src [rows, srcLd]). */
export function copy_cols_cpu(src: ArrayLike<number>, dst: ArrayLike<number>, rows: number, cols: number, srcLd: number, srcCol: number, dstLd: number, dstCol: number): Float64Array {
  const out = Float64Array.from(dst);
  for (let n = 0; n < rows; n++) for (let j = 0; j < cols; j++) out[n * dstLd + dstCol + j] = src[n * srcLd + srcCol + j];
  return out;
}
