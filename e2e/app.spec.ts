// The app against the real engine worker, sized for a 2-core machine where WebGPU is SwiftShader: a few
// steps of the embedded tiny model on the sample dataset — autostart, local files on WebGPU, a reload
// resumed from the OPFS checkpoint, recovery from a lost GPU device. no-webgpu.spec.ts runs it in a
// browser without WebGPU; browser-run.spec.ts drives it through `tabtune browser-run`. The UI contract in detail (validation, errors,
// the 10,000-point chart, the resume offer, narrow/dark layouts) is in app-fake.spec.ts, which runs the
// same UI on the in-page fake engine in seconds.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import type { TabtuneHook } from '../src/ui/report.ts';
import { collectErrors, presetSettings, report, SMALL, snap, step } from './helpers.ts';

const TINY = 'public/models/tabtune-tiny/';

test('automation contract: ?autostart=1 loads the embedded model and the sample data, then trains', async ({ page }, info) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/?model=default&data=default&steps=2&eval-every=2&seed=1&autostart=1');

  await expect(page.getByTestId('engine-name')).toHaveText(/^(webgpu|wasm|cpu)$/, { timeout: 90_000 });
  const engineName = await page.getByTestId('engine-name').innerText();
  if (engineName !== 'webgpu') await expect(page.getByTestId('engine-fallback')).toBeVisible();
  await expect(page.getByTestId('model-status')).toContainText('ready', { timeout: 120_000 });
  expect(Number(await page.getByTestId('model-params').getAttribute('data-value'))).toBeGreaterThan(0);
  await expect(page.getByTestId('data-stats')).toContainText('kept');
  await expect(page.getByTestId('data-preview').locator('tbody tr').first()).toBeVisible();

  await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('train-step')).toHaveText('2');
  const loss = Number(await page.getByTestId('train-loss').innerText());
  expect(Number.isFinite(loss) && loss > 0).toBe(true);
  expect(Number.isFinite(Number(await page.getByTestId('val-loss').innerText()))).toBe(true);
  const samples = page.getByTestId('samples').getByTestId('sample');
  expect(await samples.count()).toBeGreaterThan(0);
  await expect(samples.first().getByTestId('sample-question')).not.toBeEmpty();
  await expect(page.getByTestId('role-prompt-rate')).toHaveText(/^\d+%$/);
  await expect(page.getByTestId('error-banner')).toBeHidden();
  console.log(`[tabtune e2e] app autostart on ${engineName}: loss ${loss}`);
  await snap(page, info, 'app-autostart');
  expect(errors).toEqual([]);
});

test('local files on WebGPU: pause, resume, samples, playground, export', async ({ page }, info) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/?engine=webgpu&steps=4&eval-every=4&seed=1');
  await expect(page.getByTestId('engine-name')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('engine-fallback')).toBeHidden();

  // An HF folder's files, picked: File handles go to the worker, the page never reads them.
  await page.getByTestId('model-files-input').setInputFiles(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) => TINY + f));
  await expect(page.getByTestId('model-source').getByLabel('Local files')).toBeChecked();
  await page.getByTestId('field-evalSamples').fill('1');
  await page.getByTestId('field-maxNewTokens').fill('8');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('model-status')).toContainText('ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-progress').locator('progress').first()).toBeAttached();
  await expect(page.getByTestId('memory-estimate')).toContainText('total');

  await expect(page.getByTestId('run-state')).toHaveText('training', { timeout: 120_000 });
  await expect.poll(async () => Number(await page.getByTestId('train-step').innerText()), { timeout: 120_000 }).toBeGreaterThan(0);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('run-state')).toHaveText('paused');
  await expect(page.getByTestId('train-resume')).toBeEnabled();
  await page.getByTestId('train-resume').click();
  await expect(page.getByTestId('run-state')).toHaveText(/^(training|done)$/);
  await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 200_000 });
  await expect(page.getByTestId('train-step')).toHaveText('4');
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', /^[1-9]/);
  await expect(page.getByTestId('samples').getByTestId('sample')).toHaveCount(1);
  await expect(page.getByTestId('sample-base-answer')).toBeAttached();

  await page.getByTestId('playground-question').fill('Why do plants need sunlight?');
  await page.getByTestId('playground-max-tokens').fill('6');
  await page.getByTestId('playground-ask').click();
  await expect(page.getByTestId('playground-status')).toHaveText('Done.', { timeout: 120_000 });

  const download = page.waitForEvent('download');
  await page.getByTestId('export-adapter').click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/\.zip$/);
  expect(readFileSync(await d.path()).subarray(0, 2).toString('latin1')).toBe('PK');
  await expect(page.getByTestId('runs-list').getByTestId('run').first()).toBeVisible();
  await snap(page, info, 'app-files-webgpu');
  expect(errors).toEqual([]);
});

test('a reload mid-run offers the interrupted run, which resumes from its OPFS checkpoint and finishes', async ({ page }, info) => {
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await presetSettings(page, SMALL);
  // engine=wasm: no start-up measurement on either page load (engine choice is tested elsewhere).
  await page.goto('/?model=default&data=default&engine=wasm&steps=6&eval-every=2&seed=1&autostart=1');
  // Checkpoints follow evaluations (every 2 steps): by step 3 the one at step 2 is in OPFS.
  await expect.poll(() => step(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(3);
  await snap(page, info, 'resume-1-before-reload');
  await page.goto('/?engine=wasm');

  const offer = page.getByTestId('resume-offer');
  await expect(offer).toBeVisible({ timeout: 60_000 });
  await expect(offer).toContainText('of 6');
  await expect(page.getByTestId('runs-list').getByTestId('run')).toHaveCount(1);
  await expect(page.getByTestId('runs-list')).toContainText('interrupted');
  await snap(page, info, 'resume-2-offer');
  await page.getByTestId('resume-offer-accept').click();
  await expect(page.getByTestId('run-message')).toContainText(/resumed from step \d+/, { timeout: 120_000 });
  await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 180_000 });
  await expect(page.getByTestId('train-step')).toHaveText('6');

  const r = await report(page);
  const from = r.resumedFrom!;
  expect(from).toBeGreaterThanOrEqual(2);
  expect(from % 2).toBe(0);
  // The resumed run continues after the checkpoint: no step before it is recomputed.
  expect(r.steps.map((s) => s.step)).toEqual(Array.from({ length: 6 - from }, (_, i) => from + 1 + i));
  expect(r.baseline).toBeNull();
  expect(r.problems).toEqual([]);
  console.log(`[tabtune e2e] reload at step ≥ 3, resumed from the checkpoint at step ${from} on ${r.engineInfo?.name}`);
  await snap(page, info, 'resume-3-done');
  expect(errors).toEqual([]);
});

test('a lost GPU device mid-run: the run continues from the last checkpoint, says what it redid, and finishes', async ({ page }, info) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await presetSettings(page, SMALL);
  await page.goto('/?model=default&data=default&engine=webgpu&steps=4&eval-every=2&seed=1&autostart=1');
  await expect(page.getByTestId('engine-name')).toHaveText('webgpu', { timeout: 60_000 });
  await expect.poll(() => step(page), { timeout: 240_000 }).toBeGreaterThanOrEqual(3);
  await page.evaluate(() => (window as unknown as { __tabtune: TabtuneHook }).__tabtune.simulateDeviceLoss());

  const recovered = page.getByTestId('train-recovered');
  await expect(recovered).toBeVisible({ timeout: 120_000 });
  await expect(recovered).toContainText(/continued from the checkpoint at step \d+, redoing \d+ steps/);
  await snap(page, info, 'device-loss-1-recovered');
  await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('train-step')).toHaveText('4');
  await expect(page.getByTestId('error-banner')).toBeHidden();

  const r = await report(page);
  expect(r.recovered).toHaveLength(1);
  const { fromStep, redone } = r.recovered[0];
  expect(fromStep).toBe(2);
  expect(redone).toBeGreaterThanOrEqual(1);
  expect(await recovered.innerText()).toContain(`redoing ${redone} steps`);
  // Redone steps replace the lost ones: every step once, in order.
  expect(r.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
  console.log(`[tabtune e2e] device lost after step 3: continued from step ${fromStep}, redid ${redone} steps (${r.recovered[0].reason})`);
  await snap(page, info, 'device-loss-2-done');
  expect(errors).toEqual([]);
});
