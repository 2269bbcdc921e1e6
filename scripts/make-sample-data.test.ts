import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DATA_DIR,
  FILES,
  MINIMUMS,
  buildSampleData,
  makeSampleData,
  normalizeQuestion,
  rolePhrases,
  sentences,
  type ChatRecord,
  type RoleBenchRecord,
  type S3ftLabelledRecord,
  type S3ftRecord,
  type SelfPromptRecord,
} from './make-sample-data.ts';

const generated = makeSampleData();
const data = buildSampleData();

function readLines(name: string): unknown[] {
  const text = readFileSync(join(DATA_DIR, name), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new Error(`${name}:${i + 1} is not JSON`);
      }
    });
}

describe('make-sample-data', () => {
  it('committed files are byte-identical to a fresh run (regenerate with npx tsx scripts/make-sample-data.ts)', () => {
    expect(Object.keys(generated).sort()).toEqual(Object.values(FILES).sort());
    for (const [name, text] of Object.entries(generated)) {
      expect(readFileSync(join(DATA_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('is deterministic', () => {
    expect(makeSampleData()).toEqual(generated);
  });

  it('every line parses and has the right layout', () => {
    const train = readLines(FILES.train) as SelfPromptRecord[];
    const heldout = readLines(FILES.heldout) as SelfPromptRecord[];
    for (const r of [...train, ...heldout]) {
      expect(Object.keys(r)).toEqual(['question', 'role_prompt', 'answer', 'domain']);
      for (const v of Object.values(r)) expect(typeof v === 'string' && v.length > 0).toBe(true);
      expect(sentences(r.answer).length).toBeGreaterThanOrEqual(1);
      expect(sentences(r.answer).length).toBeLessThanOrEqual(4);
    }
    for (const name of [FILES.pretrain, FILES.chat]) {
      for (const r of readLines(name) as ChatRecord[]) {
        expect(Array.isArray(r.messages)).toBe(true);
        const turns = r.messages.filter((m) => m.role !== 'system');
        expect(turns.length % 2).toBe(0);
        turns.forEach((m, i) => {
          expect(m.role).toBe(i % 2 === 0 ? 'user' : 'assistant');
          expect(m.content.length).toBeGreaterThan(0);
        });
      }
    }
    const desc = JSON.parse(readFileSync(join(DATA_DIR, FILES.rolebenchDesc), 'utf8')) as Record<string, string>;
    for (const r of readLines(FILES.rolebench) as RoleBenchRecord[]) {
      expect(Object.keys(r)).toEqual(['role', 'question', 'generated', 'type']);
      expect(desc[r.role]).toBeTypeOf('string');
      expect(r.generated.length).toBeGreaterThan(0);
      expect(['role_specific', 'general']).toContain(r.type);
    }
    for (const r of readLines(FILES.s3ft) as S3ftRecord[]) {
      expect(Object.keys(r)).toEqual(['pid', 'system', 'history', 'prompt', 'response']);
    }
    for (const r of readLines(FILES.s3ftLabelled) as S3ftLabelledRecord[]) {
      expect(Object.keys(r)).toEqual(['pid', 'system', 'history', 'prompt', 'response', 'label']);
      for (const h of r.history) expect(Object.keys(h)).toEqual(['prompt', 'response']);
    }
  });

  it('meets the promised counts', () => {
    expect(data.train.length).toBeGreaterThanOrEqual(MINIMUMS.train);
    expect(new Set(data.train.map((r) => r.domain)).size).toBeGreaterThanOrEqual(MINIMUMS.trainDomains);
    expect(data.heldout.length).toBeGreaterThanOrEqual(MINIMUMS.heldout);
    expect(data.pretrain.length).toBeGreaterThanOrEqual(MINIMUMS.pretrain);
    expect(data.chat.length).toBeGreaterThanOrEqual(MINIMUMS.chat);
    expect(data.rolebench.length).toBeGreaterThanOrEqual(MINIMUMS.rolebench);
    expect(data.s3ft.length).toBeGreaterThanOrEqual(MINIMUMS.s3ft);
    expect(data.s3ftLabelled.length).toBeGreaterThanOrEqual(MINIMUMS.s3ftLabelled);
    const labels = new Set(data.s3ftLabelled.map((r) => r.label));
    expect([...labels].sort()).toEqual(['both', 'excellent', 'ignores_system', 'incoherent', 'not_applicable']);
    const roles = Object.keys(data.rolebenchDesc);
    expect(roles.length).toBeGreaterThanOrEqual(3);
    expect(data.rolebench.filter((r) => r.generated.includes('(No response provided)')).length).toBeGreaterThanOrEqual(2);
    expect(data.rolebench.some((r) => r.question.startsWith(' '))).toBe(true);
  });

  it('has no duplicate questions, and held-out questions and domains are unseen in training', () => {
    const trainKeys = data.train.map((r) => normalizeQuestion(r.question));
    expect(new Set(trainKeys).size).toBe(trainKeys.length);
    const heldKeys = data.heldout.map((r) => normalizeQuestion(r.question));
    expect(new Set(heldKeys).size).toBe(heldKeys.length);
    const seen = new Set([...trainKeys, ...data.pretrain.map((r) => normalizeQuestion(r.messages[0].content))]);
    for (const k of heldKeys) expect(seen.has(k), k).toBe(false);
    const trainDomains = new Set(data.train.map((r) => r.domain));
    for (const r of data.heldout) expect(trainDomains.has(r.domain), r.domain).toBe(false);
    const users = data.pretrain.map((r) => r.messages[0].content);
    expect(new Set(users).size).toBe(users.length);
  });

  it('never shows a role prompt in a pretraining assistant turn', () => {
    for (const r of data.pretrain) {
      for (const m of r.messages) {
        expect(m.role).not.toBe('system');
        if (m.role === 'assistant') expect(rolePhrases(m.content), m.content).toEqual([]);
      }
    }
    // ...while every training role prompt is caught by the same patterns (so the check has teeth).
    for (const r of data.train) expect(rolePhrases(r.role_prompt).length, r.role_prompt).toBeGreaterThan(0);
  });

  it('s3ft labels agree with the system prompt', () => {
    for (const r of data.s3ftLabelled) {
      if (r.label === 'not_applicable') {
        expect(r.system === '' || r.response === '(No response provided)').toBe(true);
      } else {
        expect(r.system.length).toBeGreaterThan(0);
      }
      if (r.system === 'Reply only in lowercase letters.') {
        const lower = r.response === r.response.toLowerCase();
        expect(lower, r.response).toBe(r.label === 'excellent' || r.label === 'incoherent');
      }
      if (r.system.startsWith('You are a formal butler')) {
        expect(r.response.startsWith('Certainly.'), r.response).toBe(r.label === 'excellent' || r.label === 'incoherent');
      }
    }
  });
});
