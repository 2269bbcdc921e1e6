// The app against the real engine worker, sized for a 2-core machine where WebGPU is SwiftShader: a few
// steps of the embedded tiny model on the sample dataset. The UI contract in detail (validation, errors,
// the 10,000-point chart, the resume offer, narrow/dark layouts) is in app-fake.spec.ts, which runs the
// same UI on the in-page fake engine in seconds.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

const TINY = 'public/models/tabtune-tiny/';

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

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
  await page.screenshot({ path: info.outputPath('app-autostart.png'), fullPage: true });
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
  await page.screenshot({ path: info.outputPath('app-files-webgpu.png'), fullPage: true });
  expect(errors).toEqual([]);
});
