// Benchmark shapes: the embedded default model's shape and a SmolLM2-135M-shaped model (random weights).
import type { LoraConfig, ModelConfig } from '../engine/config.ts';
import { LORA_TARGETS } from '../engine/config.ts';
import type { BaseDtype } from '../engine/quant.ts';
import { tinyConfig } from '../engine/weights.ts';

export interface BenchShape {
  name: string;
  cfg: ModelConfig;
  B: number;
  T: number;
  lora: LoraConfig;
  baseDtype: BaseDtype;
  /** Default timed rounds and steps per round (`--rounds` overrides the first): a SmolLM2-sized step
   * takes minutes on a software adapter. */
  rounds: number;
  stepsPerRound: number;
}

const ALL_LINEAR_R16: LoraConfig = { rank: 16, alpha: 32, dropout: 0, targets: [...LORA_TARGETS], useRslora: false };

const TINY_CFG = tinyConfig({ hiddenSize: 128, intermediateSize: 352, numLayers: 4, numHeads: 4, numKvHeads: 2, headDim: 32, vocabSize: 2048, tieWordEmbeddings: true, maxPositionEmbeddings: 256 });

export const SHAPES: Record<string, BenchShape> = {
  // Inside issue #7's range (seq 128–512, batch 1–4): T = 128 is the default recipe's longest length
  // bucket and B = 4 the in-range batch nearest the app's default of 8.
  tiny: {
    name: 'tiny (embedded-default shape: C=128, F=352, L=4, H=4/KV=2, V=2048)',
    cfg: TINY_CFG,
    B: 4, T: 128, lora: ALL_LINEAR_R16, baseDtype: 'int4', rounds: 3, stepsPerRound: 2,
  },
  // The earlier tiny figure's batch (B=2, T=64: below the sequence range), kept for comparison.
  'tiny-t64': {
    name: 'tiny at B=2, T=64 (embedded-default shape: C=128, F=352, L=4, H=4/KV=2, V=2048)',
    cfg: TINY_CFG,
    B: 2, T: 64, lora: ALL_LINEAR_R16, baseDtype: 'int4', rounds: 3, stepsPerRound: 2,
  },
  'smollm2-135m': {
    name: 'SmolLM2-135M shape (C=576, F=1536, L=30, H=9/KV=3, V=49152)',
    cfg: tinyConfig({ hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9, numKvHeads: 3, headDim: 64, vocabSize: 49152, tieWordEmbeddings: true, ropeTheta: 100000, maxPositionEmbeddings: 8192 }),
    B: 1, T: 128, lora: ALL_LINEAR_R16, baseDtype: 'int4', rounds: 1, stepsPerRound: 1,
  },
};
