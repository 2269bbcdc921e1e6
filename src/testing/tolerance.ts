// Named tolerances and the one comparison helper every numeric test uses.
// Rule (as in burn): |x − y| ≤ atol + rtol·|ref| element-wise.

export interface Tolerance {
  atol: number;
  rtol: number;
}

export const TOL = {
  /** Same maths, same order of operations: bit-level differences only. */
  exact: { atol: 0, rtol: 0 },
  /** f32 GPU kernel vs float64 CPU loop of the same op (reassociation only). */
  strict: { atol: 1e-5, rtol: 1e-4 },
  /** Whole-model f32 logits vs the reference model (issue: max rel err ≤ 1e-4 at the scale of the logits). */
  logits: { atol: 1e-4, rtol: 1e-4 },
  /** Quantized base: engine vs reference on the same dequantized weights. */
  quantized: { atol: 1e-3, rtol: 1e-3 },
  /** Gradients of a full step vs tfjs autograd (float32 both sides, different summation order). */
  grad: { atol: 1e-5, rtol: 1e-3 },
  /** float32 analytic gradients vs float64 finite differences. */
  finiteDiff: { atol: 1e-4, rtol: 2e-3 },
} as const satisfies Record<string, Tolerance>;

export interface CloseReport {
  ok: boolean;
  maxAbs: number;
  maxRel: number;
  firstBad: number;
  message: string;
}

export function compareClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): CloseReport {
  if (actual.length !== expected.length) {
    return { ok: false, maxAbs: Infinity, maxRel: Infinity, firstBad: -1, message: `length ${actual.length} ≠ expected ${expected.length}` };
  }
  let maxAbs = 0, maxRel = 0, firstBad = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const d = Math.abs(a - e);
    const bad = !(d <= tol.atol + tol.rtol * Math.abs(e)); // NaN-safe: NaN compares false
    if (bad && firstBad < 0) firstBad = i;
    if (!Number.isNaN(d)) {
      maxAbs = Math.max(maxAbs, d);
      if (e !== 0) maxRel = Math.max(maxRel, d / Math.abs(e));
    } else maxAbs = NaN;
  }
  const ok = firstBad < 0;
  const message = ok
    ? `ok (n=${actual.length}, max abs ${maxAbs.toExponential(2)}, max rel ${maxRel.toExponential(2)})`
    : `mismatch at index ${firstBad}: got ${actual[firstBad]}, expected ${expected[firstBad]} (n=${actual.length}, max abs ${maxAbs.toExponential(2)}, max rel ${maxRel.toExponential(2)}, atol ${tol.atol}, rtol ${tol.rtol})`;
  return { ok, maxAbs, maxRel, firstBad, message };
}

/** Throw with max abs/rel error and the first bad index unless `actual` ≈ `expected`. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'values'): CloseReport {
  const r = compareClose(actual, expected, tol);
  if (!r.ok) throw new Error(`${what}: ${r.message}`);
  return r;
}
