import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { isSoftwareAdapter, type Gpu } from '../../gpu/gpu.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { MATMUL_REGTILE, MATMUL_VARIANTS, chooseMatmulVariant, matmul, matmulOnce, setMatmulVariant, type MatmulVariant } from './matmul.ts';
import { matmul_cpu } from './matmul.ref.ts';
import regtileCode from './matmul_regtile.wgsl?raw';

// Every variant is tested on every adapter, whatever 'auto' would pick there ('quad' only where the
// device has subgroups; elsewhere it must refuse). Shapes divide none of the tiles — 'shared' 64×64
// with a 16-deep k step, 'regtile' 16×8 per thread with a 4-deep k step, 'quad' 16×32 per quad — and
// cover M or N of 1, 3 and 17 (LoRA-rank sized), K of 1 and 33 (only the K % 4 tail), 129 (tail after
// full steps) and 64 (no tail), several tiles in both directions, and quads that are partly past N.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 17, 33],
  [17, 3, 129],
  [17, 40, 1],
  [1, 70, 64],
  [70, 1, 33],
  [65, 63, 17],
  [130, 70, 129],
];

/** The value of `const NAME: u32 = Vu;` in WGSL source. */
function wgslConst(code: string, name: string): number {
  const m = new RegExp(`const ${name}: u32 = (\\d+)u;`).exec(code);
  if (!m) throw new Error(`no const ${name} in the shader`);
  return Number(m[1]);
}

interface Case { M: number; N: number; K: number; transA: boolean; transB: boolean; alpha: number; accumulate: boolean }

/** C = alpha·op(A)·op(B) (+ C0) with `variant` on the GPU, checked against matmul_cpu; frees everything. */
async function check(gpu: Gpu, variant: MatmulVariant | undefined, c: Case, seed: number, lo = -1): Promise<void> {
  const { M, N, K, transA, transB, alpha } = c;
  const rng = new Rng(seed);
  const A = rng.fill(M * K, lo), B = rng.fill(K * N, lo), C0 = rng.fill(M * N);
  const before = gpu.liveBufferCount;
  const a = gpu.upload('A', A), b = gpu.upload('B', B), cb = gpu.upload('C', C0);
  let params: GPUBuffer | undefined;
  gpu.run((pass) => { params = matmul(gpu, pass, { A: a, B: b, C: cb, M, N, K, transA, transB, alpha, accumulate: c.accumulate, variant }); });
  const got = await gpu.readF32(cb, M * N);
  gpu.destroyAll([a, b, cb, params!]);
  expect(gpu.liveBufferCount).toBe(before);
  const want = matmul_cpu(A, B, M, N, K, { transA, transB, alpha, accumulate: c.accumulate ? C0 : undefined });
  expectClose(got, want, TOL.strict, `${variant ?? 'auto'} ${JSON.stringify(c)}`);
}

describe('matmul variants (WebGPU vs CPU reference)', () => {
  afterEach(() => setMatmulVariant('auto'));

  it('the per-thread tile in matmul.ts matches the consts in matmul_regtile.wgsl', () => {
    expect(wgslConst(regtileCode, 'TM')).toBe(MATMUL_REGTILE.rows);
    expect(wgslConst(regtileCode, 'TN')).toBe(MATMUL_REGTILE.cols);
  });

  for (const variant of MATMUL_VARIANTS) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${variant} transA=${transA} transB=${transB}, accumulate and not, ${SHAPES.length} shapes`, async () => {
          const gpu = await testGpu();
          if (variant === 'quad' && !gpu.hasSubgroups) {
            const none = {} as GPUBuffer; // refused before any buffer or the pass is touched
            expect(() => matmul(gpu, {} as GPUComputePassEncoder, { A: none, B: none, C: none, M: 1, N: 1, K: 1, variant })).toThrow(/subgroups/);
            return;
          }
          for (const [M, N, K] of SHAPES) {
            for (const accumulate of [false, true]) {
              const seed = M * 10007 + N * 101 + K + (transA ? 7 : 0) + (transB ? 13 : 0) + (accumulate ? 17 : 0);
              await check(gpu, variant, { M, N, K, transA, transB, alpha: accumulate ? 0.5 : 1.25, accumulate }, seed);
            }
          }
        });
      }
    }
  }

  // K = V: the LM head's dX = dlogits·W at a 49152-token vocabulary. Inputs are ≥ 0, so no entry is a
  // cancellation that f32 summation over 49153 terms could not meet TOL.strict on. On CPU adapters
  // 'shared' gets K = 12289 (768 k steps; its loop is the same at any K): its one workgroup needs ~8 s
  // for 49153 there, 3072 barrier-separated steps.
  it('K = 49153 on every variant', async () => {
    const gpu = await testGpu();
    for (const variant of MATMUL_VARIANTS) {
      if (variant === 'quad' && !gpu.hasSubgroups) continue; // its refusal is tested above
      const K = variant === 'shared' && isSoftwareAdapter(gpu.adapter) ? 12289 : 49153;
      await check(gpu, variant, { M: 3, N: 33, K, transA: false, transB: false, alpha: 1, accumulate: false }, 3, 0);
      await check(gpu, variant, { M: 17, N: 2, K, transA: true, transB: true, alpha: 1, accumulate: true }, 4, 0);
    }
  });

  it("'auto' follows the adapter and the shape; setMatmulVariant and args.variant override it", async () => {
    const gpu = await testGpu();
    const shape = (N: number) => ({ M: 128, N, K: 128 });
    if (isSoftwareAdapter(gpu.adapter)) {
      expect(chooseMatmulVariant(gpu, shape(16))).toBe('regtile');
      expect(chooseMatmulVariant(gpu, shape(352))).toBe(gpu.hasSubgroups ? 'quad' : 'regtile');
    } else {
      expect(chooseMatmulVariant(gpu, shape(16))).toBe('shared');
      expect(chooseMatmulVariant(gpu, shape(352))).toBe('shared');
    }
    setMatmulVariant('shared');
    expect(chooseMatmulVariant(gpu, shape(16))).toBe('shared');
    expect(chooseMatmulVariant(gpu, { ...shape(16), variant: 'regtile' })).toBe('regtile');
    setMatmulVariant('auto');
    // and the default path end to end (what the engine calls)
    await check(gpu, undefined, { M: 33, N: 47, K: 21, transA: false, transB: true, alpha: 1, accumulate: true }, 5);
    const rng = new Rng(6);
    const A = rng.fill(5 * 7), B = rng.fill(7 * 3);
    expectClose(await matmulOnce(gpu, A, B, 5, 3, 7), matmul_cpu(A, B, 5, 3, 7), TOL.strict, 'matmulOnce');
  });
});
