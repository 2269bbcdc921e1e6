// `tabtune browser-run` end to end, as a user runs it: the command builds/serves the app itself and
// drives its own Chromium (this spec's browser and preview server are not used). A few steps of the
// embedded default; the report's shape; thresholds decide the exit code; a bad run.json exits 2.
import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/tabtune.mjs …args`, without blocking the test runner. */
function tabtune(...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['bin/tabtune.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test.describe('tabtune browser-run', () => {
  test('a bad run.json exits 2 with one line naming the file and the problem', async ({}, info) => {
    const cases: [object | string, RegExp][] = [
      [{ model: 'default', stepz: 3 }, /unknown key "stepz"/],
      [{ steps: '4' }, /"steps" must be a positive integer, got a string/],
      [{ engine: 'tpu' }, /"engine" must be one of auto, webgpu, wasm, cpu/],
      [{ settings: { rank: 0 } }, /settings\.rank: Must be in \[1, 256\]/],
      [{ settings: { steps: 3 } }, /settings\.steps: give "steps" at the top level/],
      [{ model: 'no/such/dir/here' }, /model: "no\/such\/dir\/here" is not default/],
      ['{ not json', /not valid JSON/],
    ];
    for (const [i, [cfg, message]] of cases.entries()) {
      const file = info.outputPath(`bad-${i}.json`);
      writeFileSync(file, typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
      const r = await tabtune('browser-run', '--config', file, '--report', info.outputPath(`bad-${i}.report.json`));
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0].startsWith(`tabtune: ${file}: `)).toBe(true);
      expect(lines[0]).toMatch(message);
      expect(existsSync(info.outputPath(`bad-${i}.report.json`))).toBe(false);
    }
  });

  test('trains the embedded default for a few steps and writes the report; thresholds gate the exit code', async ({}, info) => {
    test.setTimeout(240_000);
    const small = { evalSamples: 2, maxNewTokens: 12, batchSize: 2, seqLen: 64 };
    const okFile = info.outputPath('run.json');
    writeFileSync(okFile, JSON.stringify({ model: 'default', data: 'default', steps: 4, evalEvery: 4, seed: 1, settings: small, maxFinalLoss: 50, minRolePromptRate: 0, maxWallSeconds: 600 }));
    const okReport = info.outputPath('report.json');
    const t0 = Date.now();
    const r = await tabtune('browser-run', '--config', okFile, '--report', okReport);
    console.log(`[tabtune e2e] browser-run, 4 steps: exit ${r.code} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await info.attach('browser-run stderr', { body: r.stderr, contentType: 'text/plain' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('browser-run: state: done');
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ ok: true, state: 'done', steps: 4, report: okReport });

    await info.attach('report.json', { path: okReport, contentType: 'application/json' });
    const rep = JSON.parse(readFileSync(okReport, 'utf8'));
    expect(rep).toMatchObject({ tabtune: 'browser-run', version: 1, ok: true, state: 'done', config: { steps: 4, evalEvery: 4, seed: 1, settings: small } });
    expect(rep.url).toContain('autostart=1');
    expect(rep.browser.version).toMatch(/^\d+\./);
    expect(rep.adapter.available).toBe(true);
    expect(['webgpu', 'wasm', 'cpu']).toContain(rep.engine.name);
    expect(rep.model.parameters).toBeGreaterThan(0);
    expect(rep.data.kept).toBeGreaterThan(0);
    expect(rep.settings).toMatchObject({ steps: 4, evalEvery: 4, seed: 1, ...small });
    expect(rep.steps.map((s: { step: number }) => s.step)).toEqual([1, 2, 3, 4]);
    for (const s of rep.steps) {
      expect(Number.isFinite(s.loss) && s.loss > 0).toBe(true);
      expect(s.tokensPerSecond).toBeGreaterThan(0);
    }
    expect(rep.finalLoss).toBe(rep.steps[3].loss);
    expect(rep.evals.map((e: { step: number }) => e.step)).toEqual([0, 4]); // the base model, then step 4
    expect(rep.finalValLoss).toBe(rep.evals[1].valLoss);
    expect(rep.rolePromptRate).toBeGreaterThanOrEqual(0);
    expect(rep.rolePromptRate).toBeLessThanOrEqual(1);
    expect(rep.tokensPerSecond.mean).toBeGreaterThan(0);
    expect(rep.samples).toHaveLength(2);
    expect(rep.samples[0].question).not.toBe('');
    expect(typeof rep.samples[0].answer).toBe('string');
    expect(rep.baselineSamples).toHaveLength(2);
    expect(rep.problems).toEqual([]);
    expect(rep.thresholds.map((t: { name: string; ok: boolean }) => [t.name, t.ok])).toEqual([['maxFinalLoss', true], ['minRolePromptRate', true], ['maxWallSeconds', true]]);
    expect(rep.wallSeconds).toBeGreaterThan(0);
    expect(rep.trainSeconds).toBeGreaterThan(0);

    // An impossible threshold: the run itself succeeds, the exit code says it missed.
    const failFile = info.outputPath('run-impossible.json');
    writeFileSync(failFile, JSON.stringify({ steps: 1, evalEvery: 1, engine: 'wasm', settings: { evalSamples: 1, maxNewTokens: 4, batchSize: 2, seqLen: 64 }, maxFinalLoss: 0 }));
    const failReport = info.outputPath('report-impossible.json');
    const f = await tabtune('browser-run', '--config', failFile, '--report', failReport);
    expect(f.code, f.stderr).toBe(1);
    expect(f.stderr).toContain('MISSED: maxFinalLoss 0');
    const fr = JSON.parse(readFileSync(failReport, 'utf8'));
    expect(fr).toMatchObject({ ok: false, state: 'done' });
    expect(fr.thresholds).toEqual([{ name: 'maxFinalLoss', limit: 0, value: fr.finalLoss, ok: false }]);
  });
});
