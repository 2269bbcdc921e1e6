// The app's screens driven by the in-page fake engine (?fake=1, src/ui/dev-fake.ts): the UI contract
// (data-testids, states, validation, errors, escaping, export, resume, responsiveness) in seconds,
// independent of model training speed. app.spec.ts runs the same app against the real worker.
import { expect, test, type Page } from '@playwright/test';

/**
 * Records, from page start, long tasks (> 50 ms, any cause) and long animation frames with the time
 * our scripts took in them (LoAF script attribution), so a test can tell our work from the browser's
 * rendering, which on a 2-core machine without a GPU is slow by itself.
 */
async function watchMainThread(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __long: { start: number; ms: number }[]; __frames: { start: number; ms: number; scriptMs: number }[] };
    w.__long = [];
    w.__frames = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push({ start: e.startTime, ms: Math.round(e.duration) });
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { scripts: { duration: number; sourceURL: string }[] })[]) {
        const scriptMs = e.scripts.filter((s) => s.sourceURL.startsWith(location.origin)).reduce((a, s) => a + s.duration, 0);
        w.__frames.push({ start: e.startTime, ms: Math.round(e.duration), scriptMs: Math.round(scriptMs), what: e.scripts.filter((s) => s.duration > 10).map((s: any) => `${s.invoker} ${String(s.sourceURL).split('/').pop()}:${s.sourceCharPosition} ${s.sourceFunctionName} ${Math.round(s.duration)}ms`).join('; ') } as never);
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  });
}
const mainThread = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __long: { start: number; ms: number }[]; __frames: { start: number; ms: number; scriptMs: number }[] };
    return { long: w.__long, frames: w.__frames };
  });

test.describe('app with the fake engine', () => {
  test('load, train, pause/resume, samples, playground, export (1280×800)', async ({ page }, info) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/?fake=1&steps=600&eval-every=150');

    await expect(page.getByTestId('engine-name')).toHaveText('wasm');
    await expect(page.getByTestId('engine-fallback')).toBeVisible();
    await expect(page.getByTestId('engine-fallback')).toContainText('measured');
    await expect(page.getByTestId('kernel-selftest')).toContainText('passed');
    await page.screenshot({ path: info.outputPath('01-start.png') });

    await page.getByTestId('model-load').click();
    await expect(page.getByTestId('model-status')).toContainText('ready');
    await expect(page.getByTestId('model-params')).toHaveAttribute('data-value', '1054976');
    await expect(page.getByTestId('model-progress').locator('progress')).toHaveCount(3);
    await expect(page.getByTestId('memory-estimate')).toContainText('total');
    await expect(page.getByTestId('memory-warning')).toBeHidden();
    await page.getByTestId('field-seqLen').fill('32768');
    await expect(page.getByTestId('memory-warning')).toContainText('will not fit');
    await page.getByTestId('field-seqLen').fill('128');
    await expect(page.getByTestId('memory-warning')).toBeHidden();

    await page.getByTestId('data-load').click();
    await expect(page.getByTestId('data-stats')).toContainText('432 kept');
    await expect(page.getByTestId('data-stats')).toContainText('3 rejected');
    await expect(page.getByTestId('data-rejections').locator('li')).toHaveCount(3);
    await expect(page.getByTestId('data-rejections')).toContainText('line 99');
    // Markup in dataset text is shown as text, never parsed.
    await expect(page.getByTestId('data-preview')).toContainText('<b>bold</b>');
    await expect(page.getByTestId('data-preview').locator('b')).toHaveCount(0);
    await page.screenshot({ path: info.outputPath('02-loaded.png'), fullPage: true });

    await expect(page.getByTestId('run-state')).toHaveText('idle');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('run-state')).toHaveText('training');
    await page.getByTestId('train-pause').click();
    await expect(page.getByTestId('run-state')).toHaveText('paused');
    const pausedAt = await page.getByTestId('train-step').innerText();
    // The engine pauses after the step under way and says which; the step shown is that one.
    await expect(page.getByTestId('run-message')).toHaveText(`paused after step ${pausedAt}`);
    await page.waitForTimeout(300);
    expect(await page.getByTestId('train-step').innerText()).toBe(pausedAt);
    await expect(page.getByTestId('field-rank')).toBeDisabled();
    await page.getByTestId('train-resume').click();
    await expect(page.getByTestId('run-state')).toHaveText('training');
    await expect(page.getByTestId('samples').getByTestId('sample').first()).toBeVisible();
    await page.screenshot({ path: info.outputPath('03-training.png'), fullPage: true });

    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 30_000 });
    await expect(page.getByTestId('train-step')).toHaveText('600');
    expect(Number(await page.getByTestId('train-loss').innerText())).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('val-loss').innerText())).toBeGreaterThan(0);
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '601'); // steps + the baseline at 0
    const samples = page.getByTestId('samples').getByTestId('sample');
    await expect(samples).toHaveCount(4);
    await expect(samples.first().getByTestId('sample-question')).not.toBeEmpty();
    await expect(samples.first().getByTestId('sample-answer')).not.toBeEmpty();
    await expect(samples.first().getByTestId('sample-base-answer')).toContainText('base model');
    await expect(samples.nth(2).getByTestId('sample-role-prompt')).toContainText('<img src=x');
    await expect(page.getByTestId('role-prompt-rate')).toHaveText(/^\d+%$/);
    await expect(page.getByTestId('metrics-table').locator('tbody tr')).toHaveCount(5); // baseline + 4 evals
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    await page.getByTestId('playground-question').fill('What is <b>LoRA</b>?');
    await expect(page.getByTestId('playground-adapter')).toBeChecked();
    await page.getByTestId('playground-ask').click();
    await expect(page.getByTestId('playground-status')).toHaveText('Done.');
    await expect(page.getByTestId('playground-output')).toContainText('What is <b>LoRA</b>?');
    await expect(page.getByTestId('playground-role-prompt')).not.toBeEmpty();

    const download = page.waitForEvent('download');
    await page.getByTestId('export-adapter').click();
    expect((await download).suggestedFilename()).toBe('tabtune-adapter-fake.zip');
    await expect(page.getByTestId('runs-list').getByTestId('run')).toHaveCount(1);
    await expect(page.getByTestId('resume-offer')).toBeHidden(); // this page's own run is not "interrupted"
    await page.screenshot({ path: info.outputPath('04-done.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  test('invalid settings are refused inline and block training', async ({ page }, info) => {
    await page.goto('/?fake=1');
    await expect(page.getByTestId('engine-name')).toHaveText('wasm');
    await expect(page.getByTestId('lora-scale')).toHaveText('2');
    await page.getByTestId('field-alpha').fill('64');
    await expect(page.getByTestId('lora-scale')).toHaveText('4');

    await page.getByTestId('field-rank').fill('0');
    await expect(page.getByTestId('field-rank')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('error-rank')).toContainText('Must be in');
    await page.getByTestId('field-lr').fill('abc');
    await expect(page.getByTestId('error-lr')).toHaveText('Not a number.');
    await page.getByTestId('field-steps').fill('2.5');
    await expect(page.getByTestId('error-steps')).toHaveText('Must be a whole number.');
    for (const t of ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']) await page.getByTestId(`target-${t}`).uncheck();
    await expect(page.getByTestId('error-targets')).toContainText('at least one');
    await expect(page.getByTestId('train-start')).toBeDisabled();
    await expect(page.getByTestId('settings-summary')).toContainText('nothing is sent');
    await page.screenshot({ path: info.outputPath('invalid.png'), fullPage: true });

    await page.getByTestId('field-rank').fill('4');
    await page.getByTestId('field-lr').fill('1e-3');
    await page.getByTestId('field-steps').fill('30');
    await page.getByTestId('target-o_proj').check();
    await expect(page.getByTestId('field-rank')).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('lora-scale')).toHaveText('16');
    await expect(page.getByTestId('train-start')).toBeEnabled();

    // What was typed survives a reload (kept in localStorage).
    await page.reload();
    await expect(page.getByTestId('field-lr')).toHaveValue('0.001');
    await expect(page.getByTestId('target-o_proj')).toBeChecked();
    await expect(page.getByTestId('target-q_proj')).not.toBeChecked();
  });

  test('prompt and prefix tuning swap the LoRA fields for the virtual-token count', async ({ page }) => {
    await page.goto('/?fake=1');
    await expect(page.getByTestId('field-virtualTokens')).toBeHidden();
    await page.getByTestId('method').getByLabel(/^Prefix tuning/).check();
    await expect(page.getByTestId('field-rank')).toBeHidden();
    await expect(page.getByTestId('target-q_proj')).toBeHidden();
    await expect(page.getByTestId('field-virtualTokens')).toHaveValue('20');
    await expect(page.getByTestId('field-lr')).toHaveValue('0.03'); // soft prompts' default step size
    await page.getByTestId('field-virtualTokens').fill('0');
    await expect(page.getByTestId('error-virtualTokens')).toContainText('Must be in');
    await expect(page.getByTestId('train-start')).toBeDisabled();
    await page.getByTestId('field-virtualTokens').fill('8');
    await expect(page.getByTestId('train-start')).toBeEnabled();
    await page.reload();
    await expect(page.getByTestId('method').getByLabel(/^Prefix tuning/)).toBeChecked();
    await expect(page.getByTestId('field-virtualTokens')).toHaveValue('8');
    await page.getByTestId('method').getByLabel(/^LoRA/).check();
    await expect(page.getByTestId('field-rank')).toBeVisible();
  });

  test('errors say what to do and keep what was typed; bad URL parameters refuse autostart', async ({ page }, info) => {
    await page.goto('/?fake=1&model=acme/missing-model&autostart=1');
    const banner = page.getByTestId('error-banner');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('Loading the model failed');
    await expect(banner).toContainText('NotFoundError');
    await expect(banner).toContainText('What to do');
    await expect(page.getByTestId('run-state')).toHaveText('error');
    await expect(page.getByTestId('model-hub-id')).toHaveValue('acme/missing-model');
    await page.screenshot({ path: info.outputPath('error.png') });

    await page.goto('/?fake=1&steps=abc&engine=tpu&autostart=1&bogus=1');
    await expect(banner).toContainText('steps="abc"');
    await expect(banner).toContainText('engine="tpu"');
    await expect(banner).toContainText('Unknown URL parameter "bogus"');
    await expect(banner).toContainText('Autostart refused');
    await expect(page.getByTestId('run-state')).toHaveText('idle');
  });

  test('10,000 steps stream into the chart without long tasks from our code', async ({ page }) => {
    await watchMainThread(page);
    await page.goto('/?fake=1&steps=10000&eval-every=1000&autostart=1');
    await expect(page.getByTestId('run-state')).toHaveText('training', { timeout: 30_000 });
    const t0 = await page.evaluate(() => performance.now());
    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 60_000 });
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '10001');
    await expect(page.getByTestId('train-step')).toHaveText('10000');
    const { long, frames } = await mainThread(page);
    const fmt = (xs: { ms: number }[]) => (xs.length ? xs.map((x) => `${x.ms}`).join(', ') + ' ms' : 'none');
    console.log(`[tabtune e2e] start-up long tasks: ${fmt(long.filter((x) => x.start < t0))}; during the 10,000-step run: ${fmt(long.filter((x) => x.start >= t0))}`);
    const ours = frames.filter((f) => f.start >= t0).map((f) => ({ ms: f.scriptMs }));
    console.log(`[tabtune e2e] our script time in long frames during the run: ${fmt(ours)}`);
    for (const f of frames.filter((x) => x.start >= t0 && x.scriptMs > 50)) console.log(`[tabtune e2e] long frame: ${JSON.stringify(f)}`);
    // Our code's share of a frame stays under 50 ms; the rest is the browser rendering (software raster
    // here). One outlier is tolerated: on this shared 2-core machine a busy neighbour or a GC can stall
    // any frame, while a real regression (e.g. rendering every step) makes many frames long.
    expect(ours.filter((f) => f.ms >= 50).length).toBeLessThanOrEqual(1);
    expect(Math.max(0, ...ours.map((f) => f.ms))).toBeLessThan(200);
  });

  test('after a reload an interrupted run is offered for resuming', async ({ page }) => {
    await page.goto('/?fake=1&steps=3000&autostart=1');
    await expect(page.getByTestId('run-state')).toHaveText('training');
    await expect.poll(async () => Number(await page.getByTestId('train-step').innerText())).toBeGreaterThan(200);
    await page.goto('/?fake=1');
    const offer = page.getByTestId('resume-offer');
    await expect(offer).toBeVisible();
    await expect(offer).toContainText('of 3000');
    await page.getByTestId('resume-offer-accept').click();
    await expect(page.getByTestId('run-state')).toHaveText('training');
    await expect(page.getByTestId('run-message')).toContainText('resumed from step');
    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 30_000 });
    await expect(page.getByTestId('train-step')).toHaveText('3000');
  });

  test('narrow screen and dark theme', async ({ page }, info) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/?fake=1&steps=300&eval-every=100&autostart=1');
    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 30_000 });
    await expect(page.getByTestId('resume-offer')).toBeHidden();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: info.outputPath('narrow-dark.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: info.outputPath('wide-dark.png'), fullPage: true });
  });
});
