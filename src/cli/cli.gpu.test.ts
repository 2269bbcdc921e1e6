import { describe, expect, it } from 'vitest';
import { tabtune } from '../testing/cli.ts';

describe('npx tabtune (CLI)', () => {
  it('doctor prints the adapter, its limits and a passing kernel self-test', () => {
    const r = tabtune('doctor');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack traces
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/WebGPU adapter: \S/);
    expect(r.stdout).toMatch(/maxStorageBufferBindingSize\s+\d+/);
    expect(r.stdout).toMatch(/kernel self-test .*: ok/);
    console.log(`[tabtune cli] ${r.stdout.split('\n')[0]}`);
  });

  it('doctor --json is machine-readable', () => {
    const r = tabtune('doctor', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(typeof j.adapter.vendor).toBe('string');
    expect(j.selfTest.ok).toBe(true);
  });

  it('an unknown command or flag is a one-line error with exit code 2', () => {
    for (const args of [['frobnicate'], ['doctor', '--nope']]) {
      const r = tabtune(...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^tabtune: /);
    }
  });
});
