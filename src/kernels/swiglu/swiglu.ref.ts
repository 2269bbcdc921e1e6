// CPU reference for kernels/swiglu, float64: h = silu(g)·u elementwise; backward gives dg, du.

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function swiglu_cpu(g: ArrayLike<number>, u: ArrayLike<number>): Float64Array {
  const h = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) h[i] = g[i] * sigmoid(g[i]) * u[i];
  return h;
}

export function swiglu_backward_cpu(dh: ArrayLike<number>, g: ArrayLike<number>, u: ArrayLike<number>): { dg: Float64Array; du: Float64Array } {
  const dg = new Float64Array(g.length);
  const du = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) {
    const s = sigmoid(g[i]);
    du[i] = dh[i] * g[i] * s;
    dg[i] = dh[i] * u[i] * s * (1 + g[i] * (1 - s));
  }
  return { dg, du };
}
