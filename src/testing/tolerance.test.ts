import { describe, expect, it } from 'vitest';
import { compareClose, expectClose, TOL } from './tolerance.ts';

describe('expectClose', () => {
  it('accepts values within atol + rtol·|ref|', () => {
    expect(compareClose([1.00005, 2], [1, 2], TOL.strict).ok).toBe(true);
  });
  it('reports the first bad index and max errors', () => {
    const r = compareClose([1, 2.5, 3, 9], [1, 2, 3, 4], TOL.strict);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toBe(1);
    expect(r.maxAbs).toBe(5);
    expect(() => expectClose([1, 2.5], [1, 2], TOL.strict, 'x')).toThrow(/x: mismatch at index 1/);
  });
  it('treats NaN as a mismatch and lengths must agree', () => {
    expect(compareClose([NaN], [1], TOL.strict).ok).toBe(false);
    expect(compareClose([1], [1, 2], TOL.strict).ok).toBe(false);
  });
});
