import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from './records.ts';
import {
  JUNK_TARGETS,
  ROLEBENCH_SYSTEM_TEMPLATE,
  categoryOfFileName,
  isJunkTarget,
  readProfiles,
  readRoleBench,
  renderRoleSystem,
} from './rolebench.ts';
import { catchErr } from '../testing/errors.ts';

// The sample files are tabtune's own (public/data/README.md): four invented roles, no RoleBench text.
const SAMPLE = 'public/data/rolebench.sample.jsonl';
const DESC = 'public/data/rolebench.desc.json';

const enc = new TextEncoder();
const jsonl = (...rows: unknown[]) => enc.encode(rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n'));
const PROFILES = { Alice: 'A cheerful baker', 'Bob the Builder': 'Fixes things.' };

describe('readRoleBench on the offline sample', () => {
  const profiles = readProfiles(readFileSync(DESC, 'utf8'), DESC);
  const { records, report } = readRoleBench(new Uint8Array(readFileSync(SAMPLE)), SAMPLE, profiles);

  it('keeps 64 of 66 records, dropping the two whose only target is "(No response provided)"', () => {
    expect(report.total).toBe(66);
    expect(report.kept).toBe(64);
    expect(records).toHaveLength(64);
    expect(report.dropped).toEqual({ notUtf8: 0, notJson: 0, notObject: 0, missingField: 0, badField: 0, emptyQuestion: 0, blank: 0, junk: 2, unknownRole: 0 });
    expect(report.rejections.map((r) => [r.line, r.reason])).toEqual([[2, 'junk'], [28, 'junk']]);
    // line 43's first candidate is junk too, but its second is kept
    expect(report.candidatesDropped).toEqual({ junk: 3, blank: 0 });
    expect(report.unknownRoles).toEqual([]);
  });

  it('counts per role and per category', () => {
    expect({ ...report.perRole }).toEqual({ 'Captain Hollis Brack': 16, 'Mister Pemberton Quill': 16, 'Dr. Juniper Vale': 16, 'Ember the Librarian': 16 });
    expect(report.perCategory).toEqual({ general: 16, role_specific: 48 });
    expect(records.filter((r) => r.category === 'general')).toHaveLength(16);
  });

  it('trims the questions that start with a space', () => {
    expect(report.questionsTrimmed).toBe(2);
    const r35 = records.find((r) => r.line === 35)!;
    expect(r35.question).toBe('Why are your grow lights purple?');
    expect(records.every((r) => r.question === r.question.trim() && r.answer === r.answer.trim())).toBe(true);
  });

  it('takes the first clean candidate as the answer and keeps all clean ones as references', () => {
    const r43 = records.find((r) => r.line === 43)!;
    expect(r43.answer).toMatch(/^I would open the workshop at n/);
    expect(r43.references).toBeUndefined(); // only one clean candidate
    const r1 = records.find((r) => r.line === 1)!;
    expect(r1).toMatchObject({ id: `${SAMPLE}:1`, role: 'Captain Hollis Brack', category: 'general', line: 1 });
    expect(r1.answer).toMatch(/^Eat plain food/);
    expect(r1.references).toHaveLength(2);
    expect(r1.references![0]).toBe(r1.answer);
    expect(records.some((r) => isJunkTarget(r.answer))).toBe(false);
  });

  it("gives every record its role's system prompt in the harness's shape", () => {
    const r1 = records.find((r) => r.line === 1)!;
    expect(r1.system).toBe(renderRoleSystem(ROLEBENCH_SYSTEM_TEMPLATE, 'Captain Hollis Brack', profiles['Captain Hollis Brack']));
    expect(r1.system).toMatch(/^You are Captain Hollis Brack, your description is: Captain Hollis Brack is the grumpy old keeper/);
    // the description ends with '.', so the template's own '.' after {desc} is not doubled
    expect(r1.system).toContain('never once let the light go out. Now please answer some questions');
    expect(r1.system).not.toContain('..');
    expect(r1.system).toMatch(/Don't be verbose or too formal or polite when speaking\.$/);
    expect(new Set(records.map((r) => r.system)).size).toBe(4);
  });
});

describe('junk targets', () => {
  it('the list is explicit and matched after normalization', () => {
    expect(JUNK_TARGETS).toContain('(no response provided)');
    for (const s of ['(No response provided)', '  (NO RESPONSE PROVIDED).  ', 'No response provided.', '[No response]', 'N/A', 'n/a.', 'NA', 'null', 'undefined', '...', '…', '-', '(empty)'])
      expect(isJunkTarget(s), s).toBe(true);
    // real, if short, answers are not junk; blank text is counted apart, not as junk
    for (const s of ['None.', 'No.', 'Nah', 'N/A is what the form said, so I left it blank.', 'Undefined behaviour is scary!', '', '   '])
      expect(isJunkTarget(s), s).toBe(false);
  });

  it('drops junk and blank candidates, counts records left with none', () => {
    const { records, report } = readRoleBench(
      jsonl(
        { role: 'Alice', question: 'Q1?', generated: ['N/A', '  ', 'Real answer.'] },
        { role: 'Alice', question: 'Q2?', generated: ['(No response provided)'] },
        { role: 'Alice', question: 'Q3?', generated: ['   ', ''] },
        { role: 'Alice', question: 'Q4?', generated: [] },
        { role: 'Alice', question: 'Q5?', generated: '  single string answer ' },
        { role: 'Alice', question: 'Q6?', generated: [' ', 'n/a'] },
      ),
      'x.jsonl',
      PROFILES,
    );
    expect(records.map((r) => [r.question, r.answer])).toEqual([['Q1?', 'Real answer.'], ['Q5?', 'single string answer']]);
    expect(report.dropped).toMatchObject({ junk: 2, blank: 2 });
    expect(report.candidatesDropped).toEqual({ junk: 3, blank: 4 });
    expect(report.rejections.map((r) => [r.line, r.reason])).toEqual([[2, 'junk'], [3, 'blank'], [4, 'blank'], [6, 'junk']]);
  });
});

describe('bad lines and unknown roles', () => {
  const data = new Uint8Array([
    ...jsonl(
      { role: 'Alice', question: 'Good?', generated: ['Yes.'] },
      '{"role": "Alice", "question": "broken',
      '[1, 2]',
      { role: 'Carol', question: 'Who?', generated: ['Me.'] },
      { role: 'Carol', question: 'Again?', generated: ['Me again.'] },
      { question: 'No role', generated: ['x'] },
      { role: 'Alice', question: 'No answer' },
      { role: 'Alice', question: '   ', generated: ['x'] },
      { role: 'Alice', question: 42, generated: ['x'] },
      { role: 'Alice', question: 'Obj?', generated: [{ text: 'x' }] },
      '',
      { role: ' Bob the Builder ', question: 'Can we fix it?', generated: ['Yes we can!'] },
    ),
    0x0a,
    ...enc.encode('{"role": "Alice", "question": "bad bytes '),
    0xff,
    ...enc.encode('", "generated": ["x"]}'),
  ]);
  const { records, report } = readRoleBench(data, 'mixed.jsonl', PROFILES);

  it('never stops the load and counts each problem', () => {
    expect(records.map((r) => r.line)).toEqual([1, 12]);
    expect(report.total).toBe(12); // the blank line 11 is not a record
    expect(report.dropped).toEqual({ notUtf8: 1, notJson: 1, notObject: 1, missingField: 2, badField: 2, emptyQuestion: 1, blank: 0, junk: 0, unknownRole: 2 });
    expect(report.rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, 'notJson'], [3, 'notObject'], [4, 'unknownRole'], [5, 'unknownRole'], [6, 'missingField'], [7, 'missingField'],
      [8, 'emptyQuestion'], [9, 'badField'], [10, 'badField'], [13, 'notUtf8'],
    ]);
    expect(report.unknownRoles).toEqual(['Carol']);
    expect(report.rejections[2].message).toBe('line 4: role "Carol" has no profile');
    expect(report.rejections[8].message).toBe('line 10: generated[0] is an object, expected text');
    expect({ ...report.perRole }).toEqual({ Alice: 1, 'Bob the Builder': 1 });
  });

  it('a file with nothing usable is a DataError that says why', () => {
    const e = catchErr(() => readRoleBench(jsonl({ role: 'Carol', question: 'Q?', generated: ['A.'] }, 'nope'), 'bad.jsonl', PROFILES));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(/^bad\.jsonl: no usable RoleBench record \(2 lines; dropped: 1 notJson, 1 unknownRole\)/);
    const arr = catchErr(() => readRoleBench(enc.encode('[{"role": "Alice"}]'), 'a.json', PROFILES));
    expect(arr.message).toMatch(/JSON Lines/);
    expect(catchErr(() => readRoleBench(enc.encode('\n  \n'), 'e.jsonl', PROFILES)).message).toBe('e.jsonl: the file is empty');
  });
});

describe('categories', () => {
  const rows = [
    { role: 'Alice', question: 'a', generated: ['x'], type: 'role_specific' },
    { role: 'Alice', question: 'b', generated: ['x'], type: ['role_specific'] },
    { role: 'Alice', question: 'c', generated: ['x'], type: 'general' },
    { role: 'Alice', question: 'd', generated: ['x'], type: ['General'] },
    { role: 'Alice', question: 'e', generated: ['x'], type: 'Role-Specific' },
    { role: 'Alice', question: 'f', generated: ['x'] },
    { role: 'Alice', question: 'g', generated: ['x'], type: ['knowledge'] },
  ];
  const cats = (fileName: string, split?: 'general' | 'role_specific') => {
    const d = readRoleBench(jsonl(...rows), fileName, PROFILES, split ? { split } : {});
    return [d.records.map((r) => r.category), d.report.typeUnrecognised] as const;
  };

  it('type as a string or a list; no type → general; an unreadable type → role_specific', () => {
    expect(cats('train.jsonl')).toEqual([['role_specific', 'role_specific', 'general', 'general', 'role_specific', 'general', 'role_specific'], 1]);
  });

  it('records whose type does not say follow the split, then the file name', () => {
    expect(cats('train.jsonl', 'role_specific')[0].slice(5)).toEqual(['role_specific', 'role_specific']);
    expect(cats('rolebench-eng/instruction-generalization/general/test.jsonl')[0].slice(5)).toEqual(['general', 'general']);
    expect(cats('rolebench-eng/role-generalization/role_specific/test.jsonl')[0].slice(5)).toEqual(['role_specific', 'role_specific']);
    expect(categoryOfFileName('role-specific-train.jsonl')).toBe('role_specific');
    expect(categoryOfFileName('generalization/train.jsonl')).toBeUndefined();
  });
});

describe('system prompt and profiles', () => {
  it('renders {role} and {desc}, configurable', () => {
    expect(renderRoleSystem('You are {role}, your description is: {desc}. Go!', 'Alice', 'A cheerful baker')).toBe('You are Alice, your description is: A cheerful baker. Go!');
    expect(renderRoleSystem('{role}: {desc}. {role}!', 'Bob', 'Fixes things!')).toBe('Bob: Fixes things! Bob!');
    expect(renderRoleSystem('{desc}', 'X', ' $& $1 ')).toBe('$& $1'); // no replacement patterns
    const { records } = readRoleBench(jsonl({ role: 'Alice', question: 'Q?', generated: ['A.'] }), 'x.jsonl', PROFILES, { systemTemplate: 'Play {role}.' });
    expect(records[0]).toMatchObject({ system: 'Play Alice.', role: 'Alice', question: 'Q?', answer: 'A.' });
    expect(ROLEBENCH_SYSTEM_TEMPLATE).toMatch(/^You are \{role\}, your description is: \{desc\}\. Now please answer some questions/);
  });

  it('carries a raw (out-of-character) reference when the file has one', () => {
    const { records, report } = readRoleBench(
      jsonl({ role: 'Alice', question: 'Q?', generated: ['In character.'], raw: ' Plain answer. ' }, { role: 'Alice', question: 'R?', generated: ['x'], raw: 'N/A' }),
      'x.jsonl',
      PROFILES,
    );
    expect(records.map((r) => r.rawAnswer)).toEqual(['Plain answer.', undefined]);
    expect(report.withRaw).toBe(1);
  });

  it('readProfiles: role → description, or a clear DataError', () => {
    expect({ ...readProfiles('\uFEFF{" Alice ": " A baker. "}', 'd.json') }).toEqual({ Alice: 'A baker.' });
    for (const [text, re] of [
      ['{"Alice": ', /^d\.json: the profiles file is not JSON/],
      ['["Alice"]', /^d\.json: the profiles file is an array; expected an object/],
      ['"x"', /is a string; expected an object/],
      ['{"Alice": 3}', /the profile of "Alice" is not text/],
      ['{"Alice": "  "}', /the profile of "Alice" is empty/],
      ['{}', /has no roles/],
    ] as [string, RegExp][]) {
      const e = catchErr(() => readProfiles(text, 'd.json'));
      expect(e, text).toBeInstanceOf(DataError);
      expect(e.message, text).toMatch(re);
    }
  });
});
