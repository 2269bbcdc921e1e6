import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng.ts';
import { testGpu } from '../../testing/gpu.ts';
import { TOL, expectClose } from '../../testing/tolerance.ts';
import { runOnce } from '../elementwise/testkit.ts';
import { rmsnorm, rmsnormBackward } from './rmsnorm.ts';
import { rmsnorm_backward_cpu, rmsnorm_cpu } from './rmsnorm.ref.ts';

// C values around and not dividing the 256-thread row workgroup; N = 70000 rows needs the 2-D grid.
const SHAPES: [number, number][] = [
  [1, 1],
  [3, 7],
  [5, 256],
  [4, 300],
  [2, 1000],
  [70_000, 3],
];

describe('rmsnorm (WebGPU vs CPU reference)', () => {
  // The adapter's default workgroup size on every shape; 256 threads per row (the real-GPU choice,
  // very slow on SwiftShader) on the small ones.
  const CASES = [...SHAPES.map(([N, C]) => [N, C, undefined] as const), ...SHAPES.filter(([N]) => N < 10).map(([N, C]) => [N, C, 256] as const)];
  for (const [N, C, workgroupSize] of CASES) {
    it(`forward + backward N=${N} C=${C} workgroupSize=${workgroupSize ?? 'default'}`, async () => {
      const gpu = await testGpu();
      const rng = new Rng(N * 7 + C);
      const eps = 1e-5;
      const x = rng.fill(N * C, -2, 2), w = rng.fill(C, 0.5, 1.5), dy = rng.fill(N * C);
      const got = await runOnce(gpu, { x, w, dy, y: N * C, rstd: N, dx: N * C }, (pass, b) => [
        ...rmsnorm(gpu, pass, { x: b.x, w: b.w, y: b.y, rstd: b.rstd, N, C, eps, workgroupSize }),
        ...rmsnormBackward(gpu, pass, { dx: b.dx, dy: b.dy, x: b.x, w: b.w, rstd: b.rstd, N, C, workgroupSize }),
      ], ['y', 'rstd', 'dx']);
      const ref = rmsnorm_cpu(x, w, N, C, eps);
      expectClose(got.y, ref.y, TOL.strict, 'y');
      expectClose(got.rstd, ref.rstd, TOL.strict, 'rstd');
      expectClose(got.dx, rmsnorm_backward_cpu(dy, x, w, N, C, eps), TOL.strict, 'dx');
    });
  }

  it('output rows have mean square 1 when w = 1 (eps → 0)', async () => {
    const gpu = await testGpu();
    const [N, C] = [6, 129];
    const x = new Rng(3).fill(N * C, -10, 10);
    const got = await runOnce(gpu, { x, w: new Float32Array(C).fill(1), y: N * C, rstd: N }, (pass, b) =>
      rmsnorm(gpu, pass, { x: b.x, w: b.w, y: b.y, rstd: b.rstd, N, C, eps: 0 }), ['y']);
    for (let n = 0; n < N; n++) {
      let ms = 0;
      for (let j = 0; j < C; j++) ms += got.y[n * C + j] ** 2 / C;
      expect(ms).toBeCloseTo(1, 5);
    }
  });
});
