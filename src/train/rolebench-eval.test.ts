import { describe, expect, it } from 'vitest';
import type { NormalizedRecord } from '../data/records.ts';
import { RAW_MISSING_NOTE, bestRougeL, generateRoleBenchSamples, roleBenchRouge, scoreRoleBench, sessionAsker, type RoleBenchItem } from './rolebench-eval.ts';

// Hand-computed ROUGE-L F (P = LCS/|cand|, R = LCS/|ref|, F = 2PR/(P+R)):
//   A 'the cat sat on the mat' vs 'the cat is on the mat': LCS 5 of 6 / 6 → 5/6 (vs 'a dog': 0) → best 5/6
//   B 'a b' vs 'a x b y z': LCS 2 → P 1, R 2/5 → F 4/7
//   C 'police kill the gunman' vs 'police killed the gunman': LCS 3 of 4 / 4 → 3/4
//   D 'a b c d' vs 'd c b a': LCS 1 → 1/4 (vs 'x y': 0) → best 1/4; vs its raw answer 'a b c d' → 1
const ITEMS: RoleBenchItem[] = [
  { role: 'Alice', category: 'general', text: 'the cat sat on the mat', references: ['a dog', 'the cat is on the mat'] },
  { role: 'Alice', category: 'role_specific', text: 'a b', references: ['a x b y z'] },
  { role: 'Bob', category: 'role_specific', text: 'police kill the gunman', references: ['police killed the gunman'] },
  { role: 'Bob', category: 'general', text: 'a b c d', references: ['d c b a', 'x y'], raw: 'A, B; c d!' },
];

describe('RoleBench ROUGE-L', () => {
  it('best over references', () => {
    expect(bestRougeL('the cat sat on the mat', ['a dog', 'the cat is on the mat'])).toBeCloseTo(5 / 6, 12);
    expect(bestRougeL('anything', [])).toBe(0);
  });

  it('groups CUS (general), SPE (role_specific), RAW and overall, per role', () => {
    const r = roleBenchRouge(ITEMS);
    expect(r.cus.n).toBe(2);
    expect(r.cus.rougeL).toBeCloseTo((5 / 6 + 1 / 4) / 2, 12); // 13/24
    expect(r.spe.n).toBe(2);
    expect(r.spe.rougeL).toBeCloseTo((4 / 7 + 3 / 4) / 2, 12); // 37/56
    expect(r.overall.n).toBe(4);
    expect(r.overall.rougeL).toBeCloseTo(101 / 168, 12);
    expect(r.raw).toEqual({ n: 1, rougeL: 1 });
    expect(r.rawNote).toBeNull();
    expect(Object.keys(r.perRole)).toEqual(['Alice', 'Bob']);
    expect(r.perRole.Alice.overall.rougeL).toBeCloseTo(59 / 84, 12);
    expect(r.perRole.Alice.cus.rougeL).toBeCloseTo(5 / 6, 12);
    expect(r.perRole.Alice.spe.rougeL).toBeCloseTo(4 / 7, 12);
    expect(r.perRole.Bob.overall.rougeL).toBeCloseTo(1 / 2, 12);
    expect(r.perRole.Bob.cus).toEqual({ n: 1, rougeL: 0.25 });
    expect(r.perRole.Bob.spe).toEqual({ n: 1, rougeL: 0.75 });
  });

  it('RAW is null, with a note, without raw answers; empty groups are null', () => {
    const r = roleBenchRouge(ITEMS.map(({ raw: _raw, ...it }) => it));
    expect(r.raw).toEqual({ n: 0, rougeL: null });
    expect(r.rawNote).toBe(RAW_MISSING_NOTE);
    const speOnly = roleBenchRouge(ITEMS.filter((it) => it.category === 'role_specific'));
    expect(speOnly.cus).toEqual({ n: 0, rougeL: null });
    expect(speOnly.rawNote).toBe('no general-split samples');
    expect(speOnly.perRole.Bob.cus).toEqual({ n: 0, rougeL: null });
    expect(roleBenchRouge([]).overall).toEqual({ n: 0, rougeL: null });
    expect(() => roleBenchRouge([{ role: 'X', category: 'general', text: 'a', references: [] }])).toThrow(/no reference/);
  });
});

const rec = (line: number, over: Partial<NormalizedRecord>): NormalizedRecord => ({ id: `t:${line}`, question: `Q${line}?`, answer: '', line, ...over });
const RECORDS: NormalizedRecord[] = [
  rec(1, { role: 'Alice', category: 'general', answer: 'a dog', references: ['a dog', 'the cat is on the mat'], system: 'You are Alice.' }),
  rec(2, { role: 'Alice', category: 'role_specific', answer: 'a x b y z', system: 'You are Alice.' }),
  rec(3, { role: 'Bob', category: 'role_specific', answer: 'police killed the gunman', system: 'You are Bob.' }),
  rec(4, { role: 'Bob', category: 'general', answer: 'd c b a', references: ['d c b a', 'x y'], rawAnswer: 'a b c d', system: 'You are Bob.' }),
];

describe('scoring eval samples against RoleBench records', () => {
  it('pairs samples with records in order and scores the whole text', () => {
    const samples = RECORDS.map((r, i) => ({ question: r.question, text: ITEMS[i].text, answer: 'ignored' }));
    // ITEMS[3].raw 'A, B; c d!' has the same ROUGE tokens as RECORDS[3].rawAnswer 'a b c d'
    expect(scoreRoleBench(samples, RECORDS)).toEqual(roleBenchRouge(ITEMS));
  });

  it('refuses samples that do not line up', () => {
    expect(() => scoreRoleBench([{ question: 'Q1?', text: 'x' }], RECORDS)).toThrow(/1 samples but 4 records/);
    expect(() => scoreRoleBench([{ question: 'other', text: 'x' }], RECORDS.slice(0, 1))).toThrow(/answers "other"/);
    expect(() => scoreRoleBench([{ question: 'Q1?', text: 'x' }], [rec(1, { answer: 'y' })])).toThrow(/has no role/);
  });

  it("generates each sample under the record's own system prompt", async () => {
    const seen: [string, string | undefined][] = [];
    const samples = await generateRoleBenchSamples(async (q, s) => {
      seen.push([q, s]);
      return { text: `${s} says hi` };
    }, RECORDS.slice(1, 3));
    expect(seen).toEqual([['Q2?', 'You are Alice.'], ['Q3?', 'You are Bob.']]);
    expect(samples).toEqual([{ question: 'Q2?', text: 'You are Alice. says hi' }, { question: 'Q3?', text: 'You are Bob. says hi' }]);
  });

  it('sessionAsker passes each record\'s system prompt to ask()', async () => {
    const calls: [string, string | undefined][] = [];
    const fake = {
      async ask(q: string, _max?: number, o?: { system?: string }) {
        calls.push([q, o?.system]);
        return { text: `[${o?.system}] ${q}` };
      },
    };
    const ask = sessionAsker(fake);
    expect((await ask('Hi?', 'You are Bob.')).text).toBe('[You are Bob.] Hi?');
    expect((await ask('Yo?', 'You are Alice.')).text).toBe('[You are Alice.] Yo?');
    expect(calls).toEqual([['Hi?', 'You are Bob.'], ['Yo?', 'You are Alice.']]);
  });
});
