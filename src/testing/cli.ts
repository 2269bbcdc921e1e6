// Test helpers for CLI tests: run `tabtune` as a user would, and write a tiny chat model (random
// weights, a small byte-level BPE tokenizer with a ChatML template) into a directory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteLevelTokenizerJson, configJson } from '../data/test-fixtures.ts';
import { randomWeights, tinyConfig } from '../engine/weights.ts';
import { hfConfigJson, weightsToSafetensors } from '../formats/safetensors.ts';

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Run `node bin/tabtune.mjs …args` from the repo root. */
export function tabtune(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/tabtune.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Write config.json, model.safetensors, tokenizer.json and tokenizer_config.json into `dir`. */
export function writeTinyChatModel(dir: string, seed = 3): void {
  const cfg = tinyConfig({ vocabSize: 3 + 256 + 9, hiddenSize: 32, numLayers: 1, tieWordEmbeddings: true, eosTokenIds: [2] });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(hfConfigJson(cfg)));
  writeFileSync(join(dir, 'model.safetensors'), weightsToSafetensors(cfg, randomWeights(cfg, seed)));
  writeFileSync(join(dir, 'tokenizer.json'), byteLevelTokenizerJson());
  writeFileSync(join(dir, 'tokenizer_config.json'), configJson({ chat_template: CHATML_TEMPLATE, eos_token: '<|im_end|>', pad_token: '<|endoftext|>' }));
}
