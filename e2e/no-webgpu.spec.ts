// The app in a browser without WebGPU (Chromium launched without --enable-unsafe-webgpu: navigator.gpu
// exists, requestAdapter() gives null): the GPU panel says why, the engine falls back to tfjs-wasm with
// a notice, and a few steps of the embedded default still train.
import { expect, test } from '@playwright/test';
import { BASE_FLAGS, chromePath } from './chromium.ts';
import { collectErrors, presetSettings, report, SMALL, snap } from './helpers.ts';

test.use({ launchOptions: { executablePath: chromePath(), args: BASE_FLAGS } });

test('without WebGPU: the app shows why, falls back to tfjs-wasm with a notice, and still trains', async ({ page }, info) => {
  test.setTimeout(180_000);
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await presetSettings(page, SMALL);
  await page.goto('/?model=default&data=default&steps=2&eval-every=2&seed=1&autostart=1');
  await expect(page.getByTestId('gpu-status')).toContainText('WebGPU unavailable', { timeout: 60_000 });
  await expect(page.getByTestId('kernel-selftest')).toContainText('skipped (no WebGPU)');
  await expect(page.getByTestId('engine-name')).toHaveText('wasm', { timeout: 60_000 });
  await expect(page.getByTestId('engine-fallback')).toBeVisible();
  await expect(page.getByTestId('engine-fallback')).toContainText('no usable WebGPU');
  await snap(page, info, 'no-webgpu-1-fallback');
  await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('train-step')).toHaveText('2');
  expect(Number(await page.getByTestId('train-loss').innerText())).toBeGreaterThan(0);
  const r = await report(page);
  expect(r.gpu?.available).toBe(false);
  expect(r.engineInfo).toMatchObject({ name: 'wasm', fallback: true });
  await snap(page, info, 'no-webgpu-2-done');
  expect(errors).toEqual([]);
});
