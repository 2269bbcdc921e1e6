// `tabtune train --recipe rolebench` end to end on the offline RoleBench-layout sample
// (public/data/rolebench.sample.jsonl + rolebench.desc.json) and a tiny random model written here, built
// as in train.gpu.test.ts (byte-level BPE tokenizer with a ChatML template), on the tfjs-wasm engine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { byteLevelTokenizerJson, configJson } from '../data/test-fixtures.ts';
import { randomWeights, tinyConfig } from '../engine/weights.ts';
import { hfConfigJson, weightsToSafetensors } from '../formats/safetensors.ts';

const CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const DATA = 'public/data/rolebench.sample.jsonl';
const DESC = 'public/data/rolebench.desc.json';
let dir = '';

function tabtune(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/tabtune.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tabtune train --recipe rolebench', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tabtune-rolebench-'));
    const cfg = tinyConfig({ vocabSize: 3 + 256 + 9, hiddenSize: 32, numLayers: 1, tieWordEmbeddings: true, eosTokenIds: [2] });
    const m = join(dir, 'model');
    mkdirSync(m);
    writeFileSync(join(m, 'config.json'), JSON.stringify(hfConfigJson(cfg)));
    writeFileSync(join(m, 'model.safetensors'), weightsToSafetensors(cfg, randomWeights(cfg, 3)));
    writeFileSync(join(m, 'tokenizer.json'), byteLevelTokenizerJson());
    writeFileSync(join(m, 'tokenizer_config.json'), configJson({ chat_template: CHATML, eos_token: '<|im_end|>', pad_token: '<|endoftext|>' }));
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
