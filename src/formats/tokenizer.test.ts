import { describe, expect, it } from 'vitest';
import { loadTokenizer, TokenizerError, type ChatMessage } from './tokenizer.ts';
import {
  BYTE_LEVEL_IDS,
  byteLevelTokenizerJson,
  configJson,
  LLAMA3_SPECIALS,
  LLAMA3_STYLE_TEMPLATE,
  sentencePieceTokenizerJson,
  SMOLLM2_TEMPLATE,
  ZEPHYR_TEMPLATE,
} from '../data/test-fixtures.ts';
import { catchErr } from '../testing/errors.ts';

describe('byte-level BPE (GPT-2 style)', () => {
  const tok = loadTokenizer(byteLevelTokenizerJson(), configJson({ bos_token: null, eos_token: '<|im_end|>' }));

  it('applies merges and byte symbols', () => {
    expect(tok.encode('Hello world')).toEqual([BYTE_LEVEL_IDS.Hello, BYTE_LEVEL_IDS.Ġworld]);
    // 'Hi' has no merge: two byte symbols.
    expect(tok.encode('Hi')).toEqual([BYTE_LEVEL_IDS.byte(0x48), BYTE_LEVEL_IDS.byte(0x69)]);
  });

  it('splits special tokens out before tokenizing', () => {
    const ids = tok.encode('<|im_start|>user\nHello<|im_end|>');
    expect(ids[0]).toBe(1);
    expect(ids[ids.length - 1]).toBe(2);
    expect(ids).toContain(BYTE_LEVEL_IDS.Hello);
  });

  it('round-trips arbitrary Unicode text', () => {
    for (const s of ['Hello world', 'héllo wörld 🌍\n\ttabs  and   spaces', '数学 is fun. 2+2=4?', ' leading space', '']) {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });

  it('decode keeps or skips special tokens', () => {
    const ids = tok.encode('<|im_start|>Hello world<|im_end|>');
    expect(tok.decode(ids)).toBe('<|im_start|>Hello world<|im_end|>');
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('Hello world');
    expect(tok.decode([])).toBe('');
    expect(tok.decode([99999, BYTE_LEVEL_IDS.Hello])).toBe('Hello'); // an id with no token is skipped
  });

  it('exposes special ids', () => {
    expect(tok.vocabSize).toBe(3 + 256 + 9);
    expect(tok.eosId).toBe(2);
    expect(tok.eosIds).toEqual([2, 0]); // eos, then <|endoftext|> as a known end token
    expect(tok.specialTokenId('<|im_start|>')).toBe(1);
    expect(tok.specialTokenId('Hello')).toBeUndefined();
    expect(tok.isSpecialId(1)).toBe(true);
    expect(tok.isSpecialId(BYTE_LEVEL_IDS.Hello)).toBe(false);
    expect(tok.tokenToId('Ġworld')).toBe(BYTE_LEVEL_IDS.Ġworld);
    expect(tok.idToToken(BYTE_LEVEL_IDS.Hello)).toBe('Hello');
    expect(tok.postProcessorPrefix).toEqual([]);
    expect(tok.postProcessorSuffix).toEqual([]);
  });
});

describe('SentencePiece-style BPE with byte fallback (Llama-2 / TinyLlama style)', () => {
  const tok = loadTokenizer(sentencePieceTokenizerJson(), configJson({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' }));

  it('prepends ▁, merges, and adds <s> from the post-processor', () => {
    expect(tok.encode('hello world')).toEqual([1, 271, 276]);
    expect(tok.encode('hello world', { addSpecialTokens: false })).toEqual([271, 276]);
    expect(tok.postProcessorPrefix).toEqual([1]);
    expect(tok.postProcessorSuffix).toEqual([]);
    expect(tok.bosId).toBe(1);
    expect(tok.eosId).toBe(2);
  });

  it('falls back to <0xHH> byte tokens for pieces not in the vocabulary', () => {
    // ▁h + 'i' (byte 0x69) + ▁ + 'ü' (0xC3 0xBC) + '!' (0x21); byte b has id b + 3.
    expect(tok.encode('hi ü!', { addSpecialTokens: false })).toEqual([267, 0x69 + 3, 259, 0xc3 + 3, 0xbc + 3, 0x21 + 3]);
  });

  it('round-trips text (the decoder strips the prepended space)', () => {
    for (const s of ['hello world', 'hi ü! 🌍 数学', 'two\nlines\tand tabs', 'hello']) {
      expect(tok.decode(tok.encode(s), { skipSpecialTokens: true })).toBe(s);
    }
    expect(tok.decode(tok.encode('hello'))).toBe('<s> hello');
  });
});

describe('tokenizer_config.json and special tokens', () => {
  it('accepts special tokens written as AddedToken dicts', () => {
    const tok = loadTokenizer(
      sentencePieceTokenizerJson(),
      configJson({ bos_token: { content: '<s>', lstrip: false, __type: 'AddedToken' }, eos_token: { content: '</s>' } }),
    );
    expect(tok.bosToken).toBe('<s>');
    expect(tok.eosId).toBe(2);
    expect(tok.applyChatTemplate([{ role: 'user', content: 'x' }], { chatTemplate: '{{ bos_token }}|{{ eos_token }}' })).toBe('<s>|</s>');
  });

  it('guesses BOS/EOS from conventional names when there is no config', () => {
    const tok = loadTokenizer(sentencePieceTokenizerJson());
    expect(tok.bosId).toBe(1);
    expect(tok.eosId).toBe(2);
    expect(tok.chatTemplate).toBeNull();
  });

  it('accepts a UTF-8 BOM at the start of a file', () => {
    const tok = loadTokenizer('\ufeff' + byteLevelTokenizerJson(), '\ufeff' + configJson({ eos_token: '<|im_end|>' }));
    expect(tok.eosId).toBe(2);
  });
});

describe('chat templates (rendered only through @huggingface/jinja)', () => {
  const conv: ChatMessage[] = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: 'As a mathematician: 4.' },
  ];

  it('ChatML (SmolLM2 template, verbatim)', () => {
    const tok = loadTokenizer(byteLevelTokenizerJson(), configJson({ eos_token: '<|im_end|>', chat_template: SMOLLM2_TEMPLATE }));
    expect(tok.chatTemplateSource).toBe("tokenizer_config.json chat_template");
    expect(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' +
        '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(tok.applyChatTemplate(conv)).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\nAs a mathematician: 4.<|im_end|>\n',
    );
  });

  it('Zephyr (TinyLlama template, verbatim; trim_blocks as in HF)', () => {
    const tok = loadTokenizer(
      sentencePieceTokenizerJson(),
      configJson({ bos_token: '<s>', eos_token: '</s>', chat_template: ZEPHYR_TEMPLATE }),
    );
    expect(tok.applyChatTemplate(conv.slice(0, 2), { addGenerationPrompt: true })).toBe(
      '<|system|>\nBe brief.</s>\n<|user|>\nWhat is 2+2?</s>\n<|assistant|>\n',
    );
    expect(tok.applyChatTemplate(conv)).toBe(
      '<|system|>\nBe brief.</s>\n<|user|>\nWhat is 2+2?</s>\n<|assistant|>\nAs a mathematician: 4.</s>\n',
    );
  });

  it('Llama-3 style (headers, bos from the template, content trimmed)', () => {
    const tok = loadTokenizer(
      byteLevelTokenizerJson(LLAMA3_SPECIALS),
      configJson({ bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>', chat_template: LLAMA3_STYLE_TEMPLATE }),
    );
    const msgs = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: '  What is 2+2? \n' },
    ];
    expect(tok.applyChatTemplate(msgs, { addGenerationPrompt: true })).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(tok.applyChatTemplate(msgs)).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>',
    );
    expect(tok.eosIds).toEqual([4, 1]); // <|eot_id|>, then <|end_of_text|>
    const ids = tok.encode(tok.applyChatTemplate(msgs), { addSpecialTokens: false });
    expect(ids[0]).toBe(0);
    expect(ids[1]).toBe(2);
  });

  it('picks "default" from a list of named templates', () => {
    const tok = loadTokenizer(
      byteLevelTokenizerJson(),
      configJson({
        chat_template: [
          { name: 'tool_use', template: 'TOOLS' },
          { name: 'default', template: SMOLLM2_TEMPLATE },
        ],
      }),
    );
    expect(tok.chatTemplateSource).toBe("tokenizer_config.json chat_template 'default'");
    expect(tok.applyChatTemplate(conv.slice(0, 2))).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n');
  });

  it('a separate chat_template.jinja wins over the config', () => {
    const tok = loadTokenizer(byteLevelTokenizerJson(), configJson({ chat_template: 'CONFIG' }), 'FILE {{ messages | length }}');
    expect(tok.chatTemplateSource).toBe('chat_template.jinja');
    expect(tok.applyChatTemplate(conv)).toBe('FILE 3');
  });

  it('a template that raises, or does not parse, gives a TokenizerError naming the template', () => {
    const raising = loadTokenizer(
      byteLevelTokenizerJson(),
      configJson({ chat_template: "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with user') }}{% endif %}ok" }),
    );
    expect(raising.applyChatTemplate([{ role: 'user', content: 'x' }])).toBe('ok');
    const e = catchErr(() => raising.applyChatTemplate(conv));
    expect(e).toBeInstanceOf(TokenizerError);
    expect(e.name).toBe('TokenizerError');
    expect(e.message).toContain('tokenizer_config.json chat_template');
    expect(e.message).toContain('Conversation must start with user');

    const broken = loadTokenizer(byteLevelTokenizerJson(), undefined, '{% for m in messages %}{{ m.content }');
    const e2 = catchErr(() => broken.applyChatTemplate(conv));
    expect(e2.name).toBe('TokenizerError');
    expect((e2 as TokenizerError).file).toBe('chat_template.jinja');
  });

  it('no template → TokenizerError that says how to fix it', () => {
    const tok = loadTokenizer(byteLevelTokenizerJson());
    const e = catchErr(() => tok.applyChatTemplate(conv));
    expect(e.name).toBe('TokenizerError');
    expect(e.message).toMatch(/no chat template/);
    expect(tok.applyChatTemplate(conv, { chatTemplate: '{{ messages[2].content }}' })).toBe('As a mathematician: 4.');
  });
});

describe('malformed files → TokenizerError naming the file', () => {
  const good = JSON.parse(byteLevelTokenizerJson()) as Record<string, unknown>;
  const model = good.model as Record<string, unknown>;
  const variant = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  const cases: [string, () => unknown, RegExp, string][] = [
    ['not JSON', () => loadTokenizer('{"model": '), /not valid JSON/, 'tokenizer.json'],
    ['not an object', () => loadTokenizer('[1,2]'), /JSON object/, 'tokenizer.json'],
    ['no model', () => loadTokenizer(variant({ model: undefined })), /no "model"/, 'tokenizer.json'],
    ['unknown model type', () => loadTokenizer(variant({ model: { ...model, type: 'Magic' } })), /unsupported model type/, 'tokenizer.json'],
    ['no vocab', () => loadTokenizer(variant({ model: { ...model, vocab: undefined } })), /no "vocab"/, 'tokenizer.json'],
    ['BPE with an array vocab', () => loadTokenizer(variant({ model: { ...model, vocab: [['a', 0]] } })), /must be an object/, 'tokenizer.json'],
    ['huge id', () => loadTokenizer(variant({ model: { ...model, vocab: { a: 1e9 } } })), /ids must be integers/, 'tokenizer.json'],
    ['bad merges', () => loadTokenizer(variant({ model: { ...model, merges: [42] } })), /merge 0/, 'tokenizer.json'],
    ['no merges', () => loadTokenizer(variant({ model: { ...model, merges: undefined } })), /merges/, 'tokenizer.json'],
    ['bad added token', () => loadTokenizer(variant({ added_tokens: [{ id: -1, content: 'x' }] })), /added token/, 'tokenizer.json'],
    ['bad normalizer type', () => loadTokenizer(variant({ normalizer: { type: 'Nope' } })), /could not be loaded/, 'tokenizer.json'],
    ['config not JSON', () => loadTokenizer(byteLevelTokenizerJson(), '{'), /not valid JSON/, 'tokenizer_config.json'],
    ['config bad eos', () => loadTokenizer(byteLevelTokenizerJson(), configJson({ eos_token: 5 })), /eos_token/, 'tokenizer_config.json'],
    [
      'template list without default',
      () => loadTokenizer(byteLevelTokenizerJson(), configJson({ chat_template: [{ name: 'rag', template: 'x' }] })),
      /none named "default"/,
      'tokenizer_config.json',
    ],
  ];
  for (const [name, f, re, file] of cases) {
    it(name, () => {
      const e = catchErr(f);
      expect(e.name).toBe('TokenizerError');
      expect(e.message).toMatch(re);
      expect((e as TokenizerError).file).toBe(file);
    });
  }
});
