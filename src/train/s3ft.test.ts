import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../formats/tokenizer.ts';
import { S3FT_LABELS, discriminatorRecord, type S3ftLabel, type S3ftRecord } from '../data/s3ft.ts';
import { buildExample } from '../data/template.ts';
import {
  binaryMetrics,
  chooseThreshold,
  confusionMatrix,
  evaluateDiscriminator,
  firstTokenApplies,
  formatConfusion,
  scoreRecords,
  type LogitsFn,
  type Scored,
} from './s3ft.ts';

const TINY = 'public/models/tabtune-tiny';
const tiny = loadTokenizer(readFileSync(`${TINY}/tokenizer.json`, 'utf8'), readFileSync(`${TINY}/tokenizer_config.json`, 'utf8'));
const V = tiny.vocabSize;
const IM_END = tiny.specialTokenId('<|im_end|>')!;

const scoredOf = (id: string, probs: number[]): Scored => {
  let best = 0;
  probs.forEach((p, k) => { if (p > probs[best]) best = k; });
  return { id, probs, predicted: S3FT_LABELS[best], pExcellent: probs[0] };
};

describe('confusion matrix and accuracy (hand-computed)', () => {
  it('rows are true labels, columns predictions, in S3FT_LABELS order', () => {
    const truth: S3ftLabel[] = ['excellent', 'excellent', 'incoherent', 'both', 'not_applicable', 'ignores_system'];
    const pred: S3ftLabel[] = ['excellent', 'incoherent', 'incoherent', 'excellent', 'not_applicable', 'both'];
    expect(confusionMatrix(truth, pred)).toEqual([
      [1, 1, 0, 0, 0], // excellent: 1 right, 1 called incoherent
      [0, 1, 0, 0, 0], // incoherent
      [0, 0, 0, 1, 0], // ignores_system called both
      [1, 0, 0, 0, 0], // both called excellent
      [0, 0, 0, 0, 1], // not_applicable
    ]);
    expect(() => confusionMatrix(truth, pred.slice(1))).toThrow(/6 labels but 5 predictions/);
  });

  it('evaluateDiscriminator: accuracy 3/6, support, mean P(true label), binary view at a threshold', () => {
    const scores = [
      scoredOf('a', [0.7, 0.1, 0.1, 0.05, 0.05]), // excellent → excellent
      scoredOf('b', [0.3, 0.4, 0.1, 0.1, 0.1]), // excellent → incoherent
      scoredOf('c', [0.2, 0.5, 0.1, 0.1, 0.1]), // incoherent → incoherent
      scoredOf('d', [0.6, 0.1, 0.1, 0.1, 0.1]), // both → excellent
      scoredOf('e', [0.1, 0.1, 0.1, 0.1, 0.6]), // not_applicable → not_applicable
      scoredOf('f', [0.1, 0.1, 0.3, 0.4, 0.1]), // ignores_system → both
    ];
    const truth: S3ftLabel[] = ['excellent', 'excellent', 'incoherent', 'both', 'not_applicable', 'ignores_system'];
    const e = evaluateDiscriminator(scores, truth, 0.5);
    expect(e.n).toBe(6);
    expect(e.accuracy).toBeCloseTo(3 / 6, 12);
    expect(e.support).toEqual({ excellent: 2, incoherent: 1, ignores_system: 1, both: 1, not_applicable: 1 });
    // P(true): 0.7, 0.3, 0.5, 0.1, 0.6, 0.3 → mean 2.5 / 6
    expect(e.meanTrueProb).toBeCloseTo(2.5 / 6, 12);
    // keep P(excellent) ≥ 0.5: a (excellent) and d (both) → tp 1, fp 1; b is a missed excellent; c, e, f rejected rightly
    expect(e.excellent).toEqual({ threshold: 0.5, tp: 1, fp: 1, fn: 1, tn: 3, precision: 0.5, recall: 0.5, f1: 0.5, accuracy: 4 / 6 });
    expect(evaluateDiscriminator(scores, truth).excellent).toBeNull();
    const text = formatConfusion(e);
    expect(text.split('\n')).toHaveLength(6);
    expect(text.split('\n')[1]).toMatch(/^excellent\s+1\s+1\s+0\s+0\s+0$/);
  });
});

describe('threshold selection (hand-computed)', () => {
  //            P(excellent): 0.9   0.8    0.7   0.6    0.4   0.2
  const scores = [0.9, 0.8, 0.7, 0.6, 0.4, 0.2];
  const pos = [true, false, true, true, false, false];

  it('binaryMetrics at each cut', () => {
    // t = 0.6: keep 0.9 0.8 0.7 0.6 → tp 3, fp 1, fn 0, tn 2; P 3/4, R 1, F1 6/7, acc 5/6
    const m = binaryMetrics(scores, pos, 0.6);
    expect(m).toMatchObject({ tp: 3, fp: 1, fn: 0, tn: 2 });
    expect(m.precision).toBeCloseTo(0.75, 12);
    expect(m.recall).toBe(1);
    expect(m.f1).toBeCloseTo(6 / 7, 12);
    expect(m.accuracy).toBeCloseTo(5 / 6, 12);
    // t = 0.95: keep nothing → P = R = F1 = 0, acc 3/6
    expect(binaryMetrics(scores, pos, 0.95)).toEqual({ threshold: 0.95, tp: 0, fp: 0, fn: 3, tn: 3, precision: 0, recall: 0, f1: 0, accuracy: 0.5 });
    // t = 0: keep all → P 1/2, R 1, F1 2/3
    expect(binaryMetrics(scores, pos, 0).f1).toBeCloseTo(2 / 3, 12);
  });

  it('F1: candidates are the scores; 0.6 wins (F1 6/7 beats 0.9: 1/2, 0.8: 2/3·… , 0.7: 4/5, 0.4: 3/4, 0.2: 2/3)', () => {
    // t=0.9: tp1 fp0 fn2 → P1 R1/3 F1 1/2; t=0.8: tp1 fp1 → P1/2 R1/3 F1 0.4; t=0.7: tp2 fp1 → P2/3 R2/3 F1 2/3;
    // t=0.6: F1 6/7; t=0.4: tp3 fp2 → P3/5 R1 F1 3/4; t=0.2: F1 2/3.
    const best = chooseThreshold(scores, pos, 'f1');
    expect(best.threshold).toBe(0.6);
    expect(best.f1).toBeCloseTo(6 / 7, 12);
  });

  it('accuracy: 0.6 (5/6) as well; ties go to the higher F1, then to the higher threshold', () => {
    expect(chooseThreshold(scores, pos, 'accuracy').threshold).toBe(0.6);
    // Two cuts with the same F1 and accuracy: keep the pickier one.
    //  scores 0.9(+) 0.5(−) 0.3(+): t=0.9 → tp1 fn1 tn1: F1 2/3, acc 2/3; t=0.3 → tp2 fp1: F1 4/5, acc 2/3; t=0.5 → F1 1/2
    expect(chooseThreshold([0.9, 0.5, 0.3], [true, false, true], 'f1').threshold).toBe(0.3);
    expect(chooseThreshold([0.9, 0.5, 0.3], [true, false, true], 'accuracy').threshold).toBe(0.3); // same acc, higher F1
    // scores 0.8(+) 0.6(−) 0.4(+) 0.2(−): t=0.8 → F1 2/3 acc 3/4; t=0.4 → tp2 fp1 → F1 4/5, acc 3/4
    expect(chooseThreshold([0.8, 0.6, 0.4, 0.2], [true, false, true, false], 'accuracy').threshold).toBe(0.4);
    // Exact tie on both metrics: all negatives → every cut has F1 0; accuracy is best with the highest cut.
    expect(chooseThreshold([0.3, 0.7], [false, false], 'f1').threshold).toBe(0.7);
    expect(() => chooseThreshold([], [], 'f1')).toThrow(/no labelled records/);
  });
});

// --- scoring with a fake model ---------------------------------------------------------------------------

const rec = (r: Partial<S3ftRecord>): S3ftRecord => ({ id: 'r', line: 1, system: 'Answer in one sentence only.', history: [], prompt: 'What is pi?', response: 'Pi is about 3.14.', label: 'excellent', ...r });

/** A fake model: logits 0 except the values `favour(row, t)` gives for position t of a row; records its calls. */
function fakeLogits(favour: (row: Int32Array, t: number) => Map<number, number>): LogitsFn & { calls: { B: number; T: number }[] } {
  const calls: { B: number; T: number }[] = [];
  const f = (async (tokens: Int32Array, B: number, T: number) => {
    calls.push({ B, T });
    const out = new Float32Array(B * T * V);
    for (let b = 0; b < B; b++) {
      const row = tokens.subarray(b * T, (b + 1) * T);
      for (let t = 0; t < T; t++) for (const [id, v] of favour(row, t)) out[(b * T + t) * V + id] = v;
    }
    return out;
  }) as LogitsFn & { calls: { B: number; T: number }[] };
  f.calls = calls;
  return f;
}

describe('scoring (a fake model with known logits)', () => {
  const firsts = S3FT_LABELS.map((l) => tiny.encode(l, { addSpecialTokens: false })[0]);
  const records = [rec({ id: 'short', prompt: 'Hi?' }), rec({ id: 'long', prompt: 'What is the capital city of a large country far away?' })];
  const norm = records.map((r) => discriminatorRecord(r));

  it('first-token applies on tabtune-tiny', () => {
    expect(firstTokenApplies(tiny, norm[0])).toBe(true);
  });

  it('first-token: softmax over the labels\' first-token logits at the last prompt position; input order kept', async () => {
    // Logit ln(k+1) for label k's first token everywhere → probs ∝ 1..5 → k/15.
    const model = fakeLogits(() => new Map(firsts.map((id, k) => [id, Math.log(k + 1)])));
    const { method, scores } = await scoreRecords(model, tiny, norm, { vocabSize: V, batchSize: 8 });
    expect(method).toBe('first-token');
    expect(scores.map((s) => s.id)).toEqual(['short', 'long']);
    for (const s of scores) {
      s.probs.forEach((p, k) => expect(p).toBeCloseTo((k + 1) / 15, 6));
      expect(s.predicted).toBe('not_applicable');
      expect(s.pExcellent).toBeCloseTo(1 / 15, 6);
    }
    // one forward pass for both records (batch 8), rows padded to the longer prompt
    expect(model.calls).toHaveLength(1);
    const promptLen = (r: typeof norm[0]) => buildExample(tiny, r, { mode: 'sft', maxLen: 4096 }).lossMask.indexOf(1);
    expect(model.calls[0]).toEqual({ B: 2, T: Math.max(...norm.map(promptLen)) });
  });

  it('first-token reads the logits at each prompt\'s own last position, never at padding', async () => {
    // Padding positions favour "both"; real tokens favour "excellent". The short row is padded to the long one.
    const pad = tiny.padId ?? 0;
    const model = fakeLogits((row, t) => new Map([[row[t] === pad ? firsts[3] : firsts[0], 5]]));
    const { scores } = await scoreRecords(model, tiny, norm, { vocabSize: V, batchSize: 2 });
    expect(model.calls[0].B).toBe(2);
    expect(scores.map((s) => s.predicted)).toEqual(['excellent', 'excellent']);
    expect(scores[0].pExcellent).toBeCloseTo(Math.exp(5) / (Math.exp(5) + 4), 6);
  });

  it('sequence: sums log P over the label tokens and <|im_end|>, softmax over the five labels', async () => {
    // Uniform logits except <|im_end|> gets +3 → each target token costs log(V) (or log(V−1+e³) − 3 for im_end);
    // a label with n tokens scores −n·log(Z) + (3 − log Z): shorter labels win, in closed form.
    const Z = V - 1 + Math.exp(3);
    const model = fakeLogits(() => new Map([[IM_END, 3]]));
    const { method, scores } = await scoreRecords(model, tiny, norm, { vocabSize: V, method: 'sequence', batchSize: 10 });
    expect(method).toBe('sequence');
    const n = S3FT_LABELS.map((l) => tiny.encode(l, { addSpecialTokens: false }).length);
    const logp = n.map((k) => -k * Math.log(Z) + (3 - Math.log(Z)));
    const m = Math.max(...logp);
    const want = logp.map((x) => Math.exp(x - m));
    const sum = want.reduce((a, b) => a + b, 0);
    for (const s of scores) s.probs.forEach((p, k) => expect(p).toBeCloseTo(want[k] / sum, 6));
    expect(scores[0].predicted).toBe('excellent'); // 1 token on tabtune-tiny
    // batch 10 rows = 2 records × 5 labels in one pass
    expect(model.calls.map((c) => c.B)).toEqual([10]);
  });
});
