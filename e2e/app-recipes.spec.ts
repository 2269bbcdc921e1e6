// The RoleBench and S3FT recipes in the app (docs/recipes.md): the views with the in-page fake engine
// (?fake=1, seconds), then one short real run of each on the embedded tiny model and its bundled samples
// (tfjs-wasm, a few steps: it shows that the pipeline runs end to end, not that anything was learnt).
import { expect, test } from '@playwright/test';
import { collectErrors, presetSettings, report, snap } from './helpers.ts';

test.describe('recipes with the fake engine', () => {
  test('S3FT pipeline: stages, confusion matrices, filter slider, candidates as text, stage C rerun', async ({ page }, info) => {
    const errors = collectErrors(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/?fake=1&recipe=s3ft&steps=40&eval-every=20');
    await expect(page.getByTestId('engine-name')).toHaveText('wasm');
    await expect(page.getByTestId('data-source')).toContainText('s3ft.sample.jsonl + s3ft.labelled.jsonl');
    await expect(page.getByTestId('data-extra')).toContainText('Labelled records');
    await expect(page.getByTestId('field-seqLen')).toHaveValue('256'); // preset for S3FT
    await expect(page.getByTestId('s3ft-panel')).toBeVisible();
    await expect(page.locator('#samples-panel')).toBeHidden();
    await expect(page.getByTestId('rolebench-panel')).toBeHidden();

    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 30_000 });
    await expect(page.getByTestId('data-preview').locator('thead')).toContainText('system prompt');
    const stages = page.getByTestId('s3ft-stages').locator('li');
    await expect(stages).toHaveCount(3);
    for (const st of ['discriminator', 'filter', 'sft']) await expect(page.getByTestId('s3ft-stages').locator(`li[data-stage="${st}"]`)).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('s3ft-accuracy-before')).toContainText('22.2 %');
    await expect(page.getByTestId('s3ft-accuracy-after')).toContainText('61.1 %');
    for (const when of ['before', 'after']) await expect(page.getByTestId(`s3ft-confusion-${when}`).locator('tbody tr')).toHaveCount(5);
    await expect(page.getByTestId('s3ft-confusion-after').locator('thead')).toContainText('n/a');
    await expect(page.getByTestId('s3ft-chosen')).toContainText('0.5000');

    // Stage B: 12 candidates, threshold 0.5 in use; markup in the records stays text.
    const rows = page.getByTestId('s3ft-candidate');
    await expect(rows).toHaveCount(12);
    await expect(page.getByTestId('s3ft-threshold-value')).toHaveText('0.5000');
    const keptAt = async () => Number(await page.getByTestId('s3ft-kept').getAttribute('data-value'));
    const k0 = await keptAt();
    expect(k0).toBeGreaterThan(0);
    await expect(page.getByTestId('s3ft-dropped')).toHaveAttribute('data-value', String(12 - k0));
    await expect(page.locator('[data-testid="s3ft-candidate"][data-kept="true"]')).toHaveCount(k0);
    await expect(page.getByTestId('s3ft-candidates')).toContainText('<img src=x onerror=');
    await expect(page.getByTestId('s3ft-candidates').locator('img, b')).toHaveCount(0);
    // The slider steps through the scores: the top position keeps none, position 0 keeps all.
    await page.getByTestId('s3ft-threshold').fill('12');
    await expect(page.getByTestId('s3ft-kept')).toHaveAttribute('data-value', '0');
    await expect(page.getByTestId('s3ft-rerun-sft')).toBeDisabled();
    await page.getByTestId('s3ft-threshold').fill('0');
    await expect(page.getByTestId('s3ft-kept')).toHaveAttribute('data-value', '12');
    await page.getByTestId('s3ft-threshold').fill('9');
    await expect(page.getByTestId('s3ft-kept')).toHaveAttribute('data-value', '3');
    const t = await page.getByTestId('s3ft-threshold-value').innerText();
    await expect(page.getByTestId('s3ft-sft-summary')).toContainText('Validation loss');
    await snap(page, info, 's3ft-fake-1-done');

    // Stage C again at the slider's threshold: stage A's results stay.
    await page.getByTestId('s3ft-rerun-sft').click();
    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 30_000 });
    await expect(page.getByTestId('s3ft-sft-summary')).toContainText(`P(excellent) ≥ ${t}`);
    await expect(page.getByTestId('s3ft-kept')).toHaveAttribute('data-value', '3');
    await expect(page.getByTestId('s3ft-accuracy-after')).toContainText('61.1 %');
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', /^[1-9]/);
    const r = await report(page);
    expect(r.s3ft?.filter).toMatchObject({ candidates: 12, kept: 3 });
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    // Narrow screens: the matrices wrap and the tables scroll inside their panel.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
  });

  test('RoleBench: profiles preselected, ROUGE-L table refreshed at each evaluation', async ({ page }, info) => {
    const errors = collectErrors(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/?fake=1&recipe=rolebench&steps=40&eval-every=20&autostart=1');
    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 30_000 });
    await expect(page.getByTestId('data-source')).toContainText('rolebench.sample.jsonl + rolebench.desc.json');
    await expect(page.getByTestId('data-system-template')).toHaveValue('You are {role}.');
    await expect(page.getByTestId('data-details')).toContainText('rolebench.desc.json');
    await expect(page.getByTestId('data-preview').locator('thead')).toContainText('role · split');
    const table = page.getByTestId('rolebench-table');
    await expect(table.locator('tbody tr')).toHaveCount(3); // base + 2 evaluations
    await expect(table.locator('thead')).toContainText('CUS');
    await expect(table.locator('thead')).toContainText('Dr. Juniper <i>Vale</i>'); // a role name with markup, as text
    await expect(table.locator('i')).toHaveCount(0);
    await expect(table.locator('tbody tr').first()).toContainText('0 (base)');
    await expect(page.getByTestId('rolebench-roles').locator('tbody tr')).toHaveCount(2);
    await expect(page.getByTestId('rolebench-raw-note')).toContainText('RAW');
    expect(Number(await page.getByTestId('rolebench-overall').getAttribute('data-value'))).toBeGreaterThan(0);
    await expect(page.getByTestId('s3ft-panel')).toBeHidden();
    expect((await report(page)).rolebench.map((e) => e.step)).toEqual([0, 20, 40]);
    await snap(page, info, 'rolebench-fake');

    // Back to self-prompt: the recipe's views go, the sample is the self-prompt one again.
    await page.getByTestId('recipe').getByLabel(/Self-prompt tuning/).check();
    await expect(page.getByTestId('rolebench-panel')).toBeHidden();
    await expect(page.getByTestId('data-extra')).toBeHidden();
    await expect(page.getByTestId('data-source')).toContainText('self-prompt facts');
    expect(errors).toEqual([]);
  });
});

test.describe('recipes on the real engine (tabtune-tiny, tfjs-wasm)', () => {
  test('S3FT pipeline: 3 steps per stage on the bundled samples', async ({ page }, info) => {
    test.setTimeout(300_000);
    const errors = collectErrors(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    // seqLen 192: every bundled record fits tabtune-tiny without losing history (256 is the default).
    await presetSettings(page, { batchSize: 2, seqLen: 192, evalSamples: 1, maxNewTokens: 4 });
    const t0 = Date.now();
    await page.goto('/?model=default&data=default&recipe=s3ft&engine=wasm&steps=3&eval-every=3&seed=1&autostart=1');
    await expect(page.getByTestId('s3ft-confusion-before')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 240_000 });
    const secs = (Date.now() - t0) / 1000;
    for (const st of ['discriminator', 'filter', 'sft']) await expect(page.getByTestId('s3ft-stages').locator(`li[data-stage="${st}"]`)).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('s3ft-confusion-after').locator('tbody tr')).toHaveCount(5);
    await expect(page.getByTestId('s3ft-candidate')).toHaveCount(48);
    const r = await report(page);
    const s = r.s3ft!;
    expect(s.discriminatorBefore!.n).toBe(18);
    expect(s.discriminatorAfter!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(18);
    expect(s.filter!.kept).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('s3ft-kept').getAttribute('data-value'))).toBe(s.filter!.kept);
    expect(r.steps.map((x) => x.step)).toEqual([1, 2, 3]); // stage C's steps
    expect(Number.isFinite(Number(await page.getByTestId('val-loss').innerText()))).toBe(true);
    await expect(page.getByTestId('s3ft-sft-summary')).toContainText('Validation loss');
    await expect(page.getByTestId('error-banner')).toBeHidden();
    console.log(`[tabtune e2e] S3FT in the app (${secs.toFixed(0)} s): accuracy ${s.discriminatorBefore!.accuracy.toFixed(3)} → ${s.discriminatorAfter!.accuracy.toFixed(3)}, kept ${s.filter!.kept}/${s.filter!.candidates} at P(excellent) ≥ ${s.filter!.threshold.toPrecision(3)}, stage C val loss ${r.baseline?.valLoss?.toFixed(3)} → ${r.lastEval?.valLoss?.toFixed(3)}`);
    await snap(page, info, 's3ft-real');
    expect(errors).toEqual([]);
  });

  test('RoleBench: 2 steps, ROUGE-L table at step 0 and 2', async ({ page }, info) => {
    test.setTimeout(240_000);
    const errors = collectErrors(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    await presetSettings(page, { batchSize: 2, seqLen: 112, evalSamples: 2, maxNewTokens: 6 });
    const t0 = Date.now();
    await page.goto('/?model=default&data=default&recipe=rolebench&engine=wasm&steps=2&eval-every=2&seed=1&autostart=1');
    await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 200_000 });
    const secs = (Date.now() - t0) / 1000;
    await expect(page.getByTestId('data-stats')).toContainText('64 kept');
    await expect(page.getByTestId('rolebench-table').locator('tbody tr')).toHaveCount(2);
    const r = await report(page);
    expect(r.rolebench.map((e) => e.step)).toEqual([0, 2]);
    expect(r.rolebench[1].overall.n).toBe(2);
    expect(r.rolebench[1].overall.rougeL).toBeGreaterThanOrEqual(0);
    expect(Object.keys(r.rolebench[1].perRole).length).toBeGreaterThan(0);
    await expect(page.getByTestId('error-banner')).toBeHidden();
    console.log(`[tabtune e2e] RoleBench in the app (${secs.toFixed(0)} s): ROUGE-L overall ${r.rolebench[0].overall.rougeL?.toFixed(3)} → ${r.rolebench[1].overall.rougeL?.toFixed(3)}`);
    await snap(page, info, 'rolebench-real');
    expect(errors).toEqual([]);
  });
});
