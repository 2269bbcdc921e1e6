import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { quantize, type QuantDtype, type QuantizedMatrix } from '../../engine/quant.ts';
import { isSoftwareAdapter, type Gpu } from '../../gpu/gpu.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { QMATMUL_BACKWARD_TILE, QMATMUL_FORWARD_TILE, QMATMUL_VARIANTS, chooseQmatmulVariant, freeQuantized, qmatmulBackward, qmatmulForward, uploadQuantized, type QmatmulVariant } from './qmatmul.ts';
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
    expect(wgslConst(forwardCode, 'TO')).toBe(QMATMUL_FORWARD_TILE.outs);
    expect(wgslConst(forwardCode, 'TM')).toBe(QMATMUL_FORWARD_TILE.rows);
    expect(wgslConst(backwardCode, 'TM')).toBe(QMATMUL_BACKWARD_TILE.rows);
    for (const code of [forwardCode, backwardCode]) expect(code).toContain('@workgroup_size(WG)');
  });
});

// Sizes that divide neither the register tiles (16 rows × 8 outputs forward, 16 rows × 8 columns
// backward) nor, for IN = 200, the 32-wide quant block (whole blocks run the fast step, the rest one k
// at a time). N = 1 (and N = 3 below) run the forward's one-row entry point, N ≥ 4 the 16-row one.
const NS = [1, 7, 70];
const INS = [32, 96, 200];
const OUTS = [5, 64, 130];
// Every IN % 4 and OUT % 4 (the backward walks OUT 4 rows of W at a time, the rest one by one), IN
// below one block (no fast step at all), both forward entry points (N < 4 and N ≥ 4), N one past a tile.
const TAIL_SHAPES = [[9, 33, 67], [3, 1, 5], [4, 67, 9], [5, 34, 3], [17, 64, 16], [70, 200, 130]];

function randomWeight(rng: Rng, out: number, inn: number, dtype: QuantDtype): QuantizedMatrix {
  return quantize(rng.normals(out * inn, 0.2), out, inn, dtype);
}

interface FwdOpts { alpha?: number; bias?: Float32Array; accumulate?: Float32Array; variant?: QmatmulVariant }

async function forwardOnce(gpu: Gpu, x: Float32Array, q: QuantizedMatrix, N: number, o: FwdOpts = {}): Promise<Float32Array> {
  const before = gpu.liveBufferCount;
  const xb = gpu.upload('x', x);
  const w = uploadQuantized(gpu, q, 'W');
  const y = o.accumulate ? gpu.upload('y', o.accumulate) : gpu.createBuffer('y', N * q.rows * 4);
  const bias = o.bias ? gpu.upload('bias', o.bias) : undefined;
  let made: GPUBuffer[] = [];
  gpu.run((pass) => { made = qmatmulForward(gpu, pass, { x: xb, w, y, N, bias, alpha: o.alpha, accumulate: !!o.accumulate, variant: o.variant }); });
  const out = await gpu.readF32(y, N * q.rows);
  gpu.destroyAll([xb, y, ...made, ...(bias ? [bias] : [])]);
  freeQuantized(gpu, w);
  expect(gpu.liveBufferCount).toBe(before);
  return out;
}

async function backwardOnce(gpu: Gpu, dy: Float32Array, q: QuantizedMatrix, N: number, o: { alpha?: number; accumulate?: Float32Array; variant?: QmatmulVariant } = {}): Promise<Float32Array> {
  const before = gpu.liveBufferCount;
  const dyb = gpu.upload('dy', dy);
  const w = uploadQuantized(gpu, q, 'W');
  const dx = o.accumulate ? gpu.upload('dx', o.accumulate) : gpu.createBuffer('dx', N * q.cols * 4);
  let made: GPUBuffer[] = [];
  gpu.run((pass) => { made = qmatmulBackward(gpu, pass, { dy: dyb, w, dx, N, alpha: o.alpha, accumulate: !!o.accumulate, variant: o.variant }); });
  const out = await gpu.readF32(dx, N * q.cols);
  gpu.destroyAll([dyb, dx, ...made]);
  freeQuantized(gpu, w);
  expect(gpu.liveBufferCount).toBe(before);
  return out;
}

/** The test's GPU, or null after checking that `variant` is refused where the device cannot run it. */
async function gpuFor(variant: QmatmulVariant): Promise<Gpu | null> {
  const gpu = await testGpu();
  if (variant === 'quad' && !gpu.hasSubgroups) {
    expect(() => chooseQmatmulVariant(gpu, 'quad')).toThrow(/subgroups/);
    return null;
  }
  return gpu;
}

// Every variant on every adapter, whatever 'auto' would pick there ('quad' only where the device has
// subgroups; elsewhere it must refuse).
for (const dtype of ['int8', 'int4', 'f16'] as const) {
  for (const variant of QMATMUL_VARIANTS) {
    describe(`qmatmul ${dtype} ${variant} (WebGPU vs float64 CPU on the dequantized weight)`, () => {
      it('all shapes N × IN × OUT, forward and backward', async () => {
        const gpu = await gpuFor(variant);
        if (!gpu) return;
        for (const N of NS) {
          for (const IN of INS) {
            for (const OUT of OUTS) {
              const rng = new Rng(N * 100_000 + IN * 1000 + OUT + (dtype === 'int4' ? 7 : 0));
              const q = randomWeight(rng, OUT, IN, dtype);
              const x = rng.fill(N * IN);
              const dy = rng.fill(N * OUT);
              const shape = `N=${N} IN=${IN} OUT=${OUT}`;
              expectClose(await forwardOnce(gpu, x, q, N, { variant }), qmatmul_forward_cpu(x, q, N), TOL.strict, `${dtype} ${variant} forward ${shape}`);
              expectClose(await backwardOnce(gpu, dy, q, N, { variant }), qmatmul_backward_cpu(dy, q, N), TOL.strict, `${dtype} ${variant} backward ${shape}`);
            }
          }
        }
      });

      it('forward with bias, alpha and accumulate; every IN % 4 and OUT % 4', async () => {
        const gpu = await gpuFor(variant);
        if (!gpu) return;
        const rng = new Rng(11);
        for (const [N, IN, OUT] of TAIL_SHAPES) {
          const q = randomWeight(rng, OUT, IN, dtype);
          const x = rng.fill(N * IN), bias = rng.fill(OUT), y0 = rng.fill(N * OUT);
          const shape = `${variant} N=${N} IN=${IN} OUT=${OUT}`;
          expectClose(await forwardOnce(gpu, x, q, N, { bias, alpha: 0.5, variant }), qmatmul_forward_cpu(x, q, N, { bias, alpha: 0.5 }), TOL.strict, `y = 0.5·x·Wᵀ + b ${shape}`);
          expectClose(await forwardOnce(gpu, x, q, N, { accumulate: y0, alpha: -2, variant }), qmatmul_forward_cpu(x, q, N, { accumulate: y0, alpha: -2 }), TOL.strict, `y += −2·x·Wᵀ ${shape}`);
          expectClose(await forwardOnce(gpu, x, q, N, { bias, accumulate: y0, variant }), qmatmul_forward_cpu(x, q, N, { bias, accumulate: y0 }), TOL.strict, `y += x·Wᵀ + b ${shape}`);
        }
      });

      it('backward with alpha and accumulate; every IN % 4 and OUT % 4', async () => {
        const gpu = await gpuFor(variant);
        if (!gpu) return;
        const rng = new Rng(12);
        for (const [N, IN, OUT] of TAIL_SHAPES) {
          const q = randomWeight(rng, OUT, IN, dtype);
          const dy = rng.fill(N * OUT), dx0 = rng.fill(N * IN);
          const shape = `${variant} N=${N} IN=${IN} OUT=${OUT}`;
          expectClose(await backwardOnce(gpu, dy, q, N, { alpha: 0.25, variant }), qmatmul_backward_cpu(dy, q, N, { alpha: 0.25 }), TOL.strict, `dx = 0.25·dy·W ${shape}`);
          expectClose(await backwardOnce(gpu, dy, q, N, { accumulate: dx0, alpha: 3, variant }), qmatmul_backward_cpu(dy, q, N, { accumulate: dx0, alpha: 3 }), TOL.strict, `dx += 3·dy·W ${shape}`);
        }
      });
    });
  }

  describe(`qmatmul ${dtype} (default variant)`, () => {
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

describe('qmatmul f16 widening', () => {
  // The cases a flush-to-zero (SwiftShader flushes f32 subnormals) or a hand-written widening would
  // get wrong — subnormal halves (down to 2⁻²⁴), −0, the largest half — with x large enough that each
  // one's term is far above TOL.strict.
  it('subnormal, signed-zero and extreme halves, every variant, forward and backward', async () => {
    const gpu = await testGpu();
    const [N, IN, OUT] = [16, 64, 8];
    const special = [2 ** -24, -(2 ** -24), 3 * 2 ** -20, -(1023 * 2 ** -24), -0, 65504, -65504, 2 ** -14, 1];
    const W = new Rng(15).normals(OUT * IN, 0.2);
    for (let i = 0; i < W.length; i++) if (i % 3 === 0) W[i] = special[(i / 3) % special.length];
    const q = quantize(W, OUT, IN, 'f16');
    const rng = new Rng(16);
    const x = rng.fill(N * IN).map((v) => v * 1e4);
    const dy = rng.fill(N * OUT).map((v) => v * 1e4);
    for (const variant of QMATMUL_VARIANTS) {
      if (variant === 'quad' && !gpu.hasSubgroups) continue;
      expectClose(await forwardOnce(gpu, x, q, N, { variant }), qmatmul_forward_cpu(x, q, N), TOL.strict, `f16 specials ${variant} forward`);
      expectClose(await backwardOnce(gpu, dy, q, N, { variant }), qmatmul_backward_cpu(dy, q, N), TOL.strict, `f16 specials ${variant} backward`);
      expectClose(await forwardOnce(gpu, x.subarray(0, IN), q, 1, { variant }), qmatmul_forward_cpu(x.subarray(0, IN), q, 1), TOL.strict, `f16 specials ${variant} forward N=1`);
    }
  });
});

describe('qmatmul variant choice', () => {
  it("'auto' is 'quad' on a software adapter with subgroups, else 'regtile'; args.variant overrides", async () => {
    const gpu = await testGpu();
    expect(chooseQmatmulVariant(gpu)).toBe(isSoftwareAdapter(gpu.adapter) && gpu.hasSubgroups ? 'quad' : 'regtile');
    expect(chooseQmatmulVariant(gpu, 'regtile')).toBe('regtile');
  });
});
