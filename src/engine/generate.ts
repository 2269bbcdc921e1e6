// Text generation on the engine: prefill the prompt into the KV cache, then one token per step
// (no full recompute). Greedy (temperature 0) is deterministic; temperature/top-p sampling is seeded.
import type { GpuModel } from './model.ts';
import { Rng } from './rng.ts';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature?: number;
  /** Nucleus sampling mass (1 = off). */
  topP?: number;
  stopIds?: number[];
  seed?: number;
  /** Called with each new token id as soon as it is chosen (streaming). */
  onToken?: (id: number) => void;
  /** Checked between tokens; true stops generation early. */
  shouldStop?: () => boolean;
}

/** Index of the largest value (first on ties). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** Sample an id from logits with temperature and top-p (nucleus) filtering. */
export function sample(logits: ArrayLike<number>, temperature: number, topP: number, rng: Rng): number {
  if (!(temperature > 0)) return argmax(logits);
  const n = logits.length;
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, logits[i]);
  const probs = new Float64Array(n);
  let z = 0;
  for (let i = 0; i < n; i++) z += probs[i] = Math.exp((logits[i] - m) / temperature);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  let mass = 0, cut = n;
  for (let k = 0; k < n; k++) {
    mass += probs[order[k]] / z;
    if (mass >= topP) { cut = k + 1; break; }
  }
  let total = 0;
  for (let k = 0; k < cut; k++) total += probs[order[k]];
  let r = rng.next() * total;
  for (let k = 0; k < cut; k++) {
    r -= probs[order[k]];
    if (r <= 0) return order[k];
  }
  return order[cut - 1];
}

/** Generate up to maxNewTokens ids after `prompt` (the prompt itself is not returned). */
export async function generate(model: GpuModel, prompt: number[], o: GenerateOptions): Promise<number[]> {
  if (prompt.length === 0) throw new Error('generate: empty prompt');
  // A soft prompt (prompt / prefix tuning) takes its virtual positions in front of the prompt.
  const maxT = Math.min(model.cfg.maxPositionEmbeddings - model.virtualPositions, prompt.length + o.maxNewTokens);
  const budget = maxT - prompt.length;
  if (budget <= 0) return [];
  const rng = new Rng(o.seed ?? 0);
  const stop = new Set(o.stopIds ?? []);
  model.beginDecode(maxT);
  const out: number[] = [];
  let logits = await model.decode(prompt);
  for (let i = 0; i < budget; i++) {
    const id = sample(logits, o.temperature ?? 0, o.topP ?? 1, rng);
    if (stop.has(id)) break;
    out.push(id);
    o.onToken?.(id);
    if (i + 1 >= budget || o.shouldStop?.()) break;
    logits = await model.decode([id]);
  }
  return out;
}
