import { describe, expect, it } from 'vitest';
import type { RoleBenchEvalInfo } from '../protocol.ts';
import { confusionTable, formatProb, formatRouge, keptCount, perRoleRows, positionForThreshold, rougeTable, sortScores, thresholdAtPosition } from './recipe-format.ts';

const g = (rougeL: number | null, n = rougeL === null ? 0 : 2) => ({ n, rougeL });
const ev = (step: number, perRole: RoleBenchEvalInfo['perRole']): RoleBenchEvalInfo => ({
  step, overall: g(0.1234), cus: g(0.2), spe: g(0.05), raw: g(null), rawNote: 'no raw answers', perRole,
});

describe('RoleBench table', () => {
  it('one row per evaluation: step, overall, CUS, SPE, RAW, then each role (union, first appearance)', () => {
    const t = rougeTable([
      ev(0, { Ann: { overall: g(0.1), cus: g(0.2), spe: g(null) } }),
      ev(4, { Ann: { overall: g(0.3), cus: g(0.3), spe: g(null) }, Bob: { overall: g(0.25), cus: g(null), spe: g(0.25) } }),
    ]);
    expect(t.header).toEqual(['step', 'overall', 'CUS', 'SPE', 'RAW', 'Ann', 'Bob']);
    expect(t.rows).toEqual([
      ['0 (base)', '0.123', '0.200', '0.050', '—', '0.100', '—'],
      ['4', '0.123', '0.200', '0.050', '—', '0.300', '0.250'],
    ]);
    expect(t.roles).toEqual(['Ann', 'Bob']);
  });

  it('per-role rows and the number formats', () => {
    expect(perRoleRows(ev(2, { Ann: { overall: g(0.5, 3), cus: g(1), spe: g(0) } }))).toEqual([['Ann', '0.500', '1.000', '0.000', '3']]);
    expect(formatRouge(undefined)).toBe('—');
    expect(formatRouge(g(null))).toBe('—');
    expect(rougeTable([])).toEqual({ header: ['step', 'overall', 'CUS', 'SPE', 'RAW'], rows: [], roles: [] });
  });
});

describe('S3FT confusion matrix', () => {
  const labels = ['excellent', 'incoherent', 'ignores_system', 'both', 'not_applicable'];
  it('short column names, row totals, the diagonal', () => {
    const confusion = [
      [2, 1, 0, 0, 0],
      [0, 3, 0, 0, 0],
      [1, 0, 0, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0],
    ];
    const t = confusionTable({ labels, confusion });
    expect(t.header).toEqual(['true \\ predicted', 'exc', 'inc', 'ign', 'both', 'n/a', 'n']);
    expect(t.rows.map((r) => [r.label, r.total])).toEqual([['excellent', 3], ['incoherent', 3], ['ignores_system', 1], ['both', 1], ['not_applicable', 0]]);
    expect(t.rows[0].cells).toEqual([2, 1, 0, 0, 0]);
    expect(t.rows[0].cells).not.toBe(confusion[0]); // a copy
    expect([t.correct, t.n]).toEqual([6, 8]);
  });
  it('refuses a matrix that does not match the labels', () => {
    expect(() => confusionTable({ labels, confusion: [[1]] })).toThrow(/5-label/);
  });
});

describe('S3FT threshold slider', () => {
  const scores = [0.003, 0.001, 0.004, 0.002, 0.002];
  const sorted = sortScores(scores);
  it('positions step through the scores; ties move together', () => {
    expect(sorted).toEqual([0.001, 0.002, 0.002, 0.003, 0.004]);
    expect([0, 1, 2, 3, 4, 5].map((k) => thresholdAtPosition(sorted, k))).toEqual([0.001, 0.002, 0.002, 0.003, 0.004, Infinity]);
    expect([0, 1, 2, 3, 4, 5].map((k) => keptCount(scores, thresholdAtPosition(sorted, k)))).toEqual([5, 4, 4, 2, 1, 0]);
    expect(thresholdAtPosition(sorted, -3)).toBe(0.001);
    expect(thresholdAtPosition(sorted, 99)).toBe(Infinity);
  });
  it('a threshold between scores maps to the position that keeps the same records', () => {
    for (const t of [0, 0.0015, 0.002, 0.0035, 0.5]) {
      expect(keptCount(scores, thresholdAtPosition(sorted, positionForThreshold(sorted, t)))).toBe(keptCount(scores, t));
    }
    expect(positionForThreshold(sorted, 0.0035)).toBe(4);
  });
  it('probabilities: 4 decimals, exponent form below 0.001', () => {
    expect([formatProb(0.5), formatProb(0.0035), formatProb(0.00042), formatProb(0), formatProb(Infinity)]).toEqual(['0.5000', '0.0035', '4.20e-4', '0.0000', '—']);
  });
});
