import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spmGguf, spmGgufMetadata, spmTokenizerJson, SPM_CHAT_TEMPLATE, trainSpmVocab, type SpmVocab } from '../../scripts/make-spm-gguf.ts';
import { randomWeights, tinyConfig } from '../engine/weights.ts';
import { FormatError } from './errors.ts';
import { ggufArray, modelToGguf, openGguf, type GgufFile, type GgufValue } from './gguf.ts';
import { GGUF_TOKEN_TYPE, mergesFromScores, tokenizerFromGguf, type GgufMetadata } from './gguf-tokenizer.ts';
import { buildGgufModel } from './model-loader.ts';
import { withFileSource } from './node-source.ts';
import { bytesSource } from './source.ts';
import { loadTokenizer, type ChatMessage, type TabTokenizer } from './tokenizer.ts';
import { catchErr } from '../testing/errors.ts';

const TINY = join(__dirname, '../../public/models/tabtune-tiny');

/** The file's metadata with some keys replaced (a value) or removed (undefined). */
function patched(g: GgufMetadata, patch: Record<string, GgufValue | undefined>, name = g.name): GgufMetadata {
  return { name, meta: (k) => (Object.hasOwn(patch, k) ? patch[k] : g.meta(k)) };
}

const STRINGS = [
  'Hello world',
  'How do bees make honey?',
  "It's 2+2=4, isn't it? (yes) [x] {y} #1 $5 100%",
  'héllo wörld — “quotes” naïve café',
  '数学 is fun; 日本語のテキスト',
  'emoji 🌍🐝 and 👩‍👩‍👧 and flags 🇫🇷',
  '  two  spaces   three\n\nnewlines\ttab\t\ttabs \r\n',
  ' leading space',
  'trailing space ',
  '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
  'text<|im_end|>more<|endoftext|>',
  '<|im_start', // an incomplete special token is plain text
  '',
];

const CONV: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'How do bees make honey? 🐝' },
  { role: 'assistant', content: 'As a beekeeper: from nectar.' },
];

describe('tabtune-tiny.gguf (gpt2 byte-level BPE in the metadata) tokenizes like its tokenizer.json', () => {
  let g: GgufFile;
  let fromGguf: TabTokenizer;
  let fromJson: TabTokenizer;
  beforeAll(async () => {
    g = await withFileSource(join(TINY, 'tabtune-tiny.gguf'), (src) => openGguf(src));
    const r = tokenizerFromGguf(g);
    expect(r.warnings).toEqual([]);
    fromGguf = r.tokenizer!;
    fromJson = loadTokenizer(readFileSync(join(TINY, 'tokenizer.json'), 'utf8'), readFileSync(join(TINY, 'tokenizer_config.json'), 'utf8'));
  });

  it('encodes every test string to the same ids, with and without special tokens', () => {
    for (const s of STRINGS) {
      expect(fromGguf.encode(s), s).toEqual(fromJson.encode(s));
      expect(fromGguf.encode(s, { addSpecialTokens: false }), s).toEqual(fromJson.encode(s, { addSpecialTokens: false }));
    }
    expect(fromGguf.encode('<|im_start|>user')[0]).toBe(1);
  });

  it('decodes the same, and round-trips', () => {
    for (const s of STRINGS) {
      const ids = fromJson.encode(s);
      expect(fromGguf.decode(ids), s).toBe(fromJson.decode(ids));
      expect(fromGguf.decode(ids, { skipSpecialTokens: true }), s).toBe(fromJson.decode(ids, { skipSpecialTokens: true }));
      expect(fromGguf.decode(ids), s).toBe(s);
    }
  });

  it('has the same special ids, vocabulary size and post-processor', () => {
    for (const k of ['vocabSize', 'bosToken', 'bosId', 'eosToken', 'eosId', 'eosIds', 'padId', 'unkId', 'postProcessorPrefix', 'postProcessorSuffix'] as const) {
      expect(fromGguf[k], k).toEqual(fromJson[k]);
    }
    expect([...fromGguf.specialTokens]).toEqual([...fromJson.specialTokens]);
    for (let id = 0; id < fromJson.vocabSize; id += 97) expect(fromGguf.idToToken(id)).toBe(fromJson.idToToken(id));
  });

  it('renders tokenizer.chat_template identically', () => {
    expect(fromGguf.chatTemplate).toBe(fromJson.chatTemplate);
    expect(fromGguf.chatTemplateSource).toBe('tabtune-tiny.gguf tokenizer.chat_template');
    for (const addGenerationPrompt of [false, true]) {
      for (const msgs of [CONV, CONV.slice(1, 2)]) {
        const a = fromGguf.applyChatTemplate(msgs, { addGenerationPrompt });
        expect(a).toBe(fromJson.applyChatTemplate(msgs, { addGenerationPrompt }));
        expect(fromGguf.encode(a)).toEqual(fromJson.encode(a));
      }
    }
  });

  it('buildGgufModel attaches it, without the old "token-id input only" warning', async () => {
    const m = await withFileSource(join(TINY, 'tabtune-tiny.gguf'), (src) => buildGgufModel(src));
    expect(m.warnings).toEqual([]);
    expect(m.tokenizer?.encode('Hello world')).toEqual(fromJson.encode('Hello world'));
    expect(m.tokenizer!.vocabSize).toBeLessThanOrEqual(m.config.vocabSize);
  });

  it('splits by tokenizer.ggml.pre: Llama-3 groups digits by three, SmolLM splits them one by one', () => {
    const text = 'year 1234567 and 42';
    const digitRuns = (t: TabTokenizer) => t.encode(text, { addSpecialTokens: false }).map((id) => t.decode([id])).filter((s) => /\d/.test(s)).map((s) => s.trim());
    const llama3 = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.pre': 'llama-bpe', 'tokenizer.ggml.add_bos_token': undefined }));
    expect(llama3.warnings).toEqual([]);
    for (const run of digitRuns(llama3.tokenizer!)) expect(run.length).toBeLessThanOrEqual(3);
    expect(digitRuns(llama3.tokenizer!).join('')).toBe('123456742');
    // Llama-3: BOS by default when the file does not say otherwise.
    expect(llama3.tokenizer!.encode('Hi')[0]).toBe(1);
    const smollm = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.pre': 'smollm' })).tokenizer!;
    expect(digitRuns(smollm)).toEqual(['1', '2', '3', '4', '5', '6', '7', '4', '2']);
    expect(smollm.decode(smollm.encode(text))).toBe(text);
    const qwen2 = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.pre': 'qwen2' })).tokenizer!;
    expect(qwen2.decode(qwen2.encode(STRINGS[4]))).toBe(STRINGS[4]);
  });

  it('an unknown tokenizer.ggml.pre falls back to GPT-2 splitting with a warning', () => {
    const r = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.pre': 'some-new-model' }));
    expect(r.warnings.join('\n')).toMatch(/tokenizer\.ggml\.pre "some-new-model" is not known/);
    expect(r.tokenizer!.encode('Hello world')).toEqual(fromJson.encode('Hello world'));
  });

  it('add_bos_token / add_eos_token become the post-processor', () => {
    const t = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.add_bos_token': true, 'tokenizer.ggml.add_eos_token': true })).tokenizer!;
    expect(t.postProcessorPrefix).toEqual([1]);
    expect(t.postProcessorSuffix).toEqual([2]);
    expect(t.encode('Hello world')).toEqual([1, ...fromJson.encode('Hello world'), 2]);
    expect(t.encode('Hello world', { addSpecialTokens: false })).toEqual(fromJson.encode('Hello world'));
  });

  it('without token_type, bos/eos are the special tokens', () => {
    const t = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.token_type': undefined })).tokenizer!;
    expect(t.isSpecialId(1)).toBe(true);
    expect(t.isSpecialId(2)).toBe(true);
    expect(t.encode('<|im_start|>x<|im_end|>')).toEqual(fromJson.encode('<|im_start|>x<|im_end|>'));
  });
});

describe('SentencePiece BPE from tokens + scores (scripts/make-spm-gguf.ts, Llama-2 / TinyLlama layout)', () => {
  let v: SpmVocab;
  let g: GgufFile;
  let tok: TabTokenizer;
  let ref: TabTokenizer;
  const id = (piece: string) => {
    const i = v.tokens.indexOf(piece);
    if (i < 0) throw new Error(`no piece ${piece}`);
    return i;
  };
  beforeAll(async () => {
    v = trainSpmVocab();
    g = await openGguf(bytesSource(spmGguf(v), 'tiny-spm.gguf'));
    const r = tokenizerFromGguf(g);
    expect(r.warnings).toEqual([]);
    tok = r.tokenizer!;
    ref = loadTokenizer(JSON.stringify(spmTokenizerJson(v)), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: '</s>' }));
  });

  it('the fixture looks like Llama-2: <unk> <s> </s>, 256 byte pieces, merged pieces by score, characters', () => {
    expect(v.tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(v.tokens[258]).toBe('<0xFF>');
    expect(v.types[0]).toBe(GGUF_TOKEN_TYPE.UNKNOWN);
    expect(v.types[1]).toBe(GGUF_TOKEN_TYPE.CONTROL);
    expect(v.types[3]).toBe(GGUF_TOKEN_TYPE.BYTE);
    expect(v.tokens).toContain('▁Hello');
    expect(v.tokens).toContain('▁world');
    expect(g.meta('tokenizer.ggml.merges')).toBeUndefined();
  });

  it('hand-checked encodings: ▁ pieces, <s> from add_bos_token, byte fallback for unseen characters', () => {
    expect(tok.encode('Hello world')).toEqual([1, id('▁Hello'), id('▁world')]);
    expect(tok.encode('Hello world', { addSpecialTokens: false })).toEqual([id('▁Hello'), id('▁world')]);
    expect(tok.encode('hello world', { addSpecialTokens: false })).toEqual([id('▁hello'), id('▁world')]);
    expect(tok.encode('the sea shells', { addSpecialTokens: false })).toEqual([id('▁the'), id('▁sea'), id('▁shells')]);
    // 'ü' is not a piece: its UTF-8 bytes C3 BC; '!' neither: 21. <0xXX> has id 3 + XX.
    expect(tok.encode('Hello ü!', { addSpecialTokens: false })).toEqual([id('▁Hello'), id('▁'), 3 + 0xc3, 3 + 0xbc, 3 + 0x21]);
    expect(tok.encode('🌍', { addSpecialTokens: false })).toEqual([id('▁'), 3 + 0xf0, 3 + 0x9f, 3 + 0x8c, 3 + 0x8d]);
    // Special and user-defined tokens are matched verbatim; text after one gets its own ▁ (as llama.cpp).
    expect(tok.encode('<s>Hello</s>', { addSpecialTokens: false })).toEqual([1, id('▁Hello'), 2]);
    expect(tok.encode('Hello<sep>world', { addSpecialTokens: false })).toEqual([id('▁Hello'), id('<sep>'), id('▁world')]);
    expect(tok.bosId).toBe(1);
    expect(tok.eosId).toBe(2);
    expect(tok.unkId).toBe(0);
    expect(tok.padId).toBe(2);
    expect(tok.postProcessorPrefix).toEqual([1]);
    expect(tok.isSpecialId(1)).toBe(true);
    expect(tok.isSpecialId(id('<sep>'))).toBe(false);
  });

  it('round-trips text (the decoder drops the prepended ▁, bytes fuse back into characters)', () => {
    for (const s of ['Hello world', 'she sells sea shells', 'Hello ü! 🌍 数学', 'two\nlines\tand  spaces ', ' leading', 'x']) {
      expect(tok.decode(tok.encode(s), { skipSpecialTokens: true }), s).toBe(s);
    }
    expect(tok.decode(tok.encode('Hello'))).toBe('<s> Hello');
  });

  it('merges derived from the scores encode like the trained merges (HF legacy Llama tokenizer.json)', () => {
    for (const s of [...STRINGS, 'tell the seller the sea shore is there', 'world peace hello HELLO Hello', 'she sells sea shells by the sea shore']) {
      expect(tok.encode(s), s).toEqual(ref.encode(s));
      expect(tok.decode(tok.encode(s)), s).toBe(ref.decode(ref.encode(s)));
    }
  });

  it('renders the Zephyr template from tokenizer.chat_template with eos_token = </s>', () => {
    expect(tok.chatTemplate).toBe(SPM_CHAT_TEMPLATE);
    expect(tok.applyChatTemplate(CONV.slice(0, 2), { addGenerationPrompt: true })).toBe(
      '<|system|>\nBe brief.</s>\n<|user|>\nHow do bees make honey? 🐝</s>\n<|assistant|>\n',
    );
  });

  it('tokenizer.ggml.add_space_prefix = false: no ▁ is prepended, and none is stripped', () => {
    const t = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.add_space_prefix': false })).tokenizer!;
    expect(t.encode('Hello world', { addSpecialTokens: false })).toEqual([id('Hello'), id('▁world')]);
    expect(t.decode(t.encode(' Hello world', { addSpecialTokens: false }))).toBe(' Hello world');
  });

  it('add_bos_token = false: no <s>', () => {
    const t = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.add_bos_token': false })).tokenizer!;
    expect(t.encode('Hello world')).toEqual([id('▁Hello'), id('▁world')]);
  });

  it('explicit tokenizer.ggml.merges are used instead of the scores', () => {
    const merges = ggufArray('string', v.merges.map(([a, b]) => `${a} ${b}`));
    const t = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.merges': merges, 'tokenizer.ggml.scores': undefined })).tokenizer!;
    for (const s of STRINGS) expect(t.encode(s), s).toEqual(ref.encode(s));
  });

  it('without a chat template, applyChatTemplate names the GGUF', () => {
    const t = tokenizerFromGguf(patched(g, { 'tokenizer.chat_template': undefined })).tokenizer!;
    const e = catchErr(() => t.applyChatTemplate(CONV));
    expect(e.name).toBe('TokenizerError');
    expect(e.message).toBe('tiny-spm.gguf: no chat template: tiny-spm.gguf has no tokenizer.chat_template (pass one with the chatTemplate option)');
  });

  it('buildGgufModel loads the model with its tokenizer', async () => {
    const m = await buildGgufModel(bytesSource(spmGguf(v), 'tiny-spm.gguf'));
    expect(m.warnings).toEqual([]);
    expect(m.config.vocabSize).toBe(v.tokens.length);
    expect(m.tokenizer!.encode('Hello world')).toEqual([1, id('▁Hello'), id('▁world')]);
  });
});

describe('mergesFromScores (transformers GGUFTokenizerSkeleton order)', () => {
  it('ranks by the merged piece score; splits of one piece by left, then right score', () => {
    // abc (−2) splits as ab|c (left −1) before a|bc (left −3).
    expect(mergesFromScores(['a', 'b', 'c', 'ab', 'bc', 'abc'], [-3, -4, -5, -1, -1, -2])).toEqual([
      ['a', 'b'],
      ['b', 'c'],
      ['ab', 'c'],
      ['a', 'bc'],
    ]);
  });
  it('ties keep vocabulary order (stable sorts, as Python)', () => {
    expect(mergesFromScores(['b', 'c', 'a', 'bc', 'ab'], [0, 0, 0, -1, -1])).toEqual([
      ['b', 'c'],
      ['a', 'b'],
    ]);
  });
  it('splits by code point: an emoji is never cut in half', () => {
    expect(mergesFromScores(['🌍', 'x', '🌍x'], [-1, -1, 0])).toEqual([['🌍', 'x']]);
  });
  it('the last duplicate piece sets the score', () => {
    expect(mergesFromScores(['a', 'b', 'ab', 'c', 'cd', 'd', 'ab'], [0, 0, -9, 0, -5, 0, -1])).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });
});

describe('absent, unsupported or malformed tokenizer metadata', () => {
  let g: GgufFile;
  beforeAll(async () => {
    g = await openGguf(bytesSource(spmGguf(trainSpmVocab()), 'bad.gguf'));
  });

  it('no tokenizer.ggml.model: no tokenizer, a warning naming the key', () => {
    const r = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.model': undefined }));
    expect(r.tokenizer).toBeNull();
    expect(r.warnings).toEqual(['bad.gguf: no tokenizer.ggml.model in the metadata; the model loads for token-id input only']);
  });

  it('an unsupported model type ("bert", "rwkv", "t5", "none"): a warning naming it', () => {
    for (const model of ['bert', 'rwkv', 't5', 'none']) {
      const r = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.model': model }));
      expect(r.tokenizer).toBeNull();
      expect(r.warnings[0]).toMatch(new RegExp(`tokenizer\\.ggml\\.model "${model}" is not supported \\(supported: gpt2, llama\\)`));
    }
  });

  it('no tokens: a warning naming tokenizer.ggml.tokens', () => {
    const r = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.tokens': undefined }));
    expect(r.tokenizer).toBeNull();
    expect(r.warnings[0]).toMatch(/tokenizer\.ggml\.tokens is missing/);
  });

  it('special ids outside the vocabulary are ignored with a warning (as llama.cpp)', () => {
    const r = tokenizerFromGguf(patched(g, { 'tokenizer.ggml.padding_token_id': 4294967295 }));
    expect(r.tokenizer).not.toBeNull();
    expect(r.tokenizer!.padId).toBeNull();
    expect(r.warnings).toEqual(['bad.gguf: tokenizer.ggml.padding_token_id 4294967295 is outside the vocabulary of 319 tokens; ignored']);
  });

  const tokens = (items: GgufValue[]) => ggufArray('string', items);
  const cases: [string, Record<string, GgufValue | undefined>, RegExp][] = [
    ['model is not a string', { 'tokenizer.ggml.model': 3 }, /tokenizer\.ggml\.model must be a string, got number 3/],
    ['tokens is a string', { 'tokenizer.ggml.tokens': 'abc' }, /tokenizer\.ggml\.tokens must be an array/],
    ['tokens hold a number', { 'tokenizer.ggml.tokens': tokens(['a', 7]) }, /tokenizer\.ggml\.tokens entry 1 must be a string/],
    ['empty vocabulary', { 'tokenizer.ggml.tokens': tokens([]) }, /tokenizer\.ggml\.tokens is empty/],
    ['token_type of another length', { 'tokenizer.ggml.token_type': ggufArray('i32', [1, 1]) }, /token_type has 2 entries but tokenizer\.ggml\.tokens has 319/],
    ['token_type holds a float', { 'tokenizer.ggml.token_type': ggufArray('f32', new Array(319).fill(1.5)) }, /token_type entry 0 must be an integer/],
    ['scores missing', { 'tokenizer.ggml.scores': undefined }, /tokenizer\.ggml\.scores is missing/],
    ['scores hold NaN', { 'tokenizer.ggml.scores': ggufArray('f32', new Array(319).fill(NaN)) }, /scores entry 0 must be a finite number/],
    ['merges are not pairs', { 'tokenizer.ggml.merges': tokens(['▁ H e']) }, /merges entry 0 "▁ H e" is not a pair/],
    ['a merge without a space', { 'tokenizer.ggml.merges': tokens(['ab']) }, /merges entry 0 "ab" is not a pair/],
    ['a merge naming an unknown token', { 'tokenizer.ggml.merges': tokens(['▁ x']) }, /names "▁x", which is not in tokenizer\.ggml\.tokens/],
    ['bos id of the wrong type', { 'tokenizer.ggml.bos_token_id': 'one' }, /bos_token_id must be an integer/],
    ['add_bos_token of the wrong type', { 'tokenizer.ggml.add_bos_token': 1 }, /add_bos_token must be a boolean/],
    ['chat_template not a string', { 'tokenizer.chat_template': ggufArray('string', ['x']) }, /tokenizer\.chat_template must be a string, got an array of string/],
    ['gpt2 without merges', { 'tokenizer.ggml.model': 'gpt2' }, /tokenizer\.ggml\.merges is missing/],
  ];
  for (const [what, patch, re] of cases) {
    it(`${what} → FormatError naming the file`, () => {
      const e = catchErr(() => tokenizerFromGguf(patched(g, patch)));
      expect(e).toBeInstanceOf(FormatError);
      expect((e as FormatError).file).toBe('bad.gguf');
      expect(e.message).toMatch(/^bad\.gguf: metadata /);
      expect(e.message).toMatch(re);
    });
  }

  it('buildGgufModel still loads a model with malformed tokenizer metadata, for token ids, with a warning', async () => {
    const v = trainSpmVocab();
    const cfg = tinyConfig({ vocabSize: v.tokens.length });
    const bad = modelToGguf(cfg, randomWeights(cfg, 1), 'F32', {
      metadata: {
        'tokenizer.ggml.model': 'llama',
        'tokenizer.ggml.tokens': { type: 'array', value: ggufArray('string', v.tokens) },
        'tokenizer.ggml.merges': { type: 'array', value: ggufArray('string', ['not-a-pair']) },
      },
    });
    const m = await buildGgufModel(bytesSource(bad, 'bad.gguf'));
    expect(m.tokenizer).toBeNull();
    expect(m.warnings).toEqual(['bad.gguf: metadata tokenizer.ggml.merges entry 0 "not-a-pair" is not a pair "a b"; the model loads for token-id input only']);
    expect(m.weights.size).toBeGreaterThan(0);
  });

  it('a vocabulary larger than the embedding table: the tokenizer is dropped with a warning', async () => {
    const cfg = tinyConfig({ vocabSize: 100 });
    const bytes = modelToGguf(cfg, randomWeights(cfg, 1), 'F32', { metadata: spmGgufMetadata(trainSpmVocab()) });
    const m = await buildGgufModel(bytesSource(bytes, 'small.gguf'));
    expect(m.tokenizer).toBeNull();
    expect(m.warnings).toEqual([
      "small.gguf: the tokenizer has 319 tokens but the model's embedding table has only 100 rows; the model loads for token-id input only",
    ]);
  });
});
