// Turning tokenized examples into fixed-shape batches: length buckets (few distinct T, so GPU buffers
// and tfjs's buffer pool are reused), padding with masked positions, and a seeded epoch order.
import type { Batch } from '../engine/model.ts';
import { Rng } from '../engine/rng.ts';

/** One tokenized training example, already shifted: predict targets[i] at inputs[i] where mask[i] = 1. */
export interface Example {
  inputs: number[];
  targets: number[];
  mask: number[];
}

/** The smallest bucket that holds `len`, buckets sorted ascending; the last bucket caps everything. */
export function bucketFor(len: number, buckets: number[]): number {
  for (const b of buckets) if (len <= b) return b;
  return buckets[buckets.length - 1];
}

/** Default buckets: powers of two from 16 up to maxLen (inclusive, maxLen itself always present). */
export function defaultBuckets(maxLen: number): number[] {
  const out: number[] = [];
  for (let b = 16; b < maxLen; b *= 2) out.push(b);
  out.push(maxLen);
  return out;
}

/** Pack examples (each ≤ T long) into one [B, T] batch; padding positions are masked out. */
export function makeBatch(examples: Example[], T: number, padId = 0): Batch {
  const B = examples.length;
  const tokens = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(padId);
  const lossMask = new Float32Array(B * T);
  examples.forEach((e, b) => {
    const n = Math.min(T, e.inputs.length);
    for (let t = 0; t < n; t++) {
      tokens[b * T + t] = e.inputs[t];
      targets[b * T + t] = e.targets[t];
      lossMask[b * T + t] = e.mask[t];
    }
  });
  return { tokens, targets, lossMask, B, T };
}

/**
 * The batches of one epoch: examples grouped by bucket, shuffled with `seed + epoch`, cut into groups of
 * `batchSize` (a last partial group is kept). Deterministic given (examples, buckets, batchSize, seed, epoch).
 */
export function epochBatches(examples: Example[], buckets: number[], batchSize: number, seed: number, epoch: number): { indices: number[]; T: number }[] {
  const rng = new Rng((seed * 1_000_003 + epoch * 7919) >>> 0);
  const byBucket = new Map<number, number[]>();
  examples.forEach((e, i) => {
    const T = bucketFor(e.inputs.length, buckets);
    if (!byBucket.has(T)) byBucket.set(T, []);
    byBucket.get(T)!.push(i);
  });
  const batches: { indices: number[]; T: number }[] = [];
  for (const T of [...byBucket.keys()].sort((a, b) => a - b)) {
    const idx = rng.shuffle(byBucket.get(T)!);
    for (let i = 0; i < idx.length; i += batchSize) batches.push({ indices: idx.slice(i, i + batchSize), T });
  }
  return rng.shuffle(batches);
}
