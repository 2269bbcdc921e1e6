// Merging a LoRA adapter into the base: W' = W + s·B·A for every adapted linear layer (float64
// accumulation, stored f32). The result is an ordinary HF-layout model: export it as safetensors, or
// GGUF F16 / Q8_0 (formats/gguf.ts applies the llama q/k permutation on write, so GGUF bases round-trip).
import { type LoraConfig, type ModelConfig, linearShape, loraScale } from '../engine/config.ts';
import { type LoraParams, type WeightMap, modulePath } from '../engine/weights.ts';

export function mergeLora(cfg: ModelConfig, weights: WeightMap, lora: LoraConfig, params: LoraParams): WeightMap {
  const out: WeightMap = new Map(weights);
  const s = loraScale(lora), R = lora.rank;
  for (let i = 0; i < cfg.numLayers; i++) {
    for (const t of lora.targets) {
      const path = modulePath(i, t);
      const p = params.get(path);
      if (!p) throw new Error(`merge: LoRA parameters for ${path} are missing`);
      const [rows, cols] = linearShape(cfg, t);
      const w = weights.get(`${path}.weight`)!;
      const merged = new Float32Array(w.data);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          let acc = 0;
          for (let k = 0; k < R; k++) acc += p.B[r * R + k] * p.A[k * cols + c];
          merged[r * cols + c] += s * acc;
        }
      }
      out.set(`${path}.weight`, { shape: [rows, cols], data: merged });
    }
  }
  return out;
}
