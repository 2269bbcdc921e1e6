import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTokenizer, type TabTokenizer } from '../formats/tokenizer.ts';
import { DataError } from './records.ts';
import {
  S3FT_LABELS,
  discriminatorPrompt,
  discriminatorRecord,
  fitDiscriminator,
  fitHistory,
  fitSft,
  parseLabel,
  readS3ft,
  s3ftToJson,
  sftRecord,
  templateHasSystemRole,
  type S3ftRecord,
} from './s3ft.ts';
import { buildExample } from './template.ts';
import { catchErr } from '../testing/errors.ts';

// Records here and in public/data are tabtune's own (public/data/README.md).
const LABELLED = 'public/data/s3ft.labelled.jsonl';
const SAMPLE = 'public/data/s3ft.sample.jsonl';
const TINY = 'public/models/tabtune-tiny';
const tiny = loadTokenizer(readFileSync(`${TINY}/tokenizer.json`, 'utf8'), readFileSync(`${TINY}/tokenizer_config.json`, 'utf8'));
const IM_END = tiny.specialTokenId('<|im_end|>')!;

const enc = new TextEncoder();
const jsonl = (...rows: unknown[]) => enc.encode(rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n'));
const ok = { system: 'Reply only in lowercase letters.', history: [], prompt: 'What is rain?', response: 'water falling from clouds.' };

/** The ids where the mask is 1. */
const masked = (ex: { ids: Int32Array; lossMask: Uint8Array }) => Array.from(ex.ids).filter((_, i) => ex.lossMask[i] === 1);
const unmaskedText = (tok: TabTokenizer, ex: { ids: Int32Array; lossMask: Uint8Array }) => tok.decode(Array.from(ex.ids).filter((_, i) => ex.lossMask[i] === 0));

describe('readS3ft on the offline samples', () => {
  it('labelled: 72 records, the label counts of the data card', () => {
    const { records, report } = readS3ft(new Uint8Array(readFileSync(LABELLED)), LABELLED, { labels: 'required' });
    expect(report).toMatchObject({ format: 'jsonl', total: 72, kept: 72, rejected: 0 });
    expect(report.labels).toEqual({ excellent: 28, incoherent: 14, ignores_system: 14, both: 8, not_applicable: 8 });
    expect(records.every((r) => r.label !== undefined && r.prompt.length > 0 && r.response.length > 0)).toBe(true);
    expect(records[0]).toMatchObject({ id: `${LABELLED}:1`, line: 1, pid: 0, label: 'not_applicable', history: [] });
    expect(report.withHistory).toBe(records.filter((r) => r.history.length > 0).length);
  });

  it('candidates: 48 records, labels not read', () => {
    const { records, report } = readS3ft(new Uint8Array(readFileSync(SAMPLE)), SAMPLE, { labels: 'ignore' });
    expect(report).toMatchObject({ total: 48, kept: 48, rejected: 0 });
    expect(records.every((r) => r.label === undefined)).toBe(true);
    expect(records[0].history).toHaveLength(2);
  });
});

describe('readS3ft rejects bad records with line numbers and reasons', () => {
  const bytes = jsonl(
    { ...ok, label: 'excellent' }, // 1 kept
    '{"system": "x", "prompt": ', // 2 not JSON
    '[1, 2]', // 3 not an object
    { system: 'x', history: [], response: 'r', label: 'both' }, // 4 no prompt
    { ...ok, response: '   ', label: 'both' }, // 5 blank response
    { ...ok, history: 'earlier', label: 'both' }, // 6 history not a list
    { ...ok, history: [{ prompt: 'a' }], label: 'both' }, // 7 history entry without response
    { ...ok, label: 'great' }, // 8 unknown label
    { ...ok }, // 9 no label
    { ...ok, label: 3 }, // 10 label not text
    '', // blank line: skipped, not counted
    { ...ok, system: '', label: 'Not Applicable' }, // 12 kept: blank system is allowed; label normalised
    { ...ok, prompt: { text: 'q' }, label: 'both' }, // 13 prompt not text
    { ...ok, label: 'ignores-system', history: [{ prompt: 'a', response: 'b' }], pid: 'p7', id: 'mine' }, // 14 kept
  );

  it('labels required (stage A)', () => {
    const { records, report } = readS3ft(bytes, 'bad.jsonl', { labels: 'required' });
    expect(records.map((r) => r.line)).toEqual([1, 12, 14]);
    expect(report.rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, 'not-json'], [3, 'not-object'], [4, 'missing-field'], [5, 'empty-text'], [6, 'bad-field'], [7, 'missing-field'],
      [8, 'bad-label'], [9, 'missing-label'], [10, 'bad-label'], [13, 'bad-field'],
    ]);
    expect(report).toMatchObject({ total: 13, kept: 3, rejected: 10, blankSystem: 1, withHistory: 1 });
    expect(report.rejectedByReason).toEqual({ 'not-json': 1, 'not-object': 1, 'missing-field': 2, 'empty-text': 1, 'bad-field': 2, 'bad-label': 2, 'missing-label': 1 });
    expect(report.rejections.find((r) => r.line === 8)!.message).toBe('line 8: label "great" is not one of excellent, incoherent, ignores_system, both, not_applicable');
    expect(report.rejections.find((r) => r.line === 7)!.message).toBe('line 7: history[0]: missing field "response"');
    expect(records[1]).toMatchObject({ system: '', label: 'not_applicable' });
    expect(records[2]).toMatchObject({ id: 'mine', pid: 'p7', label: 'ignores_system', history: [{ prompt: 'a', response: 'b' }] });
    expect(report.labels).toEqual({ excellent: 1, incoherent: 0, ignores_system: 1, both: 0, not_applicable: 1 });
  });

  it('labels ignored (stages B and C): a bad or missing label costs nothing', () => {
    const { records } = readS3ft(bytes, 'bad.jsonl', { labels: 'ignore' });
    expect(records.map((r) => r.line)).toEqual([1, 8, 9, 10, 12, 14]);
    expect(records.every((r) => r.label === undefined)).toBe(true);
  });

  it('labels optional: missing is fine, a bad one is not', () => {
    const { records } = readS3ft(bytes, 'bad.jsonl');
    expect(records.map((r) => r.line)).toEqual([1, 9, 12, 14]);
  });

  it('bytes that are not UTF-8 cost their line only', () => {
    const good = enc.encode(JSON.stringify({ ...ok, label: 'both' }));
    const bad = new Uint8Array([...enc.encode('{"system":"'), 0xff, 0xfe, ...enc.encode('","prompt":"q","response":"r"}')]);
    const all = new Uint8Array([...good, 0x0a, ...bad, 0x0a, ...good]);
    const { records, report } = readS3ft(all, 'utf.jsonl');
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    expect(report.rejections).toEqual([{ line: 2, reason: 'not-utf8', message: 'line 2 is not valid UTF-8' }]);
  });

  it('a JSON array: elements numbered by their line', () => {
    const text = `[\n${JSON.stringify({ ...ok, label: 'excellent' })},\n{"system": 1, "prompt": [], "response": "r"},\n${JSON.stringify(ok)}\n]`;
    const { records, report } = readS3ft(enc.encode(text), 'a.json', { labels: 'optional' });
    expect(report.format).toBe('json');
    expect(records.map((r) => [r.line, r.id])).toEqual([[2, 'a.json[0]'], [4, 'a.json[2]']]);
    expect(report.rejections.map((r) => [r.line, r.reason])).toEqual([[3, 'bad-field']]);
  });

  it('refuses a file with nothing usable, an empty file and CSV, with a DataError naming the file', () => {
    const e = catchErr(() => readS3ft(jsonl({ question: 'q', answer: 'a' }), 'wrong.jsonl'));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(/^wrong\.jsonl: no usable S3FT record \(1 read as jsonl; rejected: 1 missing-field\)\. First problems: line 1: missing field "system"/);
    expect(catchErr(() => readS3ft(enc.encode('  \n'), 'empty.jsonl')).message).toBe('empty.jsonl: the file is empty');
    expect(catchErr(() => readS3ft(enc.encode('system,prompt\n'), 'x.csv')).message).toMatch(/^x\.csv: expected JSON or JSON Lines/);
  });

  it('parseLabel: canonical names, case and separators, a few aliases', () => {
    expect(S3FT_LABELS.map(parseLabel)).toEqual([...S3FT_LABELS]);
    expect(parseLabel(' Ignores System ')).toBe('ignores_system');
    expect(parseLabel('ignores the system prompt')).toBe('ignores_system');
    expect(parseLabel('N/A')).toBe('not_applicable');
    expect(parseLabel('good')).toBeUndefined();
    expect(parseLabel('__proto__')).toBeUndefined();
  });

  it('s3ftToJson writes the input layout back (reads again to the same record)', () => {
    const { records } = readS3ft(bytes, 'bad.jsonl', { labels: 'required' });
    const again = readS3ft(jsonl(s3ftToJson(records[2], { p_excellent: 0.9 })), 'again.jsonl', { labels: 'required' }).records[0];
    expect({ ...again, line: 0 }).toEqual({ ...records[2], line: 0 });
    expect(s3ftToJson(records[2], { p_excellent: 0.9 }).p_excellent).toBe(0.9);
  });
});

const rec = (r: Partial<S3ftRecord>): S3ftRecord => ({ id: 'r', line: 1, system: 'Answer in one sentence only.', history: [], prompt: 'What is pi?', response: 'Pi is about 3.14.', ...r });

describe('the discriminator example: classification prompt → label', () => {
  it('the prompt carries settings, context, question and reply; loss exactly on the label tokens + <|im_end|>', () => {
    const r = rec({ history: [{ prompt: 'Hi', response: 'Hello there.' }], label: 'ignores_system' });
    expect(discriminatorPrompt(r)).toBe(
      'Judge the reply.\nSettings: Answer in one sentence only.\nContext:\nUser: Hi\nAssistant: Hello there.\nQuestion: What is pi?\nReply: Pi is about 3.14.\n' +
        'Label (excellent, incoherent, ignores_system, both, not_applicable):',
    );
    expect(discriminatorPrompt(rec({ system: '' }))).toContain('Settings: (none)\nContext:\n(none)\n');
    for (const label of S3FT_LABELS) {
      const ex = buildExample(tiny, discriminatorRecord(r, label), { mode: 'sft', maxLen: 4096 });
      expect(masked(ex)).toEqual([...tiny.encode(label, { addSpecialTokens: false }), IM_END]);
      // The mask is one run at the very end: nothing after the label's end-of-turn token.
      const first = ex.lossMask.indexOf(1);
      expect(Array.from(ex.lossMask.subarray(first)).every((m) => m === 1)).toBe(true);
      expect(ex.ids.length - first).toBe(tiny.encode(label, { addSpecialTokens: false }).length + 1);
      expect(unmaskedText(tiny, ex)).toBe(`<|im_start|>user\n${discriminatorPrompt(r)}<|im_end|>\n<|im_start|>assistant\n`);
    }
  });

  it('needs a label', () => {
    expect(() => discriminatorRecord(rec({}))).toThrow(DataError);
  });

  it('the five labels start with five different tokens on tabtune-tiny (first-token scoring applies)', () => {
    const firsts = S3FT_LABELS.map((l) => tiny.encode(l, { addSpecialTokens: false })[0]);
    expect(new Set(firsts).size).toBe(5);
  });
});

describe('the SFT example: system + history through the chat template', () => {
  const r = rec({
    system: 'Reply only in lowercase letters.',
    history: [{ prompt: 'What is ice?', response: 'frozen water.' }, { prompt: 'And steam?', response: 'water as a gas.' }],
    prompt: 'What is rain?',
    response: 'water falling from clouds.',
  });
  const rendered =
    '<|im_start|>system\nReply only in lowercase letters.<|im_end|>\n' +
    '<|im_start|>user\nWhat is ice?<|im_end|>\n<|im_start|>assistant\nfrozen water.<|im_end|>\n' +
    '<|im_start|>user\nAnd steam?<|im_end|>\n<|im_start|>assistant\nwater as a gas.<|im_end|>\n' +
    '<|im_start|>user\nWhat is rain?<|im_end|>\n<|im_start|>assistant\nwater falling from clouds.<|im_end|>';

  it('renders every turn through tabtune-tiny\'s ChatML template; loss on the final response only', () => {
    expect(templateHasSystemRole(tiny)).toBe(true);
    const n = sftRecord(r, { systemRole: true });
    expect(n).toMatchObject({ system: 'Reply only in lowercase letters.', question: 'What is ice?', answer: 'frozen water.' });
    expect(n.messages).toHaveLength(6);
    const ex = buildExample(tiny, n, { mode: 'sft', maxLen: 4096, lossOn: 'final' });
    expect(tiny.decode(ex.ids)).toBe(rendered);
    expect(masked(ex)).toEqual([...tiny.encode('water falling from clouds.', { addSpecialTokens: false }), IM_END]);
    expect(ex.lossMask[ex.lossMask.length - 1]).toBe(1);
  });

  it('--loss-on all-assistant: every assistant turn and its <|im_end|>', () => {
    const ex = buildExample(tiny, sftRecord(r, { systemRole: true }), { mode: 'sft', maxLen: 4096, lossOn: 'all-assistant' });
    expect(tiny.decode(ex.ids)).toBe(rendered);
    const want = ['frozen water.', 'water as a gas.', 'water falling from clouds.'].flatMap((t) => [...tiny.encode(t, { addSpecialTokens: false }), IM_END]);
    expect(masked(ex)).toEqual(want);
  });

  it('a single-turn record, and a blank system prompt (no system message)', () => {
    const one = sftRecord(rec({ system: '' }), { systemRole: true });
    expect(one).toEqual({ id: 'r', line: 1, question: 'What is pi?', answer: 'Pi is about 3.14.' });
    const ex = buildExample(tiny, one, { mode: 'sft', maxLen: 4096, lossOn: 'final' });
    expect(tiny.decode(ex.ids)).toBe('<|im_start|>user\nWhat is pi?<|im_end|>\n<|im_start|>assistant\nPi is about 3.14.<|im_end|>');
  });

  it('a template without a system role: the system prompt is prepended to the first user turn', () => {
    const raising = "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}<{{ m.role }}>{{ m.content }}</s>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
    const dropping = "{% for m in messages %}{% if m.role != 'system' %}<{{ m.role }}>{{ m.content }}</s>{% endif %}{% endfor %}";
    expect(templateHasSystemRole(tiny, raising)).toBe(false);
    expect(templateHasSystemRole(tiny, dropping)).toBe(false);
    expect(templateHasSystemRole(tiny, '{{ messages[0].content }}')).toBe(true);
    const n = sftRecord(r, { systemRole: false });
    expect(n.system).toBeUndefined();
    expect(n.messages![0]).toEqual({ role: 'user', content: 'Reply only in lowercase letters.\n\nWhat is ice?' });
    expect(n.question).toBe('Reply only in lowercase letters.\n\nWhat is ice?');
    expect(n.messages!.slice(1)).toEqual(sftRecord(r, { systemRole: true }).messages!.slice(1));
  });
});

describe('fitting into the sequence length', () => {
  it('fitHistory drops the oldest exchanges first, and skips what never fits', () => {
    const recs = [
      rec({ id: 'a', history: [{ prompt: '1', response: '1' }, { prompt: '2', response: '2' }, { prompt: '3', response: '3' }] }),
      rec({ id: 'b' }),
      rec({ id: 'c', prompt: 'x'.repeat(50), history: [{ prompt: '1', response: '1' }] }),
      rec({ id: 'd', prompt: 'bad' }),
    ];
    const size = (r: S3ftRecord) => r.prompt.length + r.history.length * 10;
    const f = fitHistory(recs, (r) => (r.prompt === 'bad' ? 'cannot render' : size(r) <= 31), (r) => r);
    expect(f.items.map((r) => [r.id, r.history.map((h) => h.prompt)])).toEqual([['a', ['2', '3']], ['b', []]]);
    expect(f).toMatchObject({ historyTrimmed: 1, exchangesDropped: 1 });
    expect(f.skipped).toEqual([
      { id: 'c', line: 1, message: 'too long for the sequence length even without history' },
      { id: 'd', line: 1, message: 'cannot render' },
    ]);
  });

  it('fitDiscriminator / fitSft on the labelled sample: everything fits in 256 tokens, some history is dropped at 160', () => {
    const { records } = readS3ft(new Uint8Array(readFileSync(LABELLED)), LABELLED, { labels: 'required' });
    for (const maxLen of [256, 160]) {
      const d = fitDiscriminator(tiny, records, maxLen);
      expect(d.items.length + d.skipped.length).toBe(72);
      expect(d.sources.map((s) => s.id)).toEqual(d.items.map((r) => r.id));
      for (const [k, it] of d.items.entries()) {
        expect(it.answer).toBe(d.sources[k].label);
        // not_applicable is the longest label on this tokenizer (6 tokens)
        expect(buildExample(tiny, { ...it, answer: 'not_applicable' }, { mode: 'sft', maxLen }).ids.length - 1).toBeLessThanOrEqual(maxLen);
      }
      const s = fitSft(tiny, records, maxLen, { systemRole: true, lossOn: 'final' });
      for (const it of s.items) expect(buildExample(tiny, it, { mode: 'sft', maxLen, lossOn: 'final' }).ids.length - 1).toBeLessThanOrEqual(maxLen);
      if (maxLen === 256) expect(d.skipped).toHaveLength(0);
      if (maxLen === 160) expect(d.historyTrimmed).toBeGreaterThan(0);
    }
  });
});
