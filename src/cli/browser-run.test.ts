// The pure parts of `tabtune browser-run`: run.json checking, the app URL it builds, thresholds. The
// command itself (build, serve, Chromium) is exercised by e2e/browser-run.spec.ts.
import { describe, expect, it } from 'vitest';
import { appQuery, checkThresholds, parseRunConfig, resolveSource } from './browser-run.ts';

describe('browser-run run.json', () => {
  it('fills defaults and keeps what was given', () => {
    const c = parseRunConfig({ steps: 4, evalEvery: 2, seed: 0, engine: 'wasm', settings: { rank: 4, targets: 'all-linear' }, maxFinalLoss: 3 }, 'run.json');
    expect(c).toMatchObject({ model: 'default', data: 'default', steps: 4, evalEvery: 2, seed: 0, engine: 'wasm', timeoutSeconds: 3600, maxFinalLoss: 3 });
    expect(c.settings).toEqual({ rank: 4, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
    expect(parseRunConfig({ settings: { method: 'prefix', virtualTokens: 8 } }, 'run.json').settings).toEqual({ method: 'prefix', virtualTokens: 8 });
  });

  it.each([
    [[], 'expected a JSON object, got an array'],
    [{ bogus: 1 }, 'unknown key "bogus"'],
    [{ steps: 0 }, '"steps" must be a positive integer, got 0'],
    [{ seed: 1.5 }, '"seed" must be a non-negative integer, got 1.5'],
    [{ recipe: 'dpo' }, '"recipe" must be one of self-prompt, sft'],
    [{ model: 3 }, '"model" must be a non-empty string, got a number'],
    [{ minRolePromptRate: 2 }, '"minRolePromptRate" must be a number in [0, 1]'],
    [{ settings: { lr: 'fast' } }, 'settings.lr must be a number, got a string'],
    [{ settings: { lr: 2 } }, 'settings.lr: Must be in (0, 1)'],
    [{ settings: { targets: ['qkv'] } }, 'settings.targets must be "all-linear" or a non-empty array'],
    [{ settings: { colour: 1 } }, 'unknown key "settings.colour"'],
    [{ settings: { method: 'adapter' } }, 'settings.method must be one of lora, prompt, prefix'],
    [{ settings: { virtualTokens: 0 } }, 'settings.virtualTokens: Must be in [1, 512]'],
  ])('%j is refused', (raw, message) => {
    expect(() => parseRunConfig(raw, 'run.json')).toThrow(`run.json: ${message}`);
  });

  it('builds the automation-contract URL', () => {
    const c = parseRunConfig({ steps: 4, evalEvery: 2, seed: 7, baseDtype: 'int4', recipe: 'sft' }, 'run.json');
    expect(appQuery(c, 'default', 'default')).toBe('model=default&data=default&recipe=sft&steps=4&eval-every=2&seed=7&base-dtype=int4&autostart=1');
  });

  it('maps model and data values to what the app loads', () => {
    expect(resolveSource('model', 'HuggingFaceTB/SmolLM2-135M', '/nonexistent', 'run.json')).toEqual({ param: 'HuggingFaceTB/SmolLM2-135M', mount: null });
    expect(resolveSource('data', 'https://example.com/d.jsonl', '/', 'run.json').param).toBe('https://example.com/d.jsonl');
    const m = resolveSource('model', 'public/models/tabtune-tiny', process.cwd(), 'run.json');
    expect(m.param).toBe('/__tabtune_local/model/');
    expect(m.mount?.dir).toBe(true);
    expect(resolveSource('data', 'public/data/self-prompt.train.jsonl', process.cwd(), 'run.json').param).toBe('/__tabtune_local/data/self-prompt.train.jsonl');
    expect(() => resolveSource('data', 'nope.jsonl', process.cwd(), 'run.json')).toThrow('run.json: data: "nope.jsonl" is not default');
  });

  it('thresholds: missing values fail, limits are inclusive', () => {
    const c = parseRunConfig({ maxFinalLoss: 2, minRolePromptRate: 0.5, maxWallSeconds: 10 }, 'run.json');
    expect(checkThresholds(c, { finalLoss: 2, finalValLoss: null, rolePromptRate: 0.5, wallSeconds: 10 }).every((t) => t.ok)).toBe(true);
    const r = checkThresholds(c, { finalLoss: 2.1, finalValLoss: null, rolePromptRate: null, wallSeconds: 11 });
    expect(r.map((t) => t.ok)).toEqual([false, false, false]);
    expect(checkThresholds(parseRunConfig({}, 'run.json'), { finalLoss: 9, finalValLoss: 9, rolePromptRate: 0, wallSeconds: 1 })).toEqual([]);
  });
});
