// Greedy generation with the tfjs reference model (no KV cache: logits are recomputed for the whole
// growing sequence at every step; fine for a 1M-parameter model and ~100 tokens).

import type { TabTokenizer } from '../../src/formats/tokenizer.ts';
import type { ReferenceModel } from '../../src/reference/model.ts';

export interface Generation {
  question: string;
  text: string;
  tokens: number;
  stopped: boolean;
}

export function greedyAnswer(model: ReferenceModel, tok: TabTokenizer, question: string, maxNew = 48): Generation {
  const prompt = tok.encode(tok.applyChatTemplate([{ role: 'user', content: question }], { addGenerationPrompt: true }), { addSpecialTokens: false });
  const ids = [...prompt];
  const V = model.cfg.vocabSize;
  let stopped = false;
  for (let i = 0; i < maxNew; i++) {
    const T = ids.length;
    const logits = model.logits(Int32Array.from(ids), 1, T);
    let best = 0, bestV = -Infinity;
    for (let v = 0; v < V; v++) {
      const x = logits[(T - 1) * V + v];
      if (x > bestV) { bestV = x; best = v; }
    }
    if (tok.eosIds.includes(best)) { stopped = true; break; }
    ids.push(best);
  }
  const out = ids.slice(prompt.length);
  return { question, text: tok.decode(out, { skipSpecialTokens: true }), tokens: out.length, stopped };
}
