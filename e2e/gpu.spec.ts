import { expect, test } from '@playwright/test';

test('the engine worker finds a WebGPU adapter and runs the matmul kernel', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const status = page.getByTestId('gpu-status');
  await expect(status).toContainText('adapter', { timeout: 60_000 });
  await expect(status).not.toContainText('WebGPU unavailable');
  const selftest = page.getByTestId('kernel-selftest');
  await expect(selftest).toContainText('passed', { timeout: 120_000 });
  // Printed so the test log shows the real adapter the browser tests ran on.
  console.log(`[tabtune e2e] ${(await status.innerText()).replace(/\s+/g, ' ')}`);
  console.log(`[tabtune e2e] ${await selftest.innerText()}`);
  await page.screenshot({ path: info.outputPath('gpu-status.png'), fullPage: true });
  expect(errors).toEqual([]);
});
