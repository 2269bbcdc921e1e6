// Test support only (imported by *.test.ts, never by shipped code): tiny hand-written tokenizer.json
// files and the chat templates of the model families tabtune targets. The vocabularies are a few hundred
// entries, built here so that no model file is needed; they follow the real files' structure
// (docs: /work/shared/notes/formats.md §1.3, §2.4).

import {
  addedToken, BYTE_LEVEL_DECODER, bpeTokenizerJson, bytesToUnicode, sentencePieceDecoder, sentencePieceNormalizer, templateProcessing,
} from '../formats/tokenizer-json.ts';

/**
 * A byte-level BPE (SmolLM2 / Llama-3 style) with `specials` as added special tokens at ids 0.., the 256
 * byte symbols at ids specials.length + byte, and these merges (ids following, in order):
 *   l l, H e, He ll, Hell o, Ġ w, o r, Ġw or, Ġwor l, Ġworl d      → "Hello world" = [Hello, Ġworld].
 */
export function byteLevelTokenizerJson(
  specials: string[] = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
  /** A special token the post-processor puts before every text (Llama-3 does this with <|begin_of_text|>). */
  bosFromPostProcessor?: string,
): string {
  const b2u = bytesToUnicode();
  const vocab: Record<string, number> = {};
  specials.forEach((s, i) => (vocab[s] = i));
  const base = specials.length;
  b2u.forEach((u, b) => (vocab[u] = base + b));
  const merges: [string, string][] = [
    ['l', 'l'],
    ['H', 'e'],
    ['He', 'll'],
    ['Hell', 'o'],
    ['Ġ', 'w'],
    ['o', 'r'],
    ['Ġw', 'or'],
    ['Ġwor', 'l'],
    ['Ġworl', 'd'],
  ];
  let next = base + 256;
  for (const [a, b] of merges) vocab[a + b] = next++;
  return JSON.stringify(
    bpeTokenizerJson({
      addedTokens: specials.map((content, id) => addedToken(id, content, true)),
      normalizer: null,
      preTokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      postProcessor:
        bosFromPostProcessor === undefined
          ? { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true }
          : templateProcessing({ id: specials.indexOf(bosFromPostProcessor), token: bosFromPostProcessor }, undefined),
      decoder: BYTE_LEVEL_DECODER,
      vocab,
      merges,
    }),
  );
}

/** Ids in byteLevelTokenizerJson() with the default three specials. */
export const BYTE_LEVEL_IDS = { Hello: 3 + 256 + 3, Ġworld: 3 + 256 + 8, byte: (b: number) => 3 + b } as const;

/**
 * A SentencePiece-style BPE with byte fallback (Llama-2 / TinyLlama structure): `<unk>`=0, `<s>`=1,
 * `</s>`=2, `<0x00>`..`<0xFF>` = 3..258, then '▁' 259, 'h' 260, 'e' 261, 'l' 262, 'o' 263, 'w' 264,
 * 'r' 265, 'd' 266 and merges ▁h 267, ll 268, ▁he 269, ▁hell 270, ▁hello 271, ▁w 272, or 273, ▁wor 274,
 * ▁worl 275, ▁world 276. Everything else falls back to bytes. The post-processor prepends `<s>`.
 */
export function sentencePieceTokenizerJson(): string {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  let next = 259;
  for (const p of ['▁', 'h', 'e', 'l', 'o', 'w', 'r', 'd']) vocab[p] = next++;
  const merges = ['▁ h', 'l l', '▁h e', '▁he ll', '▁hell o', '▁ w', 'o r', '▁w or', '▁wor l', '▁worl d'];
  for (const m of merges) vocab[m.replace(' ', '')] = next++;
  return JSON.stringify(
    bpeTokenizerJson({
      addedTokens: [addedToken(0, '<unk>', true), addedToken(1, '<s>', true), addedToken(2, '</s>', true)],
      normalizer: sentencePieceNormalizer(true),
      preTokenizer: null,
      postProcessor: templateProcessing({ id: 1, token: '<s>' }, undefined),
      decoder: sentencePieceDecoder(true),
      vocab,
      merges,
      unkToken: '<unk>',
      fuseUnk: true,
      byteFallback: true,
    }),
  );
}

// Chat templates as they read after JSON-decoding tokenizer_config.json (so "\n" is a newline).

/** SmolLM2 (ChatML), verbatim from the note. */
export const SMOLLM2_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/** TinyLlama-1.1B-Chat (Zephyr), verbatim from the note. */
export const ZEPHYR_TEMPLATE =
  "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

/** Our own Llama-3-style template: BOS from the template, header tokens, content trimmed, <|eot_id|> ends a turn. */
export const LLAMA3_STYLE_TEMPLATE =
  "{{- bos_token }}\n" +
  '{%- for message in messages %}\n' +
  "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\n" +
  '{%- endfor %}\n' +
  '{%- if add_generation_prompt %}\n' +
  "    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n" +
  '{%- endif %}\n';

export const LLAMA3_SPECIALS = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'];

export function configJson(fields: Record<string, unknown>): string {
  return JSON.stringify(fields);
}
