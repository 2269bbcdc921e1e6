// Initial values of a soft prompt (config.ts SoftPromptConfig; P = virtual tokens, shapes as there):
//   prompt tuning, init 'random'   P embedding rows of vocabulary ids drawn uniformly with a seeded Rng
//                                  (PEFT's "sample vocab" init; the embeddings keep the model's scale)
//   prompt tuning, init 'text'     the init text's token embeddings, repeated or truncated to P
//                                  (PEFT's TEXT init)
//   prefix tuning                  N(0, 1) per value, as PEFT's PrefixEncoder (an nn.Embedding without
//                                  projection) starts; 'text' is not offered for prefixes
// The base model is never touched: the embedding table is only read.
import { type ModelConfig, type SoftPromptConfig, softPromptSize } from './config.ts';
import { Rng } from './rng.ts';

export class SoftPromptError extends Error {
  override name = 'SoftPromptError';
}

/**
 * `embed` [V, C] is model.embed_tokens.weight; `initIds` are the init text's token ids (needed when
 * sp.init is 'text'; the caller tokenizes without special tokens).
 */
export function initSoftPrompt(cfg: ModelConfig, embed: Float32Array, sp: SoftPromptConfig, seed: number, initIds?: readonly number[]): Float32Array {
  const P = sp.virtualTokens, C = cfg.hiddenSize, V = cfg.vocabSize;
  if (!(Number.isInteger(P) && P >= 1)) throw new SoftPromptError(`the number of virtual tokens must be a positive integer, got ${P}`);
  const rng = new Rng(seed ^ 0x50524f4d); // its own stream: does not shift the LoRA / data draws of the same seed
  if (sp.method === 'prefix') {
    if (sp.init.kind !== 'random') throw new SoftPromptError('prefix tuning starts from random values; a text init goes with prompt tuning');
    return rng.normals(softPromptSize(cfg, sp), 1);
  }
  if (embed.length !== V * C) throw new SoftPromptError(`the embedding table has ${embed.length} values, expected ${V}×${C}`);
  let ids: number[];
  if (sp.init.kind === 'random') ids = Array.from({ length: P }, () => rng.int(V));
  else {
    const src = initIds ?? [];
    if (src.length === 0) throw new SoftPromptError(`the prompt init text "${sp.init.text}" has no tokens`);
    for (const id of src) if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new SoftPromptError(`init token id ${id} is outside the vocabulary (0..${V - 1})`);
    ids = Array.from({ length: P }, (_, i) => src[i % src.length]);
  }
  const out = new Float32Array(P * C);
  ids.forEach((id, p) => out.set(embed.subarray(id * C, (id + 1) * C), p * C));
  return out;
}
