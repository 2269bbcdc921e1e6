// Helpers shared by the specs that run the real engine worker.
import type { Page, TestInfo } from '@playwright/test';
import type { AppReport } from '../src/ui/report.ts';
import { STORAGE_KEY } from '../src/ui/settings-form.ts';

export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** A full-page screenshot kept in test-results/ and attached to the test's report. */
export async function snap(page: Page, info: TestInfo, name: string): Promise<void> {
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: 'image/png' });
}

/** Settings the URL contract has no parameter for, preset the way the form keeps them (localStorage). */
export async function presetSettings(page: Page, s: Record<string, number>): Promise<void> {
  await page.addInitScript(([key, v]) => localStorage.setItem(key, JSON.stringify(v)), [STORAGE_KEY, s] as const);
}
/** Small enough for SwiftShader: evaluations and samples are what costs most here. */
export const SMALL = { batchSize: 2, seqLen: 64, evalSamples: 1, maxNewTokens: 4 };

export const report = (page: Page) => page.evaluate(() => (window as unknown as { __tabtune: { report(): Promise<AppReport> } }).__tabtune.report()) as Promise<AppReport>;
export const step = async (page: Page) => Number(await page.getByTestId('train-step').innerText());
