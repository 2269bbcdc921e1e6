// The README's screenshot: the app after a short training run of the embedded default, in the light
// theme at 1440×1000. On demand, not a test:
//   node scripts/run.mjs scripts/screenshot.ts [--out docs/screenshot.png] [--steps 30] (the README picture: --steps 250, the default recipe) [--chrome PATH]
// Builds dist/ when stale and serves it exactly as `tabtune browser-run` does (src/cli/browser-run.ts).
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { chromePath, webgpuFlags } from '../e2e/chromium.ts';
import { ensureBuilt, REPO_ROOT, serveApp } from '../src/cli/browser-run.ts';
import { STORAGE_KEY } from '../src/ui/settings-form.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/screenshot.png' }, steps: { type: 'string', default: '30' }, chrome: { type: 'string' } } });
const log = (l: string) => process.stderr.write(`screenshot: ${l}\n`);

await ensureBuilt(REPO_ROOT, log);
const served = await serveApp(REPO_ROOT);
const browser = await chromium.launch({ executablePath: values.chrome ?? chromePath(), args: webgpuFlags() });
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
  // Four samples of readable length; the rest are the form's defaults.
  await context.addInitScript(([key, s]) => localStorage.setItem(key, JSON.stringify(s)), [STORAGE_KEY, { evalSamples: 2, maxNewTokens: 40 }] as const);
  const page = await context.newPage();
  const steps = Number(values.steps);
  await page.goto(`${served.origin}/?model=default&data=default&steps=${steps}&eval-every=${Math.max(1, Math.round(steps / 3))}&seed=1&autostart=1`);
  log(`training ${steps} steps…`);
  await page.getByTestId('run-state').filter({ hasText: /^(done|error)$/ }).waitFor({ timeout: Math.max(600, steps * 6) * 1000 });
  const state = await page.getByTestId('run-state').innerText();
  if (state !== 'done') throw new Error(`the run ended in state ${state}`);
  // Open the first sample's reference so the screenshot shows one, and let the charts settle.
  await page.locator('[data-testid="sample"] details.reference summary').first().click();
  await page.waitForTimeout(500);
  mkdirSync(dirname(values.out!), { recursive: true });
  await page.screenshot({ path: values.out! });
  log(`${values.out} (${(statSync(values.out!).size / 1024).toFixed(0)} KiB)`);
} finally {
  await browser.close();
  await served.close();
}
