// The subject annotations used by demo:eval: one per fact-bank question, each copied from its question.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOPICS } from './sample-data-topics.ts';

const records = (file: string) =>
  readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { question: string; domain: string });

/** Whether `phrase` occurs in `text` as whole words, ignoring case. */
function containsWords(text: string, phrase: string): boolean {
  const esc = phrase.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}])${esc}($|[^\\p{L}\\p{N}])`, 'u').test(text.toLowerCase());
}

describe('sample-data topics', () => {
  const entries = Object.entries(TOPICS);

  it('has one subject per fact-bank question: 24 x 18 train + 8 x 6 held-out', () => {
    expect(entries.length).toBe(480);
  });

  it('every subject occurs in its question as whole words, in at most four words', () => {
    for (const [q, t] of entries) {
      expect(containsWords(q, t), `${t} / ${q}`).toBe(true);
      expect(t.split(' ').length, t).toBeLessThanOrEqual(4);
    }
    expect(containsWords('What is a beekeeper?', 'bee')).toBe(false); // the check itself: whole words only
  });

  it('every held-out question has a subject, and every training question contains one', () => {
    for (const r of records('public/data/self-prompt.heldout.jsonl')) expect(TOPICS[r.question], r.question).toBeDefined();
    // Training questions may be rephrased ("Define X.", lower case); each still contains a subject.
    for (const r of records('public/data/self-prompt.train.jsonl')) expect(entries.some(([, t]) => containsWords(r.question, t)), r.question).toBe(true);
  });
});
