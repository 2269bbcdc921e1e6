// Test support only (imported by *.test.ts, never by shipped code): tiny hand-written tokenizer.json
// files and the chat templates of the model families tabtune targets. The vocabularies are a few hundred
// entries, built here so that no model file is needed; they follow the real files' structure
// (docs: /work/shared/notes/formats.md §1.3, §2.4).

/** GPT-2 bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 upwards (space → 'Ġ', '\n' → 'Ċ'). */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i])));
  return out;
}

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
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor:
      bosFromPostProcessor === undefined
        ? { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true }
        : {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: bosFromPostProcessor, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
            pair: [
              { SpecialToken: { id: bosFromPostProcessor, type_id: 0 } },
              { Sequence: { id: 'A', type_id: 0 } },
              { SpecialToken: { id: bosFromPostProcessor, type_id: 1 } },
              { Sequence: { id: 'B', type_id: 1 } },
            ],
            special_tokens: { [bosFromPostProcessor]: { id: bosFromPostProcessor, ids: [specials.indexOf(bosFromPostProcessor)], tokens: [bosFromPostProcessor] } },
          },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  });
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
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges,
    },
  });
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
