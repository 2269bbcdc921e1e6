// `npx tabtune logits` end to end on fixture files written by scripts/make-fixtures.ts.
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tabtune } from '../testing/cli.ts';
import { makeFixtures, FIXTURE_CONFIG } from '../../scripts/make-fixtures.ts';
import { LORA_TARGETS, type LoraConfig } from '../engine/config.ts';
import { randomLora } from '../engine/weights.ts';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, peftConfigJson, writePeftWeights } from '../formats/peft.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';

let dir = '';

function logitsOf(...args: string[]): number[][] {
  const r = tabtune('logits', '--tokens', '3,1,4,1,5', ...args);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  expect(j.vocab).toBe(FIXTURE_CONFIG.vocabSize);
  return j.logits;
}

const flat = (x: number[][]) => x.flat();

describe('tabtune logits', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tabtune-logits-'));
    await makeFixtures(dir, 77);
    // a PEFT adapter on all seven targets with non-zero B
    const lora: LoraConfig = { rank: 4, alpha: 8, dropout: 0, targets: [...LORA_TARGETS], useRslora: false };
    mkdirSync(join(dir, 'adapter'));
    writeFileSync(join(dir, 'adapter', ADAPTER_CONFIG), JSON.stringify(peftConfigJson(lora, 'fixture')));
    writeFileSync(join(dir, 'adapter', ADAPTER_WEIGHTS), writePeftWeights(randomLora(FIXTURE_CONFIG, lora, 5), FIXTURE_CONFIG, lora));
  });

  it('HF directory: engine equals the tfjs reference at every position', () => {
    const gpu = logitsOf('--model', dir);
    const ref = logitsOf('--model', dir, '--backend', 'reference');
    expect(gpu).toHaveLength(5);
    expectClose(flat(gpu), flat(ref), TOL.logits, 'logits');
    const last = logitsOf('--model', dir, '--positions', 'last');
    expect(last).toHaveLength(1);
    expectClose(last[0], gpu[4], TOL.exact, 'last position');
  });

  it('GGUF F32 (llama q/k permuted on disk) gives the same logits as the safetensors checkpoint', () => {
    expectClose(flat(logitsOf('--model', join(dir, 'tiny-f32.gguf'))), flat(logitsOf('--model', dir)), TOL.logits, 'gguf f32 vs safetensors');
  });

  it('GGUF Q8_0 / Q4_0 load natively as int8 / int4 and match the reference on the same weights', () => {
    for (const f of ['tiny-q8_0.gguf', 'tiny-q4_0.gguf']) {
      const p = join(dir, f);
      expectClose(flat(logitsOf('--model', p)), flat(logitsOf('--model', p, '--backend', 'reference')), TOL.quantized, f);
    }
  });

  it('--base-dtype int4 on an f32 checkpoint equals the reference on the int4-dequantized weights', () => {
    expectClose(flat(logitsOf('--model', dir, '--base-dtype', 'int4')), flat(logitsOf('--model', dir, '--base-dtype', 'int4', '--backend', 'reference')), TOL.quantized, 'int4');
  });

  it('--adapter applies a PEFT adapter (changes the logits; engine equals reference)', () => {
    const base = flat(logitsOf('--model', dir));
    const withA = flat(logitsOf('--model', dir, '--adapter', join(dir, 'adapter')));
    expectClose(withA, flat(logitsOf('--model', dir, '--adapter', join(dir, 'adapter'), '--backend', 'reference')), TOL.logits, 'adapter logits');
    expect(Math.max(...withA.map((v, i) => Math.abs(v - base[i])))).toBeGreaterThan(1e-2);
  });

  it('bad input: exit 2 with a one-line message naming the file, no stack trace', () => {
    const corrupt = join(dir, 'corrupt.gguf');
    writeFileSync(corrupt, readFileSync(join(dir, 'tiny-f32.gguf')).subarray(0, 200));
    const notGguf = join(dir, 'notes.gguf');
    writeFileSync(notGguf, 'hello, this is not a model');
    const cases: [string[], RegExp][] = [
      [['--model', join(dir, 'missing')], /missing: no such file/],
      [['--model', corrupt], /corrupt\.gguf: /],
      [['--model', notGguf], /notes\.gguf: .*magic|notes\.gguf: /],
      [['--model', dir, '--tokens', '1,x'], /--tokens/],
      [['--model', dir, '--tokens', '999'], /outside the vocabulary/],
      [['--model', dir, '--base-dtype', 'int3'], /--base-dtype/],
      [['--model', dir, '--adapter', join(dir, 'nope')], /not an adapter directory/],
      [['--tokens', '1'], /--model/],
    ];
    for (const [args, re] of cases) {
      const r = tabtune('logits', ...(args.includes('--tokens') ? [] : ['--tokens', '1,2']), ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('tabtune:'));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.at(-1)).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
