import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.ts';
import { loadTokenizer, type TabTokenizer } from '../formats/tokenizer.ts';
import { readDataset } from './read.ts';
import type { NormalizedRecord } from './records.ts';
import {
  buildExample,
  buildExamples,
  bucketFor,
  datasetStats,
  defaultBuckets,
  makeBatches,
  shiftForNextToken,
  shuffled,
  splitTrainVal,
  type Example,
  type ExampleOptions,
} from './template.ts';
import {
  byteLevelTokenizerJson,
  configJson,
  LLAMA3_SPECIALS,
  LLAMA3_STYLE_TEMPLATE,
  sentencePieceTokenizerJson,
  SMOLLM2_TEMPLATE,
  ZEPHYR_TEMPLATE,
} from './test-fixtures.ts';

// Records are written for these tests (no LIMA / LIMA-Role text).

const chatml = loadTokenizer(byteLevelTokenizerJson(), configJson({ eos_token: '<|im_end|>', chat_template: SMOLLM2_TEMPLATE }));
const zephyr = loadTokenizer(sentencePieceTokenizerJson(), configJson({ bos_token: '<s>', eos_token: '</s>', chat_template: ZEPHYR_TEMPLATE }));
const llama3 = loadTokenizer(
  byteLevelTokenizerJson(LLAMA3_SPECIALS, '<|begin_of_text|>'),
  configJson({ bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>', chat_template: LLAMA3_STYLE_TEMPLATE }),
);

const selfPrompt: ExampleOptions = { mode: 'self-prompt', maxLen: 4096 };
const sft: ExampleOptions = { mode: 'sft', maxLen: 4096 };

const rec = (r: Partial<NormalizedRecord> & { question: string; answer: string }): NormalizedRecord => ({ id: 'r', line: 1, ...r });

/** Decode the ids where mask === want. */
function part(tok: TabTokenizer, ex: { ids: Int32Array; lossMask: Uint8Array }, want: 0 | 1): string {
  return tok.decode(Array.from(ex.ids).filter((_, i) => ex.lossMask[i] === want));
}

/** The mask must be one contiguous run per assistant turn: count the 0→1 transitions. */
function runs(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1 && (i === 0 || mask[i - 1] === 0)) n++;
  return n;
}

describe('self-prompt examples: target = role prompt + separator + answer', () => {
  it('ChatML (SmolLM2): mask covers the target and <|im_end|>, nothing else', () => {
    const ex = buildExample(chatml, rec({ question: 'Hello world?', rolePrompt: 'You are a greeter.', answer: 'Hello world' }), selfPrompt);
    const prompt =
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' +
      '<|im_start|>user\nHello world?<|im_end|>\n<|im_start|>assistant\n';
    const target = 'You are a greeter.\n\nHello world<|im_end|>';
    expect(chatml.decode(ex.ids)).toBe(prompt + target); // the template's trailing "\n" is dropped
    expect(part(chatml, ex, 0)).toBe(prompt);
    expect(part(chatml, ex, 1)).toBe(target);
    expect(runs(ex.lossMask)).toBe(1);
    expect(ex.ids[ex.ids.length - 1]).toBe(2); // <|im_end|>
    expect(ex.lossMask[ex.lossMask.length - 1]).toBe(1);
    expect(ex.separateTokenization).toBe(false);
    // The prompt ids are exactly what inference feeds the model.
    const inference = chatml.encode(chatml.applyChatTemplate([{ role: 'user', content: 'Hello world?' }], { addGenerationPrompt: true }), {
      addSpecialTokens: false,
    });
    expect(Array.from(ex.ids.slice(0, inference.length))).toEqual(inference);
    expect(ex.lossMask.indexOf(1)).toBe(inference.length);
  });

  it('a custom separator', () => {
    const ex = buildExample(chatml, rec({ question: 'Q', rolePrompt: 'As a poet,', answer: 'roses.' }), { ...selfPrompt, separator: ' ' });
    expect(part(chatml, ex, 1)).toBe('As a poet, roses.<|im_end|>');
  });

  it('Zephyr (TinyLlama, SentencePiece): <s> from the post-processor, system masked, </s> learned', () => {
    const ex = buildExample(
      zephyr,
      rec({ system: 'Be brief.', question: 'hello?', rolePrompt: 'You are a linguist.', answer: 'hello world' }),
      selfPrompt,
    );
    expect(ex.ids[0]).toBe(1);
    expect(ex.lossMask[0]).toBe(0);
    expect(ex.ids[ex.ids.length - 1]).toBe(2);
    expect(part(zephyr, ex, 1)).toBe('You are a linguist.\n\nhello world</s>');
    // The prompt part: everything up to and including '<|assistant|>\n' (SentencePiece adds a '▁' after each special token).
    const prompt = part(zephyr, ex, 0);
    expect(prompt.startsWith('<s> <|system|>\nBe brief.</s>')).toBe(true);
    expect(prompt.endsWith('<|assistant|>\n')).toBe(true);
    expect(prompt).toContain('<|user|>\nhello?</s>');
    expect(runs(ex.lossMask)).toBe(1);
    expect(ex.ids.filter((id) => id === 1)).toHaveLength(1);
  });

  it('Llama-3 style: the template emits BOS, so the post-processor BOS is not added again', () => {
    expect(llama3.postProcessorPrefix).toEqual([0]);
    const ex = buildExample(llama3, rec({ question: 'Hi', rolePrompt: 'I am a host.', answer: 'Hello world' }), selfPrompt);
    expect(llama3.decode(ex.ids)).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\nI am a host.\n\nHello world<|eot_id|>',
    );
    expect(ex.ids.filter((id) => id === 0)).toHaveLength(1);
    expect(part(llama3, ex, 1)).toBe('I am a host.\n\nHello world<|eot_id|>');
  });

  it('records without a role prompt: skipped by default, or plain SFT', () => {
    const r = rec({ question: 'Q', answer: 'Hello' });
    const skipped = buildExamples(chatml, [r], selfPrompt);
    expect(skipped.examples).toHaveLength(0);
    expect(skipped.skipped[0].reason).toBe('no-role-prompt');
    const plain = buildExamples(chatml, [r], { ...selfPrompt, missingRolePrompt: 'plain' });
    expect(part(chatml, plain.examples[0], 1)).toBe('Hello<|im_end|>');
  });
});

describe('plain SFT', () => {
  it('ignores role prompts; uses the systemPrompt option when the record has none', () => {
    const ex = buildExample(chatml, rec({ question: 'Q', rolePrompt: 'You are X.', answer: 'Hello world' }), { ...sft, systemPrompt: 'S' });
    expect(chatml.decode(ex.ids)).toBe('<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nHello world<|im_end|>');
    expect(part(chatml, ex, 1)).toBe('Hello world<|im_end|>');
  });

  it('multi-turn: every assistant turn is learned, user turns are not', () => {
    const r = rec({
      question: 'Hi',
      answer: 'Hello',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Say world' },
        { role: 'assistant', content: 'world' },
      ],
    });
    const ex = buildExample(chatml, r, sft);
    expect(runs(ex.lossMask)).toBe(2);
    expect(part(chatml, ex, 1)).toBe('Hello<|im_end|>world<|im_end|>');
    expect(part(chatml, ex, 0)).toContain('<|im_start|>user\nSay world<|im_end|>\n<|im_start|>assistant\n');
  });

  it('falls back to separate tokenization when the boundary splits a token', () => {
    // The prompt ends in ' ' and the answer starts with 'world': whole-text BPE would merge them into 'Ġworld'.
    const tpl = "{% for m in messages %}{{ m.role + ': ' + m.content + eos_token }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}";
    const ex = buildExample(chatml, rec({ question: 'Q', answer: 'world' }), { ...sft, chatTemplate: tpl });
    expect(ex.separateTokenization).toBe(true);
    expect(part(chatml, ex, 0)).toBe('user: Q<|im_end|>assistant: ');
    expect(part(chatml, ex, 1)).toBe('world<|im_end|>');
    const inference = chatml.encode(chatml.applyChatTemplate([{ role: 'user', content: 'Q' }], { addGenerationPrompt: true, chatTemplate: tpl }), {
      addSpecialTokens: false,
    });
    expect(Array.from(ex.ids.slice(0, inference.length))).toEqual(inference);
  });

  it('a template without an end-of-turn token gets the EOS id appended', () => {
    const tpl = '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}';
    const ex = buildExample(chatml, rec({ question: 'Q', answer: 'Hello' }), { ...sft, chatTemplate: tpl });
    expect(ex.ids[ex.ids.length - 1]).toBe(chatml.eosId);
    expect(part(chatml, ex, 1)).toBe('Hello\n<|im_end|>');
  });

  it('records that cannot be used are skipped and counted, never thrown by buildExamples', () => {
    const raising = "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}{{ m.content }}{% endfor %}";
    const out = buildExamples(
      chatml,
      [
        rec({ id: 'a', question: 'Q', answer: 'fine' }),
        rec({ id: 'b', question: 'Q', answer: 'fine', system: 'S' }),
        rec({ id: 'c', question: 'inject <|im_end|> here', answer: 'x' }),
        rec({ id: 'd', question: 'Q', answer: '' }),
      ],
      { ...sft, chatTemplate: raising + "{{ eos_token }}" },
    );
    expect(out.examples.map((e) => e.id)).toEqual(['a']);
    expect(out.skipped.map((s) => [s.id, s.reason])).toEqual([
      ['b', 'template-error'],
      ['c', 'special-token-in-text'],
      ['d', 'no-answer'],
    ]);
    expect(out.skipped[0].message).toContain('no system role');
    expect(out.stats.skippedByReason).toEqual({ 'template-error': 1, 'special-token-in-text': 1, 'no-answer': 1 });
    expect(() => buildExample(chatml, rec({ question: 'Q', answer: '' }), sft)).toThrow(/no-answer/);
  });
});

describe('next-token shift, truncation, statistics', () => {
  const r = rec({ question: 'Hello world?', rolePrompt: 'You are a greeter.', answer: 'Hello world' });
  const full = buildExample(chatml, r, selfPrompt);
  const n = full.ids.length;

  it('inputs ids[0..n-2], targets ids[1..n-1], mask aligned to targets', () => {
    const s = shiftForNextToken(full);
    expect(s.inputs.length).toBe(n - 1);
    expect(Array.from(s.inputs)).toEqual(Array.from(full.ids.slice(0, n - 1)));
    expect(Array.from(s.targets)).toEqual(Array.from(full.ids.slice(1)));
    expect(Array.from(s.mask)).toEqual(Array.from(full.lossMask.slice(1)));
    // The last target is <|im_end|> and is learned; the first learned target is the first target token.
    expect(s.targets[n - 2]).toBe(2);
    expect(s.mask[n - 2]).toBe(1);
    expect(chatml.decode([s.targets[s.mask.indexOf(1)]])).toBe('Y');
  });

  it('truncate keeps the first maxLen + 1 ids; drop removes the example; both are counted', () => {
    const maxLen = n - 4; // cuts into the answer
    const t = buildExamples(chatml, [r], { ...selfPrompt, maxLen });
    expect(t.examples[0].ids.length).toBe(maxLen + 1);
    expect(Array.from(t.examples[0].ids)).toEqual(Array.from(full.ids.slice(0, maxLen + 1)));
    expect(t.examples[0].truncated).toBe(true);
    expect(t.stats.truncated).toBe(1);
    const d = buildExamples(chatml, [r], { ...selfPrompt, maxLen, truncation: 'drop' });
    expect(d.examples).toHaveLength(0);
    expect(d.skipped[0].reason).toBe('too-long');
    const tiny = buildExamples(chatml, [r], { ...selfPrompt, maxLen: 5 });
    expect(tiny.skipped[0].reason).toBe('no-target-after-truncation');
    expect(buildExamples(chatml, [r], { ...selfPrompt, maxLen: n - 1 }).stats.truncated).toBe(0);
  });

  it('statistics', () => {
    const out = buildExamples(
      chatml,
      [r, rec({ id: 's', question: 'Q', rolePrompt: 'As a host,', answer: 'Hello' }), rec({ id: 'x', question: 'Q', answer: 'A' })],
      selfPrompt,
    );
    const s = out.stats;
    expect(s.records).toBe(3);
    expect(s.examples).toBe(2);
    expect(s.skipped).toBe(1);
    const sumT = out.examples.reduce((a, e) => a + e.ids.length - 1, 0);
    const learned = out.examples.reduce((a, e) => a + e.lossMask.slice(1).reduce((x, y) => x + y, 0), 0);
    expect(s.tokens).toBe(sumT + 2);
    expect(s.positions).toBe(sumT);
    expect(s.lossTokens).toBe(learned);
    expect(s.lossFraction).toBeCloseTo(learned / sumT, 12);
    expect(s.maxLen).toBe(n - 1);
    expect(s.meanLen).toBeCloseTo(sumT / 2, 12);
    expect(datasetStats([]).lossFraction).toBe(0);
  });
});

describe('bucketing, batching, shuffling, splitting', () => {
  // Fake examples of chosen lengths: ids = [base, base+1, ...], mask 1 after the first two tokens.
  const fake = (id: string, n: number): Example => {
    const ids = Int32Array.from({ length: n }, (_, i) => 100 + i);
    const lossMask = Uint8Array.from({ length: n }, (_, i) => (i >= 2 ? 1 : 0));
    return { id, ids, lossMask, promptTokens: 2, truncated: false, separateTokenization: false };
  };
  const lengths = [5, 9, 17, 3, 33, 16, 8, 65, 12, 4];
  const examples = lengths.map((n, i) => fake(`e${i}`, n));

  it('buckets', () => {
    expect(defaultBuckets(512)).toEqual([64, 128, 256, 512]);
    expect(defaultBuckets(300)).toEqual([64, 128, 256, 300]);
    expect(defaultBuckets(32)).toEqual([32]);
    expect(bucketFor(16, [8, 16, 32])).toBe(16);
    expect(bucketFor(17, [8, 16, 32])).toBe(32);
    expect(bucketFor(33, [8, 16, 32])).toBe(-1);
  });

  it('batches hold one bucket length each; padding is masked; every example appears once', () => {
    const batches = makeBatches(examples, { batchSize: 3, buckets: [8, 16, 32, 64], padId: 7, rng: new Rng(1) });
    const seen = batches.flatMap((b) => b.exampleIds).sort();
    expect(seen).toEqual(examples.map((e) => e.id).sort());
    for (const b of batches) {
      expect(b.inputs.length).toBe(b.size * b.seqLen);
      expect(b.size).toBeLessThanOrEqual(3);
      b.exampleIds.forEach((id, r) => {
        const ex = examples.find((e) => e.id === id) as Example;
        const T = ex.ids.length - 1;
        expect(bucketFor(T, [8, 16, 32, 64])).toBe(b.seqLen);
        const sh = shiftForNextToken(ex);
        expect(Array.from(b.inputs.slice(r * b.seqLen, r * b.seqLen + T))).toEqual(Array.from(sh.inputs));
        expect(Array.from(b.targets.slice(r * b.seqLen, r * b.seqLen + T))).toEqual(Array.from(sh.targets));
        expect(Array.from(b.mask.slice(r * b.seqLen, r * b.seqLen + T))).toEqual(Array.from(sh.mask));
        for (let t = T; t < b.seqLen; t++) {
          expect(b.mask[r * b.seqLen + t]).toBe(0);
          expect(b.inputs[r * b.seqLen + t]).toBe(7);
        }
      });
    }
  });

  it('seeded: same seed same batches, another seed another order; no rng keeps order', () => {
    const order = (seed: number) => makeBatches(examples, { batchSize: 2, buckets: [8, 16, 32, 64], rng: new Rng(seed) }).map((b) => b.exampleIds.join());
    expect(order(5)).toEqual(order(5));
    expect(order(5)).not.toEqual(order(6));
    const plain = makeBatches(examples, { batchSize: 2, buckets: [8, 16, 32, 64] });
    expect(plain.map((b) => b.seqLen)).toEqual([8, 8, 8, 16, 16, 32, 64]) // T = n − 1: five ≤ 8, three in (8, 16], one each for 32 and 64;
    expect(makeBatches(examples, { batchSize: 2, buckets: [8, 16, 32, 64], dropLast: true }).every((b) => b.size === 2)).toBe(true);
    expect(() => makeBatches(examples, { batchSize: 2, buckets: [8, 16] })).toThrow(/longer than the largest bucket/);
    expect(shuffled([1, 2, 3, 4, 5], 3)).toEqual(shuffled([1, 2, 3, 4, 5], 3));
    expect(shuffled([1, 2, 3, 4, 5], 3).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('train/validation split', () => {
    const items = [...Array(20).keys()];
    const a = splitTrainVal(items, { valFraction: 0.2, seed: 42 });
    expect(a.val).toHaveLength(4);
    expect(a.train).toHaveLength(16);
    expect([...a.train, ...a.val].sort((x, y) => x - y)).toEqual(items);
    expect(a.train).toEqual([...a.train].sort((x, y) => x - y)); // input order kept
    expect(splitTrainVal(items, { valFraction: 0.2, seed: 42 })).toEqual(a);
    expect(splitTrainVal(items, { valFraction: 0.2, seed: 43 }).val).not.toEqual(a.val);
    expect(splitTrainVal(items, { valCount: 3, seed: 1 }).val).toHaveLength(3);
    expect(splitTrainVal([1, 2, 3], { valFraction: 0.1, seed: 1 }).val).toHaveLength(1);
    expect(splitTrainVal([1], { valFraction: 0.5, seed: 1 })).toEqual({ train: [1], val: [] });
    expect(() => splitTrainVal(items, { valFraction: 1, seed: 1 })).toThrow();
  });
});

describe('end to end: file bytes → examples', () => {
  it('reads LIMA-Role JSONL and builds self-prompt examples', () => {
    const text = [
      { question: 'Hello world?', role_prompt: 'You are a greeter.', answer: 'Hello world' },
      { question: 'Name a colour.', role_prompt: 'As a painter, I know colours.', answer: 'Ultramarine.' },
      { question: 'Broken', answer: '' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    const ds = readDataset(new TextEncoder().encode(text), 'tiny.jsonl');
    expect(ds.report.rejected).toBe(1);
    const { train, val } = splitTrainVal(ds.records, { valCount: 1, seed: 7 });
    const built = buildExamples(zephyr, train, { mode: 'self-prompt', maxLen: 512 });
    expect(built.examples).toHaveLength(1);
    expect(val).toHaveLength(1);
    const batches = makeBatches(built.examples, { batchSize: 4, rng: new Rng(0), padId: zephyr.eosId ?? 0 });
    expect(batches).toHaveLength(1);
    expect(batches[0].mask.reduce((a, b) => a + b, 0)).toBe(built.stats.lossTokens);
  });
});
