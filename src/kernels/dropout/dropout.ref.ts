// CPU reference for kernels/dropout: y = mask ⊙ x (+ y0 when accumulating), mask from engine/dropout.ts.
import { dropoutMask } from '../../engine/dropout.ts';

export function dropout_cpu(x: ArrayLike<number>, stream: number, p: number, accumulate?: ArrayLike<number>): Float32Array {
  const m = dropoutMask(stream, p, x.length);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.fround(x[i] * m[i]) + (accumulate ? accumulate[i] : 0);
  return y;
}
