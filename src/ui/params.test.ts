// URL parameters (the automation contract) and the settings form's pure checks.
import { describe, expect, it } from 'vitest';
import { parseParams } from './params.ts';
import { checkNumber, escapeSeparator, unescapeSeparator, type NumSpec } from './settings-form.ts';

describe('parseParams', () => {
  it('defaults: nothing given, nothing reported', () => {
    const { params, problems } = parseParams('');
    expect(problems).toEqual([]);
    expect(params).toEqual({ model: null, data: null, baseDtype: null, engine: 'auto', settings: {}, autostart: false, fake: false });
  });

  it('reads every documented parameter', () => {
    const { params, problems } = parseParams(
      '?model=HuggingFaceTB/SmolLM2-135M-Instruct&data=https://example.org/d.jsonl&recipe=sft&steps=20&eval-every=5&seed=0&base-dtype=int4&engine=wasm&autostart=1',
    );
    expect(problems).toEqual([]);
    expect(params.model).toEqual({ kind: 'hub', id: 'HuggingFaceTB/SmolLM2-135M-Instruct' });
    expect(params.data).toEqual({ kind: 'url', url: 'https://example.org/d.jsonl' });
    expect(params.settings).toEqual({ recipe: 'sft', steps: 20, evalEvery: 5, seed: 0 });
    expect(params.baseDtype).toBe('int4');
    expect(params.engine).toBe('wasm');
    expect(params.autostart).toBe(true);
  });

  it('model: default, URL, same-origin path', () => {
    expect(parseParams('?model=default').params.model).toEqual({ kind: 'default' });
    expect(parseParams('?model=https://h.example/m.gguf').params.model).toEqual({ kind: 'url', url: 'https://h.example/m.gguf' });
    expect(parseParams('?model=/models/x/', 'http://localhost:4173').params.model).toEqual({ kind: 'url', url: 'http://localhost:4173/models/x/' });
  });

  it('reports bad values and unknown keys, keeping the defaults', () => {
    const { params, problems } = parseParams('?steps=0&seed=-1&eval-every=2.5&engine=tpu&model=not a model&data=ftp://x&recipe=dpo&base-dtype=f64&autostart=yes&wat=1');
    expect(params.settings).toEqual({});
    expect(params.engine).toBe('auto');
    expect(params.model).toBeNull();
    expect(params.data).toBeNull();
    expect(params.autostart).toBe(false);
    expect(problems).toHaveLength(10);
    expect(problems.join('\n')).toMatch(/Unknown URL parameter "wat"/);
    expect(problems.join('\n')).toMatch(/steps="0" ignored: expected a positive integer/);
  });

  it('recipe: every app recipe, the RoleBench and S3FT ones included', () => {
    for (const r of ['self-prompt', 'sft', 'rolebench', 's3ft'] as const) expect(parseParams(`?recipe=${r}`)).toEqual({ params: expect.objectContaining({ settings: { recipe: r } }), problems: [] });
    expect(parseParams('?recipe=s3ft-filter').problems).toEqual(['URL parameter recipe="s3ft-filter" ignored: expected self-prompt, sft, rolebench or s3ft.']);
  });

  it('a repeated key: the last one wins, and it is reported', () => {
    const { params, problems } = parseParams('?steps=5&steps=7');
    expect(params.settings.steps).toBe(7);
    expect(problems).toHaveLength(1);
  });
});

describe('settings checks', () => {
  const lr: NumSpec = { key: 'lr', label: 'lr', help: '', integer: false, min: 0, max: 1, minExclusive: true, maxExclusive: true };
  const steps: NumSpec = { key: 'steps', label: 'steps', help: '', integer: true, min: 1, max: 100 };
  it('accepts decimal and exponent notation in range', () => {
    expect(checkNumber(lr, '2e-3')).toEqual({ value: 0.002 });
    expect(checkNumber(lr, ' .5 ')).toEqual({ value: 0.5 });
    expect(checkNumber(steps, '100')).toEqual({ value: 100 });
  });
  it('refuses empty, non-numbers, fractions for integers, and out-of-range values', () => {
    expect(checkNumber(lr, '')).toEqual({ problem: 'Required.' });
    expect(checkNumber(lr, '0x10')).toEqual({ problem: 'Not a number.' });
    expect(checkNumber(lr, 'Infinity')).toEqual({ problem: 'Not a number.' });
    expect(checkNumber(lr, '0')).toEqual({ problem: 'Must be in (0, 1).' });
    expect(checkNumber(lr, '1')).toEqual({ problem: 'Must be in (0, 1).' });
    expect(checkNumber(steps, '1.5')).toEqual({ problem: 'Must be a whole number.' });
    expect(checkNumber(steps, '101')).toEqual({ problem: 'Must be in [1, 100].' });
  });
  it('separator escapes round-trip', () => {
    for (const s of ['\n\n', '\t|\\n', '###']) expect(unescapeSeparator(escapeSeparator(s))).toBe(s);
    expect(unescapeSeparator('\\n\\n')).toBe('\n\n');
  });
});
