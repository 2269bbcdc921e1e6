// `npm run bench [-- --shape tiny|smollm2-135m|all] [--json FILE] [--rounds N] [--chrome PATH]`:
// one training step on our engine vs the tfjs reference on tfjs-backend-webgpu, side by side in one
// headless Chromium page, with the matmul ceiling, MFU and quantized-matmul ratios. Not a test.
import { writeFileSync } from 'node:fs';
import type { BenchResult } from '../bench/page.ts';
import { SHAPES } from '../bench/shapes.ts';
import { openPage } from '../bench/browser.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export function formatTable(rs: BenchResult[]): string {
  const lines: string[] = [];
  for (const r of rs) {
    lines.push(`## ${r.shape} — B=${r.B} T=${r.T}, ${r.baseDtype} base, LoRA r=${r.loraRank} all linear`);
    lines.push(`adapter: ${r.adapter}`);
    lines.push('| | ms/step | tokens/s | peak GPU bytes |');
    lines.push('|---|---:|---:|---:|');
    lines.push(`| tabtune engine (WGSL) | ${r.engine.msPerStep.toFixed(1)} | ${r.engine.tokensPerSecond.toFixed(1)} | ${mib(r.engine.peakBytes)} |`);
    lines.push(`| tfjs-webgpu reference | ${r.reference.msPerStep.toFixed(1)} | ${r.reference.tokensPerSecond.toFixed(1)} | ${mib(r.reference.peakBytes)} |`);
    lines.push(`| **ratio** | **${r.speedup.toFixed(2)}× faster** | | **${r.memoryRatio.toFixed(2)}× the memory** |`);
    lines.push('');
    lines.push(`step: ${r.stepGflop.toFixed(2)} GFLOP; engine ${r.engineGflops.toFixed(2)} GFLOP/s; matmul ceiling ${r.matmulCeilingGflops.toFixed(2)} GFLOP/s (our f32 kernel, 512³); MFU ${(100 * r.mfu).toFixed(0)} %`);
    lines.push(`quantized matmul vs f32 (${r.quantized.shape}): int8 ${(100 * r.quantized.int8VsF32).toFixed(0)} %, int4 ${(100 * r.quantized.int4VsF32).toFixed(0)} %`);
    lines.push('');
  }
  return lines.join('\n');
}

export async function bench(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    shape: { type: 'string', default: 'tiny' },
    json: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    chrome: { type: 'string' },
    headed: { type: 'boolean' },
    verbose: { type: 'boolean' },
    debug: { type: 'boolean' },
  });
  const shapes = values.shape === 'all' ? Object.keys(SHAPES) : values.shape!.split(',');
  for (const s of shapes) if (!SHAPES[s]) throw new UsageError(`--shape: unknown shape "${s}" (known: ${Object.keys(SHAPES).join(', ')}, all)`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError('--rounds must be a positive integer');
  const session = await openPage('/bench.html', { chrome: values.chrome, headed: values.headed, log: values.verbose ? (l) => process.stderr.write(`${l}\n`) : undefined });
  const results: BenchResult[] = [];
  try {
    await session.page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 120_000 });
    for (const s of shapes) {
      process.stderr.write(`bench: ${s} (${rounds} rounds)…\n`);
      const t0 = Date.now();
      const r = await session.page.evaluate(([shape, n]) => window.tabtuneBench.run(shape as string, { rounds: n as number }), [s, rounds] as const);
      process.stderr.write(`bench: ${s} done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      results.push(r);
    }
  } finally {
    await session.close();
  }
  process.stdout.write(`${formatTable(results)}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
  return 0;
}
