// `tabtune train` / `generate` end to end on a tiny model written here (random weights, a small
// byte-level BPE tokenizer with a ChatML template) and a LIMA-Role-style JSONL with one bad line.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tabtune, writeTinyChatModel } from '../testing/cli.ts';

let dir = '';

describe('tabtune train / generate', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tabtune-train-'));
    writeTinyChatModel(join(dir, 'model'));
    const lines = Array.from({ length: 16 }, (_, i) => JSON.stringify({ question: `Why ${i}?`, role_prompt: `As a tester,`, answer: `Because ${i % 4}.` }));
    lines.splice(3, 0, '{"question": "no answer here"}');
    writeFileSync(join(dir, 'data.jsonl'), lines.join('\n'));
  });

  it('trains (tfjs-wasm engine), writes a PEFT adapter + metrics + checkpoints, and resumes', () => {
    const out = join(dir, 'out');
    const args = ['train', '--model', join(dir, 'model'), '--data', join(dir, 'data.jsonl'), '--out', out, '--steps', '6', '--batch', '4', '--lr', '0.05', '--eval-every', '3', '--eval-samples', '1', '--engine', 'wasm', '--seq-len', '64'];
    const r = tabtune(...args, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/data: 16 records kept, 1 rejected/);
    expect(r.stderr).toMatch(/data\.jsonl:4: /); // the rejected line, with its number
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ ok: true, steps: 6, engine: 'tfjs-wasm' });
    expect(summary.finalLoss).toBeLessThan(summary.firstLoss);
    for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'tabtune.json', 'metrics.jsonl']) expect(existsSync(join(out, f)), f).toBe(true);
    const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, target_modules: ['q_proj', 'v_proj'] });
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.type === 'step')).toHaveLength(6);
    expect(metrics.filter((m) => m.type === 'eval').map((m) => m.step)).toEqual([0, 3, 6]);
    expect(readFileSync(join(out, 'checkpoints', 'latest'), 'utf8')).toBe('step-000006');

    // resuming with the same config finishes at once; a different sequence length is refused
    const again = tabtune(...args, '--resume', out, '--quiet');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resumed at step 6/);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!).steps).toBe(6);
    const other = tabtune(...args.map((a) => (a === '0.05' ? '0.01' : a)), '--resume', out);
    expect(other.code).toBe(0); // lr is not part of the run identity…
    const bad = tabtune(...args.map((a) => (a === '64' ? '32' : a)), '--resume', out);
    expect(bad.code).toBe(2); // …but the sequence length is
    expect(bad.stderr).toMatch(/different model, data or config/);

    const g = tabtune('generate', '--model', join(dir, 'model'), '--adapter', out, '--prompt', 'Why 1?', '--max-new-tokens', '4', '--json');
    expect(g.code, g.stderr).toBe(0);
    const j = JSON.parse(g.stdout);
    expect(Object.keys(j).sort()).toEqual(['answer', 'role_prompt', 'text']);
  });

  for (const method of ['prompt', 'prefix'] as const) {
    it(`--method ${method}: trains a soft prompt, writes a ${method === 'prompt' ? 'PROMPT' : 'PREFIX'}_TUNING adapter, resumes, generates with it`, () => {
      const out = join(dir, `out-${method}`);
      const args = ['train', '--model', join(dir, 'model'), '--data', join(dir, 'data.jsonl'), '--out', out, '--steps', '4', '--batch', '4', '--eval-every', '2', '--eval-samples', '1', '--engine', 'wasm', '--seq-len', '64', '--method', method, '--virtual-tokens', '3', ...(method === 'prompt' ? ['--prompt-init', 'text:As a tester'] : [])];
      const r = tabtune(...args, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      // tiny model: C = 32, 1 layer, 2 kv heads × 8
      expect(summary).toMatchObject({ ok: true, steps: 4, trainableParameters: method === 'prompt' ? 3 * 32 : 1 * 2 * 3 * 16 });
      expect(summary.finalLoss).toBeLessThan(summary.firstLoss);
      const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
      expect(cfg).toMatchObject({ peft_type: method === 'prompt' ? 'PROMPT_TUNING' : 'PREFIX_TUNING', num_virtual_tokens: 3, num_layers: 1 });
      expect(JSON.parse(readFileSync(join(out, 'tabtune.json'), 'utf8'))).toMatchObject({ method, virtualTokens: 3 });
      const again = tabtune(...args, '--resume', out, '--quiet');
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/resumed at step 4/);
      const g = tabtune('generate', '--model', join(dir, 'model'), '--adapter', out, '--prompt', 'Why 1?', '--max-new-tokens', '4', '--json');
      expect(g.code, g.stderr).toBe(0);
      expect(Object.keys(JSON.parse(g.stdout)).sort()).toEqual(['answer', 'role_prompt', 'text']);
    });
  }

  it('--method: bad values and LoRA-only flags exit 2', () => {
    const base = ['train', '--model', join(dir, 'model'), '--data', join(dir, 'data.jsonl'), '--out', join(dir, 'x')];
    for (const [extra, re] of [
      [['--method', 'ia3'], /--method must be lora, prompt or prefix/],
      [['--method', 'prompt', '--rank', '4'], /--rank, --alpha and --targets go with --method lora/],
      [['--virtual-tokens', '4'], /go with --method prompt or prefix/],
      [['--method', 'prefix', '--prompt-init', 'text:hi'], /goes with --method prompt/],
      [['--method', 'prompt', '--prompt-init', 'words'], /--prompt-init must be random or text:/],
    ] as [string[], RegExp][]) {
      const r = tabtune(...base, ...extra);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
    }
  });

  it('bad input ends in one line and exit 2', () => {
    const m = join(dir, 'model');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '{"nope": 1}\n');
    for (const [args, re] of [
      [['--model', m, '--data', join(dir, 'missing.jsonl'), '--out', join(dir, 'x')], /missing\.jsonl: no such file/],
      [['--model', m, '--data', empty, '--out', join(dir, 'x')], /empty\.jsonl/],
      [['--model', m, '--data', join(dir, 'data.jsonl'), '--out', join(dir, 'x'), '--targets', 'q_proj,lm_head'], /--targets/],
      [['--model', m, '--data', join(dir, 'data.jsonl'), '--out', join(dir, 'x'), '--steps', '2', '--epochs', '1'], /--steps or --epochs/],
    ] as [string[], RegExp][]) {
      const r = tabtune('train', ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
