// FLOPs of one LoRA training step (forward + backward + LoRA grads), counting the matmul-like work
// the engine really does (2 FLOPs per multiply-add). The frozen base needs no dW, so its backward is one
// dX matmul per linear layer — the same cost as its forward.
import { type LoraConfig, type ModelConfig, LORA_TARGETS, linearShape } from '../engine/config.ts';

export function stepFlops(cfg: ModelConfig, B: number, T: number, lora: LoraConfig | null): number {
  const N = B * T, R = lora?.rank ?? 0;
  let linear = 0, loraF = 0;
  for (const t of LORA_TARGETS) {
    const [out, inn] = linearShape(cfg, t);
    linear += 2 * N * out * inn;
    if (lora?.targets.includes(t)) loraF += 2 * N * R * (inn + out); // h = x·Aᵀ, y += h·Bᵀ
  }
  linear *= cfg.numLayers;
  loraF *= cfg.numLayers;
  const head = 2 * N * cfg.hiddenSize * cfg.vocabSize;
  // causal attention: scores and weighted sum over ~T/2 keys per query, per head
  const attn = cfg.numLayers * 2 * 2 * B * cfg.numHeads * (T * (T + 1)) / 2 * cfg.headDim;
  const forward = linear + loraF + head + attn;
  // backward: dX through every linear (= forward), LoRA dA, dB, dh, dX (≈ 2× its forward),
  // LM head dX, attention backward (≈ 2× its forward: dq, dk, dv and recomputed scores)
  const backward = linear + 2 * loraF + head + 2 * attn;
  return forward + backward;
}
