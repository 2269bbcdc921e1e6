import { describe, expect, it } from 'vitest';
import { readDataset } from './read.ts';
import { DataError } from './records.ts';
import { catchErr } from '../testing/errors.ts';

// All records below are written for these tests (no LIMA / LIMA-Role text is shipped).

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);
/** Bytes with an invalid UTF-8 sequence (a lone continuation byte) in place of each '\u0000'. */
function withBadBytes(s: string): Uint8Array {
  const parts = s.split('\u0000').map((p) => enc.encode(p));
  const out: number[] = [];
  parts.forEach((p, i) => {
    out.push(...p);
    if (i < parts.length - 1) out.push(0x80);
  });
  return Uint8Array.from(out);
}
const jsonl = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');

describe('JSONL, LIMA-Role style', () => {
  const text = jsonl(
    { question: 'Why is the sky blue?', role_prompt: 'As an atmospheric physicist, I can explain.', answer: 'Rayleigh scattering favours short wavelengths.' },
    '{"question": "broken',
    { question: 'How do I boil an egg?', role_prompt: 'You are a chef.', answer: 'Simmer it for nine minutes.' },
    '',
    { question: 'What is 7 * 6?', answer: 42 },
    { question: 'Missing answer here' },
    { question: '   ', answer: 'Empty question.' },
    [1, 2, 3],
    { question: 'Bad type', answer: ['a', 'list'] },
    '{"question": "caf\u0000", "answer": "x"}',
  );
  const ds = readDataset(withBadBytes(text), 'lima_role.jsonl');

  it('keeps good records, trims and stringifies', () => {
    expect(ds.report.format).toBe('jsonl');
    expect(ds.report.layout).toBe('role');
    expect(ds.report.mapping).toEqual({ question: 'question', answer: 'answer', rolePrompt: 'role_prompt' });
    expect(ds.records).toEqual([
      {
        id: 'lima_role.jsonl:1',
        question: 'Why is the sky blue?',
        rolePrompt: 'As an atmospheric physicist, I can explain.',
        answer: 'Rayleigh scattering favours short wavelengths.',
        line: 1,
      },
      { id: 'lima_role.jsonl:3', question: 'How do I boil an egg?', rolePrompt: 'You are a chef.', answer: 'Simmer it for nine minutes.', line: 3 },
      { id: 'lima_role.jsonl:5', question: 'What is 7 * 6?', answer: '42', line: 5 },
    ]);
    expect(ds.report.withRolePrompt).toBe(2);
  });

  it('reports every rejected line with a reason, and the load goes on', () => {
    expect(ds.report.total).toBe(9);
    expect(ds.report.kept).toBe(3);
    expect(ds.report.rejected).toBe(6);
    expect(ds.report.rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, 'not-json'],
      [6, 'missing-field'],
      [7, 'empty-text'],
      [8, 'not-object'],
      [9, 'bad-field'],
      [10, 'not-utf8'],
    ]);
    expect(ds.report.rejectedByReason).toEqual({ 'not-json': 1, 'missing-field': 1, 'empty-text': 1, 'not-object': 1, 'bad-field': 1, 'not-utf8': 1 });
    expect(ds.report.rejections[1].message).toContain('"answer"');
  });
});

describe('JSON array, ExpertLLaMA layout', () => {
  const text = `[
  {
    "instruction": "Explain photosynthesis briefly.",
    "expert_identity": "You are a plant biologist who teaches undergraduates.",
    "answer": "Plants turn light, water and CO2 into sugar and oxygen."
  },
  {"instruction": "oops", "answer": },
  {"instruction": "Name a prime.", "expert_identity": "You are a number theorist.", "answer": "Seven."},
  {"instruction": "Brackets [ and { inside strings } are fine", "expert_identity": "You are a parser.", "answer": "Yes \\"quoted\\" too."}
]
`;
  it('parses element by element with line numbers', () => {
    const ds = readDataset(bytes(text), 'expert.json');
    expect(ds.report.format).toBe('json');
    expect(ds.report.layout).toBe('expertllama');
    expect(ds.records.map((r) => [r.id, r.line, r.question])).toEqual([
      ['expert.json[0]', 2, 'Explain photosynthesis briefly.'],
      ['expert.json[2]', 8, 'Name a prime.'],
      ['expert.json[3]', 9, 'Brackets [ and { inside strings } are fine'],
    ]);
    expect(ds.records[2].answer).toBe('Yes "quoted" too.');
    expect(ds.records[0].rolePrompt).toBe('You are a plant biologist who teaches undergraduates.');
    expect(ds.report.rejections.map((r) => [r.line, r.reason])).toEqual([[7, 'not-json']]);
  });

  it('an unclosed array keeps what was read', () => {
    const ds = readDataset(bytes('[{"instruction": "a", "answer": "b"},\n{"instruction": "c", "answer": "d"}\n'), 'x.json');
    expect(ds.records.map((r) => r.question)).toEqual(['a', 'c']);
    expect(ds.report.rejections.map((r) => r.message)).toEqual(['the JSON array is not closed with ]']);
  });

  it('a multi-line element with a bad byte is rejected as not UTF-8', () => {
    const ds = readDataset(withBadBytes('[{"prompt": "ok", "output": "fine"},\n{"prompt": "x\u0000",\n "output": "y"}]'), 'x.json');
    expect(ds.records).toHaveLength(1);
    expect(ds.report.rejections[0]).toMatchObject({ line: 2, reason: 'not-utf8' });
  });
});

describe('LIMA conversations (plain SFT)', () => {
  const text = jsonl(
    { conversations: ['What is a haiku?', 'A three-line poem of 5, 7 and 5 syllables.'], source: 'mine' },
    { conversations: ['Hi!', 'Hello. How can I help?', 'Write a haiku.', 'Autumn wind blows on / ...'] },
    { conversations: ['Q1', 'A1', 'dangling user turn'] },
    { conversations: ['Only a question'] },
    { conversations: [{ from: 'human', value: 'ShareGPT style?' }, { from: 'gpt', value: 'Also accepted.' }] },
    { conversations: ['Q', ''] },
  );
  it('maps turns; multi-turn records carry messages', () => {
    const ds = readDataset(bytes(text), 'lima.jsonl');
    expect(ds.report.layout).toBe('lima');
    const [a, b, c, d] = ds.records;
    expect(a).toEqual({ id: 'lima.jsonl:1', question: 'What is a haiku?', answer: 'A three-line poem of 5, 7 and 5 syllables.', line: 1 });
    expect(a.rolePrompt).toBeUndefined();
    expect(b.messages).toEqual([
      { role: 'user', content: 'Hi!' },
      { role: 'assistant', content: 'Hello. How can I help?' },
      { role: 'user', content: 'Write a haiku.' },
      { role: 'assistant', content: 'Autumn wind blows on / ...' },
    ]);
    expect(b.question).toBe('Hi!');
    expect(b.answer).toBe('Hello. How can I help?');
    expect(c).toMatchObject({ question: 'Q1', answer: 'A1' });
    expect(c.messages).toBeUndefined(); // the dangling user turn was dropped
    expect(d).toMatchObject({ question: 'ShareGPT style?', answer: 'Also accepted.' });
    expect(ds.report.multiTurn).toBe(1);
    expect(ds.report.rejections.map((r) => [r.line, r.reason])).toEqual([
      [4, 'missing-field'],
      [6, 'empty-text'],
    ]);
  });

  it('allowMissingAnswer keeps question-only records (evaluation sets)', () => {
    const ds = readDataset(bytes(text), 'lima.jsonl', { allowMissingAnswer: true });
    expect(ds.records.find((r) => r.line === 4)).toMatchObject({ question: 'Only a question', answer: '' });
  });
});

describe('chat messages', () => {
  it('system text, content parts, bad roles', () => {
    const text = jsonl(
      {
        id: 'c1',
        messages: [
          { role: 'system', content: 'Answer in one sentence.' },
          { role: 'user', content: 'What is rust?' },
          { role: 'assistant', content: [{ type: 'text', text: 'Iron oxide' }, { type: 'text', text: ' from corrosion.' }] },
        ],
      },
      { id: 'c2', messages: [{ role: 'user', content: 'a' }, { role: 'wizard', content: 'b' }] },
      { id: 'c3', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'system', content: 'late' }] },
      { id: 'c1', messages: [{ role: 'user', content: 'again' }, { role: 'assistant', content: 'dup id' }] },
    );
    const ds = readDataset(bytes(text), 'chat.jsonl');
    expect(ds.report.layout).toBe('chat');
    expect(ds.records[0]).toEqual({ id: 'c1', question: 'What is rust?', answer: 'Iron oxide from corrosion.', system: 'Answer in one sentence.', line: 1 });
    expect(ds.records[1].id).toBe('c1#2');
    expect(ds.report.rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, 'bad-field'],
      [3, 'bad-field'],
    ]);
    expect(ds.report.rejections[0].message).toContain('wizard');
  });
});

describe('CSV', () => {
  it('quoted multi-line fields, header mapping, bad rows', () => {
    const text =
      'instruction,role,response\r\n' +
      '"Summarize, please","You are an editor.","Line one.\r\nLine two."\r\n' +
      'Too,few\r\n' +
      'caf\u0000,You are x.,y\r\n' +
      'Plain question,,Plain answer\r\n';
    const ds = readDataset(withBadBytes(text), 'data.csv');
    expect(ds.report.format).toBe('csv');
    expect(ds.report.mapping).toMatchObject({ question: 'instruction', rolePrompt: 'role', answer: 'response' });
    expect(ds.records).toEqual([
      { id: 'data.csv:2', question: 'Summarize, please', rolePrompt: 'You are an editor.', answer: 'Line one.\r\nLine two.', line: 2 },
      { id: 'data.csv:6', question: 'Plain question', answer: 'Plain answer', line: 6 },
    ]);
    expect(ds.report.rejections.map((r) => [r.line, r.reason])).toEqual([
      [4, 'bad-csv'],
      [5, 'not-utf8'],
    ]);
  });

  it('explicit mapping; TSV; a "__proto__" column is just a column', () => {
    const text = 'q\tpersona\treply\t__proto__\nWhat is pi?\tYou are a mathematician.\tAbout 3.14159.\tx\n';
    const ds = readDataset(bytes(text), 'custom.tsv', { mapping: { question: 'q', rolePrompt: 'persona', answer: 'reply' } });
    expect(ds.records[0]).toMatchObject({ question: 'What is pi?', rolePrompt: 'You are a mathematician.', answer: 'About 3.14159.' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('field resolution', () => {
  it('"system" is the role prompt only when no other role-prompt field exists', () => {
    const a = readDataset(bytes(jsonl({ prompt: 'Q', system: 'You are a lawyer.', output: 'A' })), 'a.jsonl');
    expect(a.records[0]).toMatchObject({ question: 'Q', rolePrompt: 'You are a lawyer.', answer: 'A' });
    expect(a.records[0].system).toBeUndefined();
    const b = readDataset(bytes(jsonl({ question: 'Q', role_prompt: 'You are a lawyer.', system: 'Be formal.', answer: 'A' })), 'b.jsonl');
    expect(b.records[0]).toMatchObject({ rolePrompt: 'You are a lawyer.', system: 'Be formal.' });
  });

  it('Alpaca-style input is appended to the question', () => {
    const ds = readDataset(bytes(jsonl({ instruction: 'Translate to French.', input: 'Good morning', output: 'Bonjour' })), 'alpaca.json');
    expect(ds.records[0].question).toBe('Translate to French.\n\nGood morning');
    expect(ds.report.format).toBe('jsonl'); // a .json file that is not an array is read as JSON Lines
  });

  it('an explicit mapping to a missing field rejects records, naming the field', () => {
    const e = catchErr(() => readDataset(bytes(jsonl({ question: 'Q', answer: 'A' })), 'm.jsonl', { mapping: { answer: 'reply' } }));
    expect(e.name).toBe('DataError');
    expect(e.message).toContain('missing field "reply"');
  });
});

describe('whole-file errors → DataError', () => {
  const cases: [string, Uint8Array, string, RegExp][] = [
    ['empty', bytes('  \n\n'), 'e.jsonl', /empty/],
    ['unknown layout', bytes(jsonl({ foo: 1, bar: 2 })), 'u.jsonl', /no known dataset layout.*"foo"/],
    ['nothing usable', bytes('not json\nalso not\n'), 'n.jsonl', /no usable record.*2 not-json/],
    ['CSV header only', bytes('question,answer\n'), 'h.csv', /no usable record/],
    ['all lines bad UTF-8', withBadBytes('\u0000\n\u0000'), 'b.jsonl', /2 not-utf8/],
  ];
  for (const [name, data, file, re] of cases) {
    it(name, () => {
      const e = catchErr(() => readDataset(data, file));
      expect(e).toBeInstanceOf(DataError);
      expect(e.name).toBe('DataError');
      expect((e as DataError).file).toBe(file);
      expect(e.message).toMatch(re);
    });
  }
});
