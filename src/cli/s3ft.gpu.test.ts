// The S3FT pipeline end to end through `tabtune train` on the embedded model (public/models/tabtune-tiny)
// and the offline S3FT samples (public/data/s3ft.*.jsonl), on the tfjs-wasm engine, a few steps per stage:
//   A  --recipe s3ft-discriminator   labelled records → discriminator adapter + s3ft.json
//   B  --recipe s3ft-filter          candidates → kept.jsonl (P(excellent) ≥ threshold)
//   C  --recipe s3ft-sft             kept.jsonl → SFT adapter
// Then the one-line errors (exit 2) for bad input.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readS3ft, S3FT_LABELS } from '../data/s3ft.ts';
import { tabtune } from '../testing/cli.ts';

const MODEL = 'public/models/tabtune-tiny';
const LABELLED = 'public/data/s3ft.labelled.jsonl';
const SAMPLE = 'public/data/s3ft.sample.jsonl';
let dir = '';
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const sum = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0);

describe('tabtune train --recipe s3ft-* (discriminator → filter → SFT)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tabtune-s3ft-'));
  });

  it('runs the three stages on the offline sample', () => {
    // A: 72 labelled records, 7 held out (val-fraction 0.1).
    const A = join(dir, 'disc');
    const a = tabtune('train', '--recipe', 's3ft-discriminator', '--model', MODEL, '--data', LABELLED, '--out', A,
      '--steps', '2', '--batch', '4', '--lr', '0.005', '--val-fraction', '0.1', '--seq-len', '192', '--engine', 'wasm', '--quiet');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/data: 72 S3FT records kept, 0 rejected \(jsonl; \d+ with history\) \(28 excellent, 14 incoherent, 14 ignores_system, 8 both, 8 not_applicable\)/);
    expect(a.stderr).toMatch(/discriminator: 65 train, 7 held-out labelled records/);
    expect(a.stderr).toMatch(/discriminator @0 \(7 held-out\): accuracy [\d.]+ %/);
    expect(a.stderr).toMatch(/true \\ predicted\s+exc\s+inc\s+ign\s+both\s+n\/a/);
    const sa = lastJson(a.stdout);
    expect(sa).toMatchObject({ ok: true, recipe: 's3ft-discriminator', steps: 2, engine: 'tfjs-wasm' });
    expect(sa.discriminator).toMatchObject({ heldOut: 7, labels: [...S3FT_LABELS], scoring: 'first-token', thresholdMetric: 'f1' });
    for (const when of ['before', 'after']) {
      expect(sa.discriminator[when].accuracy, when).toBeGreaterThanOrEqual(0);
      expect(sa.discriminator[when].accuracy, when).toBeLessThanOrEqual(1);
      expect(sum(sa.discriminator[when].confusion), when).toBe(7);
    }
    expect(sa.discriminator.threshold).toBeGreaterThan(0);
    expect(sa.valLossAfter).toBeLessThan(sa.valLossBefore);
    const meta = JSON.parse(readFileSync(join(A, 'tabtune.json'), 'utf8'));
    expect(meta.recipe).toBe('s3ft-discriminator');
    const side = JSON.parse(readFileSync(join(A, 's3ft.json'), 'utf8'));
    expect(side).toMatchObject({ recipe: 's3ft-discriminator', promptVersion: 1, seqLen: 192, threshold: sa.discriminator.threshold });
    expect(side.heldOutLines).toHaveLength(7);
    const metrics = readFileSync(join(A, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((x) => x.type === 'discriminator').map((x) => x.step)).toEqual([0, 2]);

    // B: score the 48 candidates; held-out metrics on the split A held out; a low fixed threshold so that C has data.
    const kept = join(dir, 'kept.jsonl');
    const b = tabtune('train', '--recipe', 's3ft-filter', '--model', MODEL, '--adapter', A, '--data', SAMPLE, '--labelled', LABELLED,
      '--threshold', '0.05', '--out', kept, '--engine', 'wasm');
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/held-out: 7 labelled records \(the split stage A held out\)/);
    const sb = lastJson(b.stdout);
    expect(sb).toMatchObject({ ok: true, recipe: 's3ft-filter', out: kept, scoring: 'first-token', threshold: 0.05, thresholdSource: 'flag' });
    expect(sb.candidates).toMatchObject({ read: 48, rejected: 0 });
    expect(sb.candidates.scored + sb.candidates.skipped).toBe(48);
    expect(Object.values(sb.predicted as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(sb.candidates.scored);
    expect(sb.heldOut.n).toBe(7);
    expect(sum(sb.heldOut.confusion)).toBe(7);
    // A's "after" and B's held-out evaluation are the same adapter on the same records.
    expect(sb.heldOut.accuracy).toBeCloseTo(sa.discriminator.after.accuracy, 6);
    expect(sb.heldOut.chosenThreshold.threshold).toBeCloseTo(sa.discriminator.threshold, 5);
    expect(sb.heldOut.excellent.threshold).toBe(0.05);
    const out = readS3ft(new Uint8Array(readFileSync(kept)), kept, { labels: 'ignore' });
    expect(out.records).toHaveLength(sb.kept);
    expect(sb.kept).toBeGreaterThan(4);
    for (const line of readFileSync(kept, 'utf8').trim().split('\n')) expect(JSON.parse(line).p_excellent).toBeGreaterThanOrEqual(0.05);

    // C: SFT on the kept records, loss on the final response.
    const C = join(dir, 'sft');
    const c = tabtune('train', '--recipe', 's3ft-sft', '--model', MODEL, '--data', kept, '--out', C,
      '--steps', '2', '--batch', '2', '--lr', '0.005', '--val-fraction', '0.2', '--seq-len', '192', '--engine', 'wasm', '--quiet');
    expect(c.code, c.stderr).toBe(0);
    const sc = lastJson(c.stdout);
    expect(sc).toMatchObject({ ok: true, recipe: 's3ft-sft', steps: 2, s3ft: { systemRole: true, lossOn: 'final', skipped: 0 } });
    expect(sc.s3ft.records).toBe(sb.kept);
    expect(sc.valLossBefore).toBeGreaterThan(0);
    expect(sc.valLossAfter).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(C, 'tabtune.json'), 'utf8')).recipe).toBe('s3ft-sft');

    // A non-discriminator adapter is refused by the filter (one line, exit 2).
    const wrong = tabtune('train', '--recipe', 's3ft-filter', '--model', MODEL, '--adapter', C, '--data', SAMPLE, '--out', join(dir, 'x.jsonl'));
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr.trim().split('\n').at(-1)).toMatch(/not an S3FT discriminator adapter \(tabtune.json recipe is "s3ft-sft"/);
  });

  it('bad input: one line, exit 2', () => {
    const noAdapter = tabtune('train', '--recipe', 's3ft-filter', '--model', MODEL, '--data', SAMPLE, '--out', join(dir, 'k.jsonl'));
    expect(noAdapter.code, noAdapter.stderr).toBe(2);
    expect(noAdapter.stderr.trim()).toBe('tabtune: --recipe s3ft-filter needs --adapter <dir> (the s3ft-discriminator output)');

    const lossOn = tabtune('train', '--recipe', 's3ft-discriminator', '--model', MODEL, '--data', LABELLED, '--out', join(dir, 'y'), '--loss-on', 'final');
    expect(lossOn.code).toBe(2);
    expect(lossOn.stderr.trim()).toBe('tabtune: --loss-on goes with --recipe s3ft-sft');

    const badLabels = join(dir, 'bad-labels.jsonl');
    writeFileSync(badLabels, `${JSON.stringify({ system: 's', prompt: 'q', response: 'r', label: 'good' })}\n{not json\n`);
    const bl = tabtune('train', '--recipe', 's3ft-discriminator', '--model', MODEL, '--data', badLabels, '--out', join(dir, 'z'), '--engine', 'wasm');
    expect(bl.code, bl.stderr).toBe(2);
    expect(bl.stderr.trim().split('\n').at(-1)).toMatch(/^tabtune: .*bad-labels\.jsonl: no usable S3FT record \(2 read as jsonl; rejected: 1 bad-label, 1 not-json\)/);
    expect(bl.stderr.trim().split('\n').at(-1)).toMatch(/First problems: line 1: label "good" is not one of excellent, incoherent, ignores_system, both, not_applicable; line 2 is not JSON/);
  });
});
