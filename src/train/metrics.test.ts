import { describe, expect, it } from 'vitest';
import { domainFitRate, subjectRate, lcsLength, looksLikeRolePrompt, meanRougeL, rolePromptRate, rougeL, rougeTokens, splitRolePrompt } from './metrics.ts';

describe('ROUGE-L', () => {
  it('tokenizes lower-cased on non-letters/digits', () => {
    expect(rougeTokens("The cat's  hat, 2nd-best!  Ünïcode")).toEqual(['the', 'cat', 's', 'hat', '2nd', 'best', 'ünïcode']);
    expect(rougeTokens(' ... ')).toEqual([]);
  });

  it('LCS length', () => {
    expect(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd'])).toBe(3);
    expect(lcsLength(['a', 'b'], [])).toBe(0);
    expect(lcsLength(['x', 'a', 'y', 'b'], ['a', 'b', 'x'])).toBe(2);
  });

  // Hand-computed: P = LCS/|cand|, R = LCS/|ref|, F = 2PR/(P+R).
  const cases: [string, string, number, number, number][] = [
    // LCS the cat on the mat = 5 of 6 / 6
    ['the cat sat on the mat', 'the cat is on the mat', 5 / 6, 5 / 6, 5 / 6],
    // [the quick brown fox] vs [quick brown dog]: LCS 2 → P 1/2, R 2/3, F 4/7
    ['The quick brown fox!', 'quick, BROWN dog', 1 / 2, 2 / 3, 4 / 7],
    // Lin (2004)'s example: in-sequence but not consecutive matches count
    ['police kill the gunman', 'police killed the gunman', 3 / 4, 3 / 4, 3 / 4],
    ['the gunman kill police', 'police killed the gunman', 2 / 4, 2 / 4, 2 / 4],
    // reversed order: LCS 1
    ['a b c d', 'd c b a', 1 / 4, 1 / 4, 1 / 4],
    // unequal lengths: [a b] vs [a x b y z]: LCS 2 → P 1, R 2/5, F 4/7
    ['a b', 'a x b y z', 1, 2 / 5, 4 / 7],
    ['Identical text.', 'identical TEXT', 1, 1, 1],
    ['', 'anything', 0, 0, 0],
    ['no overlap', 'at all', 0, 0, 0],
  ];
  for (const [c, r, p, rec, f] of cases) {
    it(`${JSON.stringify(c)} vs ${JSON.stringify(r)}`, () => {
      const s = rougeL(c, r);
      expect(s.precision).toBeCloseTo(p, 12);
      expect(s.recall).toBeCloseTo(rec, 12);
      expect(s.f).toBeCloseTo(f, 12);
    });
  }

  it('mean over pairs', () => {
    expect(meanRougeL(['a b c d', 'x'], ['d c b a', 'x'])).toBeCloseTo((0.25 + 1) / 2, 12);
    expect(meanRougeL([], [])).toBe(0);
    expect(() => meanRougeL(['a'], [])).toThrow();
  });
});

describe('role prompts', () => {
  it('looksLikeRolePrompt: openings and keywords', () => {
    const yes = [
      'As a seasoned marine biologist, I will explain.',
      'As an astrophysicist with a focus on exoplanets.',
      'You are a patient math tutor who explains step by step.',
      'From now on, you are an experienced chef.',
      'I am a certified financial planner.',
      '**As a historian**, here is what happened.',
      'A cardiologist with 20 years of clinical practice.',
      'A veteran pilot with over ten years in the cockpit.',
      'Leading expert in tropical medicine.',
      'Tax specialist.',
    ];
    const no = [
      'Paris is the capital of France.',
      'As a result, the bridge collapsed.',
      'You are right that the numbers differ.',
      'The company grew for 5 years straight.',
      'Expertise matters, but so does luck.',
      '',
    ];
    for (const s of yes) expect(looksLikeRolePrompt(s), s).toBe(true);
    for (const s of no) expect(looksLikeRolePrompt(s), s).toBe(false);
  });

  it('splitRolePrompt splits at the first separator', () => {
    expect(splitRolePrompt('As a chemist, I know this well.\n\nWater boils at 100 °C.\n\nAt sea level.')).toEqual({
      rolePrompt: 'As a chemist, I know this well.',
      answer: 'Water boils at 100 °C.\n\nAt sea level.',
    });
    expect(splitRolePrompt('  \n\nYou are a poet.\n\nRoses are red.')).toEqual({ rolePrompt: 'You are a poet.', answer: 'Roses are red.' });
    expect(splitRolePrompt('You are a poet.\n\n')).toEqual({ rolePrompt: 'You are a poet.', answer: '' });
    expect(splitRolePrompt('You are a poet. Roses are red.')).toBeNull(); // no separator
    expect(splitRolePrompt('Water boils at 100 °C.\n\nAt sea level.')).toBeNull(); // not a role prompt
    expect(splitRolePrompt('You are a poet.\nRoses.', '\n')).toEqual({ rolePrompt: 'You are a poet.', answer: 'Roses.' });
    expect(splitRolePrompt('You are a poet.|||Roses.', '|||')).toEqual({ rolePrompt: 'You are a poet.', answer: 'Roses.' });
  });

  it('rolePromptRate', () => {
    const gens = [
      'As an economist, I study markets.\n\nInflation is a general rise in prices.',
      'Inflation is a general rise in prices.',
      'From now on you are a sommelier.\n\nPair it with a dry white.',
      'As a result of the storm.\n\nTrees fell.',
    ];
    expect(rolePromptRate(gens, '\n\n')).toBe(0.5);
    expect(rolePromptRate([], '\n\n')).toBe(0);
  });
});

describe('role-prompt detection on the shipped data', () => {
  it('recognises every role prompt of the self-prompt data and none of the plain pretraining answers', async () => {
    const { readFileSync } = await import('node:fs');
    const lines = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const f of ['public/data/self-prompt.train.jsonl', 'public/data/self-prompt.heldout.jsonl']) {
      const missed = lines(f).filter((r) => !looksLikeRolePrompt(r.role_prompt)).map((r) => r.role_prompt);
      expect(missed, f).toEqual([]);
      // and the trained shape "role prompt \n\n answer" splits
      for (const r of lines(f).slice(0, 20)) expect(splitRolePrompt(`${r.role_prompt}\n\n${r.answer}`, '\n\n')?.rolePrompt).toBe(r.role_prompt);
    }
    const plain = lines('public/data/pretrain.jsonl').map((r) => r.messages.find((m: { role: string }) => m.role === 'assistant').content as string);
    const flagged = plain.filter((a) => looksLikeRolePrompt(a.split('\n\n')[0]));
    expect(flagged.length / plain.length).toBeLessThan(0.01);
  });
});

describe('domainFitRate', () => {
  const refs = new Map<string, readonly string[]>([
    ['beekeeping', ['As a beekeeper who has kept hives for twenty years, I will explain the hive.', 'As an entomologist, let me keep it simple.']],
    ['typography', ['As a type designer, I will explain what the eye notices.', 'As a book designer, I will keep it practical.']],
    ['mathematics', ['As a mathematics teacher, let me show the idea.', 'As a maths tutor, I will keep it clear.']],
  ]);

  it('counts a role prompt naming a word only its own domain uses', () => {
    const r = domainFitRate(
      [
        { rolePrompt: 'As a beekeeper, I will explain.', domain: 'beekeeping' }, // fits
        { rolePrompt: 'As a mathematics teacher, I will explain.', domain: 'typography' }, // another domain's expert
        { rolePrompt: 'As a designer of fonts, let me keep it short.', domain: 'typography' }, // "designer" is typography-only
        { rolePrompt: null, domain: 'beekeeping' }, // no role prompt
      ],
      refs,
    );
    expect(r.fitting).toBe(2);
    expect(r.total).toBe(4);
    expect(r.rate).toBeCloseTo(0.5, 12);
  });

  it('ignores words shared between domains and generic role-prompt words', () => {
    const shared = new Map<string, readonly string[]>([
      ['a', ['As a history teacher, I will keep it clear.']],
      ['b', ['As a music teacher, I will keep it clear.']],
    ]);
    const r = domainFitRate([{ rolePrompt: 'As a teacher, I will keep it clear.', domain: 'a' }], shared);
    expect(r.fitting).toBe(0);
    expect([...r.vocab.get('a')!]).toEqual(['history']);
  });

  it('drops a plural s and is case-blind', () => {
    expect(domainFitRate([{ rolePrompt: 'Speaking as one of the BEEKEEPERS, I will explain.', domain: 'beekeeping' }], refs).fitting).toBe(1);
  });

  it('says which domain has no references', () => {
    expect(() => domainFitRate([{ rolePrompt: 'As a chef, I will cook.', domain: 'cooking' }], refs)).toThrow(/no reference role prompts for domain "cooking"/);
  });
});

describe('subjectRate', () => {
  it('counts role prompts naming every word of the subject, case-blind, plural-blind', () => {
    const r = subjectRate([
      { rolePrompt: 'As an expert on castling, I will explain.', subject: 'castling' }, // names it
      { rolePrompt: 'As a beekeeper who knows about the colony of bees, I will explain.', subject: 'bee colony' }, // both words, other order
      { rolePrompt: 'As a sailor who knows about KNOTS, let me explain.', subject: 'knot' }, // plural, upper case
      { rolePrompt: 'As a chess coach who knows about checkmate, I will explain.', subject: 'stalemate' }, // another subject
      { rolePrompt: 'As a photographer who knows about speed, I will explain.', subject: 'shutter speed' }, // half of it
      { rolePrompt: null, subject: 'kerning' }, // no role prompt
      { rolePrompt: 'As a cook, I will explain.', subject: null }, // no subject: left out
    ]);
    expect(r).toEqual({ rate: 3 / 6, naming: 3, total: 6 });
  });

  it('is 0 for no questions with a subject', () => {
    expect(subjectRate([{ rolePrompt: 'As a cook, I will explain.', subject: null }])).toEqual({ rate: 0, naming: 0, total: 0 });
  });
});
