import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { quantize, type QuantDtype, type QuantizedMatrix } from '../../engine/quant.ts';
import type { Gpu } from '../../gpu/gpu.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { QMATMUL_BACKWARD_TILE, QMATMUL_FORWARD_TILE, freeQuantized, qmatmulBackward, qmatmulForward, uploadQuantized } from './qmatmul.ts';
import forwardCode from './qmatmul.wgsl?raw';
import backwardCode from './qmatmul.backward.wgsl?raw';
import { qmatmul_backward_cpu, qmatmul_forward_cpu } from './qmatmul.ref.ts';

/** The value of `const NAME: u32 = Vu;` in WGSL source. */
function wgslConst(code: string, name: string): number {
  const m = new RegExp(`const ${name}: u32 = (\\d+)u;`).exec(code);
  if (!m) throw new Error(`no const ${name} in the shader`);
  return Number(m[1]);
}

describe('qmatmul tiles', () => {
  // A dispatch sized for a smaller tile than the shader's still gives right answers (threads past the
  // end return), so the numeric tests would not notice that kind of drift: check it here.
  it('dispatch tiles in qmatmul.ts match the consts in the shaders', () => {
    expect(wgslConst(forwardCode, 'WG')).toBe(QMATMUL_FORWARD_TILE.wg);
    expect(wgslConst(forwardCode, 'TO')).toBe(QMATMUL_FORWARD_TILE.outs);
    expect(wgslConst(forwardCode, 'TN')).toBe(QMATMUL_FORWARD_TILE.rows);
    expect(forwardCode).toContain(`@workgroup_size(${QMATMUL_FORWARD_TILE.wg})`);
    expect(wgslConst(backwardCode, 'WG')).toBe(QMATMUL_BACKWARD_TILE.wg);
    expect(wgslConst(backwardCode, 'TN')).toBe(QMATMUL_BACKWARD_TILE.rows);
    expect(backwardCode).toContain(`@workgroup_size(${QMATMUL_BACKWARD_TILE.wg})`);
  });
});

// Sizes that divide neither the register tiles (8 rows × 8 outputs forward, 8 rows × 8 columns
// backward, 64 threads per workgroup) nor, for IN = 200, the 32-wide quant block. N = 1 (and N = 3
// below) run the forward's one-row entry point, N ≥ 4 the 8-row one.
const NS = [1, 7, 70];
const INS = [32, 96, 200];
const OUTS = [5, 64, 130];
// Every IN % 4 and OUT % 4 (the vec4 tails of x and dy), both forward entry points (N < 4 and N ≥ 4).
const TAIL_SHAPES = [[9, 33, 67], [3, 1, 5], [4, 67, 9], [5, 34, 3], [70, 200, 130]];

function randomWeight(rng: Rng, out: number, inn: number, dtype: QuantDtype): QuantizedMatrix {
  return quantize(rng.normals(out * inn, 0.2), out, inn, dtype);
}

interface FwdOpts { alpha?: number; bias?: Float32Array; accumulate?: Float32Array }

async function forwardOnce(gpu: Gpu, x: Float32Array, q: QuantizedMatrix, N: number, o: FwdOpts = {}): Promise<Float32Array> {
  const before = gpu.liveBufferCount;
  const xb = gpu.upload('x', x);
  const w = uploadQuantized(gpu, q, 'W');
  const y = o.accumulate ? gpu.upload('y', o.accumulate) : gpu.createBuffer('y', N * q.rows * 4);
  const bias = o.bias ? gpu.upload('bias', o.bias) : undefined;
  let made: GPUBuffer[] = [];
  gpu.run((pass) => { made = qmatmulForward(gpu, pass, { x: xb, w, y, N, bias, alpha: o.alpha, accumulate: !!o.accumulate }); });
  const out = await gpu.readF32(y, N * q.rows);
  gpu.destroyAll([xb, y, ...made, ...(bias ? [bias] : [])]);
  freeQuantized(gpu, w);
  expect(gpu.liveBufferCount).toBe(before);
  return out;
}

async function backwardOnce(gpu: Gpu, dy: Float32Array, q: QuantizedMatrix, N: number, o: { alpha?: number; accumulate?: Float32Array } = {}): Promise<Float32Array> {
  const before = gpu.liveBufferCount;
  const dyb = gpu.upload('dy', dy);
  const w = uploadQuantized(gpu, q, 'W');
  const dx = o.accumulate ? gpu.upload('dx', o.accumulate) : gpu.createBuffer('dx', N * q.cols * 4);
  let made: GPUBuffer[] = [];
  gpu.run((pass) => { made = qmatmulBackward(gpu, pass, { dy: dyb, w, dx, N, alpha: o.alpha, accumulate: !!o.accumulate }); });
  const out = await gpu.readF32(dx, N * q.cols);
  gpu.destroyAll([dyb, dx, ...made]);
  freeQuantized(gpu, w);
  expect(gpu.liveBufferCount).toBe(before);
  return out;
}

for (const dtype of ['int8', 'int4', 'f16'] as const) {
  describe(`qmatmul ${dtype} (WebGPU vs float64 CPU on the dequantized weight)`, () => {
    it('all shapes N × IN × OUT, forward and backward', async () => {
      const gpu = await testGpu();
      for (const N of NS) {
        for (const IN of INS) {
          for (const OUT of OUTS) {
            const rng = new Rng(N * 100_000 + IN * 1000 + OUT + (dtype === 'int4' ? 7 : 0));
            const q = randomWeight(rng, OUT, IN, dtype);
            const x = rng.fill(N * IN);
            const dy = rng.fill(N * OUT);
            const shape = `N=${N} IN=${IN} OUT=${OUT}`;
            expectClose(await forwardOnce(gpu, x, q, N), qmatmul_forward_cpu(x, q, N), TOL.strict, `${dtype} forward ${shape}`);
            expectClose(await backwardOnce(gpu, dy, q, N), qmatmul_backward_cpu(dy, q, N), TOL.strict, `${dtype} backward ${shape}`);
          }
        }
      }
    });

    it('forward with bias, alpha and accumulate; every IN % 4 and OUT % 4', async () => {
      const gpu = await testGpu();
      const rng = new Rng(11);
      for (const [N, IN, OUT] of TAIL_SHAPES) {
        const q = randomWeight(rng, OUT, IN, dtype);
        const x = rng.fill(N * IN), bias = rng.fill(OUT), y0 = rng.fill(N * OUT);
        const shape = `N=${N} IN=${IN} OUT=${OUT}`;
        expectClose(await forwardOnce(gpu, x, q, N, { bias, alpha: 0.5 }), qmatmul_forward_cpu(x, q, N, { bias, alpha: 0.5 }), TOL.strict, `y = 0.5·x·Wᵀ + b ${shape}`);
        expectClose(await forwardOnce(gpu, x, q, N, { accumulate: y0, alpha: -2 }), qmatmul_forward_cpu(x, q, N, { accumulate: y0, alpha: -2 }), TOL.strict, `y += −2·x·Wᵀ ${shape}`);
        expectClose(await forwardOnce(gpu, x, q, N, { bias, accumulate: y0 }), qmatmul_forward_cpu(x, q, N, { bias, accumulate: y0 }), TOL.strict, `y += x·Wᵀ + b ${shape}`);
      }
    });

    it('backward with alpha and accumulate; every IN % 4 and OUT % 4', async () => {
      const gpu = await testGpu();
      const rng = new Rng(12);
      for (const [N, IN, OUT] of TAIL_SHAPES) {
        const q = randomWeight(rng, OUT, IN, dtype);
        const dy = rng.fill(N * OUT), dx0 = rng.fill(N * IN);
        const shape = `N=${N} IN=${IN} OUT=${OUT}`;
        expectClose(await backwardOnce(gpu, dy, q, N, { alpha: 0.25 }), qmatmul_backward_cpu(dy, q, N, { alpha: 0.25 }), TOL.strict, `dx = 0.25·dy·W ${shape}`);
        expectClose(await backwardOnce(gpu, dy, q, N, { accumulate: dx0, alpha: 3 }), qmatmul_backward_cpu(dy, q, N, { accumulate: dx0, alpha: 3 }), TOL.strict, `dx += 3·dy·W ${shape}`);
      }
    });

    it('all-zero blocks (d = 0, and −0 for int4) give exact zeros, not NaN', async () => {
      const gpu = await testGpu();
      const [N, IN, OUT] = [5, 64, 6];
      const W = new Rng(13).normals(OUT * IN, 0.2);
      W.fill(0, 0, 32); // row 0, block 0
      W.fill(0, 3 * IN, 4 * IN); // row 3 entirely
      const q = quantize(W, OUT, IN, dtype);
      const x = new Rng(14).fill(N * IN);
      const y = await forwardOnce(gpu, x, q, N);
      expectClose(y, qmatmul_forward_cpu(x, q, N), TOL.strict, 'forward with zero blocks');
      for (let n = 0; n < N; n++) expect(y[n * OUT + 3]).toBe(0);
    });
  });
}
