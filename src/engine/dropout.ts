// LoRA dropout (PEFT's `lora_dropout`): y = x·Wᵀ + s·(dropout(x)·Aᵀ)·Bᵀ during training only.
// Inverted dropout: a kept element is scaled by 1/(1−p), a dropped one is 0.
//
// Masks are a pure function of (seed, step, micro-batch, layer, target, element index), never of how
// many times anything was called, so that gradient checkpointing recomputes the same mask and a run
// resumed from a checkpoint draws the masks an uninterrupted run would have drawn. The engine draws
// them on the GPU (kernels/dropout), the reference model on the CPU with the same integer hash, so
// both apply bit-identical masks:
//   stream = dropoutStream(key, layer, target)                 (CPU, one u32 per linear layer)
//   keep(i) = pcg(pcg(i) ^ stream) ≥ threshold                 (i = n·in + k over x [N, in])
// with pcg = the PCG-RXS-M-XS hash of Jarzynski & Olano, "Hash Functions for GPU Rendering" (2020),
// and threshold = round(p·2³²), so P(keep) = 1 − p to within 2⁻³².
import { LORA_TARGETS, type LoraTarget } from './config.ts';

/** Which training micro-batch a mask belongs to. */
export interface DropoutKey {
  seed: number;
  /** 0-based optimizer step being computed (the optimizer's step count before its update). */
  step: number;
  /** Micro-batch index within the step (gradient accumulation), 0-based. */
  micro: number;
}

/** pcg_hash (u32 → u32), the same integer ops as `pcg` in kernels/dropout/dropout.wgsl. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul((state >>> ((state >>> 28) + 4)) ^ state, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The u32 stream id of one linear layer's mask for one micro-batch. */
export function dropoutStream(k: DropoutKey, layer: number, target: LoraTarget): number {
  const site = pcgHash(layer * LORA_TARGETS.length + LORA_TARGETS.indexOf(target));
  return pcgHash((k.seed >>> 0) ^ pcgHash((k.step >>> 0) ^ pcgHash((k.micro >>> 0) ^ site)));
}

/** Hash values below this are dropped: round(p·2³²). */
export function dropoutThreshold(p: number): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout must be in [0, 1), got ${p}`);
  return Math.min(0xffffffff, Math.round(p * 2 ** 32));
}

/** The factor kept elements are multiplied by, 1/(1−p) rounded to f32 (as the kernel's uniform). */
export function dropoutScale(p: number): number {
  return Math.fround(1 / (1 - p));
}

/** Whether element i of the stream is kept. */
export function dropoutKeep(stream: number, threshold: number, i: number): boolean {
  return pcgHash(pcgHash(i) ^ stream) >= threshold;
}

/** The mask of `count` elements as multipliers: 1/(1−p) where kept, 0 where dropped. */
export function dropoutMask(stream: number, p: number, count: number): Float32Array {
  const thr = dropoutThreshold(p), s = dropoutScale(p);
  const m = new Float32Array(count);
  for (let i = 0; i < count; i++) m[i] = dropoutKeep(stream, thr, i) ? s : 0;
  return m;
}
