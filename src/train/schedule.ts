// Learning-rate schedule: linear warmup from 0 to the peak, then cosine decay to minLr at the last step.

export interface Schedule {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  /** Floor of the cosine, as a fraction of lr (0 = decay to zero). */
  minLrRatio: number;
}

/** Learning rate used for optimizer step `step` (1-based, ≤ totalSteps). */
export function lrAt(s: Schedule, step: number): number {
  if (s.warmupSteps > 0 && step <= s.warmupSteps) return (s.lr * step) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - s.warmupSteps) / span));
  const min = s.lr * s.minLrRatio;
  return min + 0.5 * (s.lr - min) * (1 + Math.cos(Math.PI * progress));
}
