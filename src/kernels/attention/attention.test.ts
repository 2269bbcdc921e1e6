import { describe, expect, it } from 'vitest';
import { headsPerThread, keyRowsPerThread, unrollLoops } from './attention.ts';

describe('attention shader specialisation', () => {
  it('unrollLoops writes out nested loops with literal indices, innermost first', () => {
    const code = 'fn f() { for (var h = 0u; h < HG; h++) { for (var j = 0u; j < D4; j++) { acc[h][j] += x[j]; } } for (var i = 0u; i < N; i++) { y(i); } }';
    const out = unrollLoops(code, { D4: 2, HG: 2, RS: 1 });
    expect(out).not.toMatch(/for \(var [hj] /);
    expect(out).toContain('for (var i = 0u; i < N; i++)'); // loops over other bounds stay rolled
    for (const h of [0, 1]) for (const j of [0, 1]) expect(out).toContain(`acc[${h}u][${j}u] += x[${j}u];`);
    expect(out.match(/\{/g)!.length).toBe(out.match(/\}/g)!.length);
  });

  it('unrollLoops leaves loops over the head dim rolled without D4 and refuses unbalanced braces', () => {
    const code = 'for (var j = 0u; j < D4; j++) { a[j] = 0.0; } for (var r = 0u; r < RS; r++) { b[r] = 1.0; }';
    const out = unrollLoops(code, { HG: 1, RS: 2 });
    expect(out).toContain('for (var j = 0u; j < D4; j++)');
    expect(out).toContain('b[0u] = 1.0;');
    expect(out).toContain('b[1u] = 1.0;');
    expect(() => unrollLoops('for (var r = 0u; r < RS; r++) { b[r] = 1.0;', { HG: 1, RS: 2 })).toThrow(/unbalanced/);
  });

  it('register tiling keeps HG·D and RS·D within one D = 128 head', () => {
    expect(headsPerThread(4, 2, 32)).toBe(2); // tiny
    expect(headsPerThread(9, 3, 64)).toBe(1); // SmolLM2: 3·64 > 128
    expect(headsPerThread(8, 2, 32)).toBe(4);
    expect(headsPerThread(6, 1, 16)).toBe(3);
    expect(headsPerThread(4, 4, 8)).toBe(1); // plain multi-head
    expect(keyRowsPerThread(32, true)).toBe(4);
    expect(keyRowsPerThread(32, false)).toBe(2);
    expect(keyRowsPerThread(64, true)).toBe(2);
    expect(keyRowsPerThread(128, true)).toBe(1);
  });
});
