import { describe, expect, it } from 'vitest';
import { lrAt } from './schedule.ts';

describe('lrAt (warmup + cosine)', () => {
  const s = { lr: 1e-3, warmupSteps: 4, totalSteps: 14, minLrRatio: 0 };
  it('warms up linearly', () => {
    expect(lrAt(s, 1)).toBeCloseTo(2.5e-4, 12);
    expect(lrAt(s, 2)).toBeCloseTo(5e-4, 12);
    expect(lrAt(s, 4)).toBeCloseTo(1e-3, 12);
  });
  it('decays along a cosine to the floor', () => {
    // step 9 is half-way through the 10 decay steps: cos(π/2) = 0 → lr/2
    expect(lrAt(s, 9)).toBeCloseTo(5e-4, 12);
    expect(lrAt(s, 14)).toBeCloseTo(0, 12);
    expect(lrAt({ ...s, minLrRatio: 0.1 }, 14)).toBeCloseTo(1e-4, 12);
    // hand-computed: step 6 → progress 0.2 → 0.5·(1+cos(0.2π)) = 0.9045084972
    expect(lrAt(s, 6)).toBeCloseTo(1e-3 * 0.9045084971874737, 12);
  });
  it('without warmup starts at the peak', () => {
    expect(lrAt({ ...s, warmupSteps: 0 }, 0)).toBeCloseTo(1e-3, 12);
  });
});
