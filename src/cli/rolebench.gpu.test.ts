// `tabtune train --recipe rolebench` end to end on the offline RoleBench-layout sample
// (public/data/rolebench.sample.jsonl + rolebench.desc.json) and a tiny random model written here, built
// as in train.gpu.test.ts (byte-level BPE tokenizer with a ChatML template), on the tfjs-wasm engine.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tabtune, writeTinyChatModel } from '../testing/cli.ts';

const DATA = 'public/data/rolebench.sample.jsonl';
const DESC = 'public/data/rolebench.desc.json';
let dir = '';

describe('tabtune train --recipe rolebench', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tabtune-rolebench-'));
    writeTinyChatModel(join(dir, 'model'));
  });

  it('trains 4 steps with role system prompts and reports ROUGE-L (CUS / SPE) before and after', () => {
    const out = join(dir, 'out');
    // A short template: the tokenizer is nearly byte-level, and the harness-shaped default is ~850 bytes.
    const r = tabtune('train', '--recipe', 'rolebench', '--model', join(dir, 'model'), '--data', DATA, '--profiles', DESC, '--system-template', 'You are {role}.',
      '--out', out, '--steps', '4', '--batch', '4', '--lr', '0.05', '--eval-samples', '3', '--engine', 'wasm', '--seq-len', '128', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/data: 64 RoleBench records kept of 66 \(16 general, 48 role-specific, 4 roles\); dropped: 2 junk/);
    expect(r.stderr).toMatch(/rolebench\.sample\.jsonl:2: junk: /);
    expect(r.stderr).toMatch(/rouge-L @0 \(3 samples\): overall /);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ ok: true, steps: 4, engine: 'tfjs-wasm' });
    expect(summary.finalLoss).toBeLessThan(summary.firstLoss);
    expect(summary.rouge.samples).toBe(3);
    for (const when of ['before', 'after']) {
      const g = summary.rouge[when];
      expect(g.overall.n, when).toBe(3);
      expect(g.cus.n + g.spe.n, when).toBe(3);
      expect(g.overall.rougeL, when).toBeGreaterThanOrEqual(0);
      expect(g.raw).toEqual({ n: 0, rougeL: null });
      expect(g.rawNote, when).toMatch(/RAW needs the original|no general-split samples/);
      expect(Object.values(g.perRole).reduce((n: number, p) => n + (p as { overall: { n: number } }).overall.n, 0)).toBe(3);
    }
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const rouge = metrics.filter((x) => x.type === 'rouge');
    expect(rouge.map((x) => x.step)).toEqual([0, 4]);
    expect(rouge[1].samples).toHaveLength(3);
    expect(rouge[1].samples[0]).toEqual(expect.objectContaining({ question: expect.any(String), text: expect.any(String), role: expect.any(String), category: expect.any(String) }));
    const tabtuneJson = JSON.parse(readFileSync(join(out, 'tabtune.json'), 'utf8'));
    expect(tabtuneJson.recipe).toBe('sft');
  });

  it('--profiles is required: one line, exit 2', () => {
    const r = tabtune('train', '--recipe', 'rolebench', '--model', join(dir, 'model'), '--data', DATA, '--out', join(dir, 'x'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(/^tabtune: --recipe rolebench needs --profiles/);
    const bad = join(dir, 'bad-desc.json');
    writeFileSync(bad, '["not", "an", "object"]');
    const b = tabtune('train', '--recipe', 'rolebench', '--model', join(dir, 'model'), '--data', DATA, '--profiles', bad, '--out', join(dir, 'x'));
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr.trim().split('\n').at(-1)).toMatch(/bad-desc\.json: the profiles file is an array/);
  });
});
