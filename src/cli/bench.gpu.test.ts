// `tabtune bench --node`: the side-by-side benchmark in this Node process on Dawn (no Chromium), for GPU
// servers. One round of one step on the tiny shape: not a figure, a check that every contender runs
// (our engine, with checkpointing, and tfjs-webgpu on the same Dawn adapter) and that the JSON holds
// what the README's tables are built from.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../bench/run.ts';
import { tabtune } from '../testing/cli.ts';

describe('npx tabtune bench --node', () => {
  it('times the engine and the tfjs-webgpu reference in Node and writes the JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabtune-bench-'));
    try {
      const json = join(dir, 'bench.json');
      const r = tabtune('bench', '--node', '--shape', 'tiny-t64', '--rounds', '1', '--steps', '1', '--json', json);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\| tabtune engine \(WGSL\) \| \d+ /);
      expect(r.stdout).toMatch(/\| tfjs-webgpu reference \| \d+ /);
      expect(r.stderr).toMatch(/^bench: adapter \S/m);
      expect(r.stderr).toMatch(/bench tiny-t64: round 1\/1: engine \d+ ms, checkpointing \d+ ms, reference \d+ ms/);
      const out = JSON.parse(readFileSync(json, 'utf8')) as { host: string; results: BenchResult[] };
      expect(out.host).toBe('node (Dawn)');
      const [b] = out.results;
      expect(b.B * b.T).toBe(128);
      for (const f of [b.engine, b.engineCheckpointing!, b.reference!]) {
        expect(f.msPerStep).toBeGreaterThan(0);
        expect(f.peakBytes).toBeGreaterThan(0);
      }
      // Checkpointing keeps fewer activations; both engines hold less than tfjs's autograd.
      expect(b.engineCheckpointing!.peakBytes).toBeLessThan(b.engine.peakBytes);
      expect(b.engine.peakBytes).toBeLessThan(b.reference!.peakBytes);
      expect(b.speedup).toBeCloseTo(b.reference!.msPerStep / b.engine.msPerStep, 6);
      expect(b.mfu).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('without a usable Vulkan driver: one line that says what to install, no stack trace', () => {
    const r = spawnSync(process.execPath, ['bin/tabtune.mjs', 'bench', '--node', '--shape', 'tiny-t64'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^tabtune: .*no adapter was found.*VK_ICD_FILENAMES=\/nonexistent\/icd\.json.*install a Vulkan driver/);
  });

  it('rejects an unknown shape in one line, before starting any GPU work', () => {
    const r = tabtune('bench', '--node', '--shape', 'nope');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^tabtune: --shape: unknown shape "nope" \(known: tiny, tiny-t64, smollm2-135m, all\)$/);
  });
});
