// `tabtune doctor`: which WebGPU adapter Node can use (vendor, architecture, limits, features), or why none.
import { isSoftwareAdapter, LIMIT_NAMES } from '../gpu/gpu.ts';
import { createNodeGpu } from '../gpu/node.ts';
import { matmulOnce } from '../kernels/matmul/matmul.ts';
import { matmul_cpu } from '../kernels/matmul/matmul.ref.ts';
import { Rng } from '../engine/rng.ts';
import { parse } from './args.ts';

export async function doctor(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' }, debug: { type: 'boolean' } });
  let gpu;
  try {
    gpu = await createNodeGpu();
  } catch (e) {
    process.stderr.write(`tabtune doctor: no WebGPU adapter: ${(e as Error).message}\n`);
    return 1;
  }
  const a = gpu.adapter;
  // A real dispatch, so "found an adapter" also means "it computes correctly".
  const rng = new Rng(1);
  const [M, N, K] = [33, 29, 47];
  const A = rng.fill(M * K), B = rng.fill(K * N);
  const C = await matmulOnce(gpu, A, B, M, N, K);
  const ref = matmul_cpu(A, B, M, N, K);
  const err = C.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
  const ok = err < 1e-4;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ adapter: a, software: isSoftwareAdapter(a), selfTest: { ok, maxAbsError: err } })}\n`);
  } else {
    const lines = [
      `WebGPU adapter: ${a.description}`,
      `  vendor:        ${a.vendor}`,
      `  architecture:  ${a.architecture}`,
      `  software:      ${isSoftwareAdapter(a) ? 'yes (CPU-emulated; the wasm engine is usually faster here)' : 'no'}`,
      `  features:      ${a.features.join(', ') || '(none)'}`,
      '  limits:',
      ...LIMIT_NAMES.map((k) => `    ${k.padEnd(36)} ${a.limits[k]}`),
      `  kernel self-test (matmul ${M}x${K}·${K}x${N}): ${ok ? 'ok' : 'FAILED'} (max abs error ${err.toExponential(2)})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  gpu.dispose();
  return ok ? 0 : 1;
}
