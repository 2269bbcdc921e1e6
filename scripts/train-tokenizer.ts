// Train the tabtune-tiny tokenizer: GPT-2-style byte-level BPE, 2,048 entries (3 specials + 256 bytes +
// 1,789 merges), on the text of public/data/*.jsonl. Deterministic (ties broken lexicographically; see
// scripts/tiny/bpe.ts); takes a few seconds.
//
//   npx tsx scripts/train-tokenizer.ts [--vocab 2048] [--out public/models/tabtune-tiny] [--data public/data]
//
// Writes OUT/tokenizer.json and OUT/tokenizer_config.json, then reloads them with loadTokenizer() and
// checks that every dataset text round-trips (decode(encode(text)) === text) and that the chat template
// renders ChatML; exits non-zero otherwise.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadTokenizer } from '../src/formats/tokenizer.ts';
import { SPECIALS, tokenizerConfigJson, tokenizerJson, trainBpe } from './tiny/bpe.ts';
import { DATA_DIR, MODEL_DIR, renderChatMl, tokenizerTexts } from './tiny/data.ts';

export const TINY_VOCAB = 2048;
export const TINY_MAX_POSITIONS = 256;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const vocabSize = Number(arg('vocab', String(TINY_VOCAB)));
  const out = resolve(arg('out', MODEL_DIR));
  const t0 = performance.now();
  const { texts, files } = tokenizerTexts(resolve(arg('data', DATA_DIR)));
  const chars = texts.reduce((a, t) => a + t.length, 0);
  console.log(`training text: ${texts.length} texts, ${chars} chars from ${files.join(', ')}`);
  const bpe = trainBpe(texts, SPECIALS, vocabSize);
  const t1 = performance.now();
  console.log(`trained: vocab ${bpe.vocab.size} (${SPECIALS.length} specials + 256 bytes + ${bpe.merges.length} merges) in ${((t1 - t0) / 1000).toFixed(1)} s`);
  console.log(`last merges: ${bpe.merges.slice(-5).map(([a, b]) => a + b).join(' | ')}`);

  mkdirSync(out, { recursive: true });
  const tj = JSON.stringify(tokenizerJson(bpe));
  const tc = JSON.stringify(tokenizerConfigJson(bpe, TINY_MAX_POSITIONS), null, 2) + '\n';
  writeFileSync(join(out, 'tokenizer.json'), tj);
  writeFileSync(join(out, 'tokenizer_config.json'), tc);

  // Verify with the app's own loader.
  const tok = loadTokenizer(tj, tc);
  let tokens = 0, bad = 0;
  for (const t of texts) {
    const ids = tok.encode(t, { addSpecialTokens: false });
    tokens += ids.length;
    if (tok.decode(ids) !== t) {
      if (bad++ < 3) console.error(`round trip failed: ${JSON.stringify(t.slice(0, 120))}`);
    }
  }
  const msgs = [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }];
  const rendered = tok.applyChatTemplate(msgs, { addGenerationPrompt: false });
  const templateOk = rendered === renderChatMl(msgs) && tok.eosId === bpe.vocab.get('<|im_end|>');
  console.log(`round trip: ${texts.length - bad}/${texts.length} texts; ${tokens} tokens (${(chars / tokens).toFixed(2)} chars/token); template ${templateOk ? 'ok' : 'WRONG'}`);
  console.log(`wrote ${join(out, 'tokenizer.json')} (${tj.length} B), tokenizer_config.json`);
  if (bad > 0 || !templateOk || tok.vocabSize !== vocabSize) process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
