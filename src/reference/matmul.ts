// Matrix products for the reference model, fast on every tfjs backend.
//
// tfjs-wasm (4.22) multiplies 10–15× slower when the call transposes an operand: measured on this
// project's 2-core machine, a 1024×128 · (352×128)ᵀ product runs at 1.6 GFLOP/s with transposeB and the
// same product at 14–22 GFLOP/s on an explicitly transposed operand; tfjs-cpu behaves alike. tfjs's own
// gradient of matMul asks for exactly those transposed calls. So on wasm and cpu these helpers transpose
// explicitly (a copy, cheap next to the product) and give the gradients as plain products too. On webgpu,
// where a transpose is free inside the shader, they are tf.matMul itself, so the benchmark's baseline
// (stock tfjs ops on tfjs-webgpu) is unchanged. One LoRA training step of the embedded model (B=8,
// T=128) on tfjs-wasm: 3.2 s of forward + backward before, 1.1 s after. (Batched products, attention's,
// are slow on wasm either way, ~1 GFLOP/s; splitting them into 2-D products cost as much in copies.)
import * as tf from '@tensorflow/tfjs-core';

/** The last two axes swapped. */
function swap(t: tf.Tensor): tf.Tensor {
  const r = t.rank;
  return r === 2 ? tf.transpose(t) : tf.transpose(t, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
}

/** Whether the active backend is one whose transposed products are slow (everything but webgpu). */
export function explicitTransposes(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/** a · bᵀ over the last two axes (leading axes batched), both differentiable. */
export function matMulNT(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!explicitTransposes()) return tf.matMul(a, b, false, true);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: tf.matMul(x, swap(y)),
      // d(x·yᵀ): dx = dy·y, dy_y = dyᵀ·x
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        return [tf.matMul(g, saved[1]), tf.matMul(swap(g), saved[0])];
      },
    };
  });
  return f(a, b);
}

/** a · b over the last two axes (leading axes batched), both differentiable. */
export function matMulNN(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!explicitTransposes()) return tf.matMul(a, b);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: tf.matMul(x, y),
      // d(x·y): dx = dy·yᵀ, dy_y = xᵀ·dy
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        return [tf.matMul(g, swap(saved[1])), tf.matMul(swap(saved[0]), g)];
      },
    };
  });
  return f(a, b);
}

/** Below this many rows linearFrozen multiplies by the transposed weight in the call (see there). */
export const FEW_ROWS = 16;

/**
 * x · wᵀ for a frozen weight w (out, in): the gradient flows to x only (dx = dy·w, a plain product), so
 * nothing is spent on a weight gradient nobody asked for.
 */
export function linearFrozen(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  // A few rows (decoding one token) cost less through the transposed call than a copy of the weight.
  const rows = x.size / x.shape[x.rank - 1];
  if (!explicitTransposes() || rows < FEW_ROWS) return tf.matMul(x, w, false, true);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return {
      value: tf.matMul(input, swap(w)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.matMul(dy as tf.Tensor, w)],
    };
  });
  return f(x);
}
