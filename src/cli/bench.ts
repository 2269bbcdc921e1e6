// `npm run bench [-- --shape tiny|tiny-t64|smollm2-135m|all] [--json FILE] [--rounds N] [--steps N]
//   [--no-reference] [--no-checkpointing] [--chrome PATH] [--node]`:
// one training step on our engine (and with gradient checkpointing) vs the tfjs reference on
// tfjs-backend-webgpu, side by side in one headless Chromium page (or, with --node, in this Node process
// on Dawn: for GPU servers without Chromium), with peak memory, the split of a step by kernel, the
// matmul ceiling, MFU and quantized-matmul ratios. Not a test. Rounds and steps per round default per
// shape (shapes.ts: 1 × 1 for SmolLM2-135M, whose step takes minutes on SwiftShader).
import { writeFileSync } from 'node:fs';
import { runBench, type BenchResult, type RunOptions } from '../bench/run.ts';
import { SHAPES } from '../bench/shapes.ts';
import { createNodeGpu, nodeGpu } from '../gpu/node.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const pct = (x: number) => `${Math.round(100 * x)} %`;

export function formatTable(rs: BenchResult[]): string {
  const lines: string[] = [];
  for (const r of rs) {
    lines.push(`## ${r.shape} — B=${r.B} T=${r.T}, ${r.baseDtype} base, LoRA r=${r.loraRank} all linear`);
    lines.push(`adapter: ${r.adapter}; ${r.engine.stepsTimed} timed steps each, interleaved; medians`);
    lines.push('| | ms/step | tokens/s | peak bytes | vs reference: speed | vs reference: memory |');
    lines.push('|---|---:|---:|---:|---:|---:|');
    const vs = (x: number | null, suffix: string) => (x === null ? '' : `${x.toFixed(2)}× ${suffix}`);
    const row = (name: string, f: { msPerStep: number; tokensPerSecond: number }, peak: string, speed: number | null, mem: number | null) =>
      `| ${name} | ${f.msPerStep.toFixed(0)} | ${f.tokensPerSecond.toFixed(1)} | ${peak} | ${vs(speed, 'faster')} | ${vs(mem, 'the memory')} |`;
    lines.push(row('tabtune engine (WGSL)', r.engine, mib(r.engine.peakBytes), r.speedup, r.memoryRatio));
    if (r.engineCheckpointing) lines.push(row('tabtune engine, gradient checkpointing', r.engineCheckpointing, mib(r.engineCheckpointing.peakBytes), r.speedupCheckpointing, r.memoryRatioCheckpointing));
    if (r.reference) {
      const ref = r.reference;
      lines.push(row('tfjs-webgpu reference', ref, `${mib(ref.peakBytes)} (sampled after steps: ${mib(ref.peakBytesSampled)})`, null, null));
      lines.push('');
      lines.push(`reference peak = tf.profile peakBytes over one step (live tensors incl. ${mib(ref.persistentBytes)} of weights/variables); engine peak = every GPU buffer live at once (Gpu.peakBytes)`);
    }
    lines.push('');
    lines.push(`step: ${r.stepGflop.toFixed(2)} GFLOP; engine ${r.engineGflops.toFixed(2)} GFLOP/s; matmul ceiling ${r.matmulCeilingGflops.toFixed(2)} GFLOP/s (our f32 kernel, 512³); MFU ${pct(r.mfu)}`);
    const q = r.quantized;
    lines.push(`quantized matmul vs f32 (${q.shape}): forward int8 ${pct(q.forward.int8)}, int4 ${pct(q.forward.int4)}, f16 ${pct(q.forward.f16)}; backward int8 ${pct(q.backward.int8)}, int4 ${pct(q.backward.int4)}, f16 ${pct(q.backward.f16)}`);
    if (r.kernels) {
      lines.push('');
      lines.push(`GPU time by kernel over one engine step (timestamp queries, one pass per dispatch): ${r.kernels.stepMs.toFixed(0)} ms in all`);
      lines.push('| kernel | ms | calls | share |');
      lines.push('|---|---:|---:|---:|');
      for (const k of r.kernels.top) lines.push(`| ${k.name} | ${k.ms.toFixed(1)} | ${k.calls} | ${pct(k.share)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export async function bench(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    shape: { type: 'string', default: 'tiny' },
    json: { type: 'string' },
    rounds: { type: 'string' },
    steps: { type: 'string' },
    'no-reference': { type: 'boolean' },
    'no-checkpointing': { type: 'boolean' },
    chrome: { type: 'string' },
    headed: { type: 'boolean' },
    node: { type: 'boolean' },
    verbose: { type: 'boolean' },
    debug: { type: 'boolean' },
  });
  const shapes = values.shape === 'all' ? Object.keys(SHAPES) : values.shape!.split(',');
  for (const s of shapes) if (!SHAPES[s]) throw new UsageError(`--shape: unknown shape "${s}" (known: ${Object.keys(SHAPES).join(', ')}, all)`);
  const count = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
    return n;
  };
  const opts = { rounds: count('rounds', values.rounds), stepsPerRound: count('steps', values.steps), reference: !values['no-reference'], checkpointing: !values['no-checkpointing'] };
  const results = values.node ? await benchInNode(shapes, opts) : await benchInChromium(shapes, opts, values);
  process.stdout.write(`${formatTable(results)}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ date: new Date().toISOString(), host: values.node ? 'node (Dawn)' : 'chromium', results }, null, 2)}\n`);
  return 0;
}

/** Each shape in turn, timed with `run`, with a progress line around it. */
async function eachShape(shapes: string[], run: (shape: string) => Promise<BenchResult>): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const s of shapes) {
    process.stderr.write(`bench: ${s}…\n`);
    const t0 = Date.now();
    results.push(await run(s));
    process.stderr.write(`bench: ${s} done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  return results;
}

/** In this Node process on Dawn (the `webgpu` package): the adapter Node sees, tfjs-webgpu on the same one. */
async function benchInNode(shapes: string[], opts: RunOptions): Promise<BenchResult[]> {
  const probe = await createNodeGpu(); // without an adapter: one line that says what to install
  process.stderr.write(`bench: adapter ${probe.adapter.description}\n`);
  probe.dispose();
  const gpu = await nodeGpu();
  return eachShape(shapes, (s) => runBench(s, opts, { gpu, log: (l) => process.stderr.write(`${l}\n`) }));
}

/** In one headless Chromium page (bench.html) served by Vite. */
async function benchInChromium(shapes: string[], opts: RunOptions, values: { chrome?: string; headed?: boolean; verbose?: boolean }): Promise<BenchResult[]> {
  // Progress lines from the page ("bench <shape>: …") always; everything else with --verbose.
  const log = (l: string) => { if (values.verbose || l.startsWith('[page] bench ')) process.stderr.write(`${l}\n`); };
  const { openPage } = await import('../bench/browser.ts'); // Vite + Playwright: not needed by --node
  // Developer features: timestamp queries at full resolution (Chromium rounds them to 100 µs otherwise).
  const session = await openPage('/bench.html', { chrome: values.chrome, headed: values.headed, log, extraArgs: ['--enable-webgpu-developer-features'] });
  try {
    await session.page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 120_000 });
    return await eachShape(shapes, (s) => session.page.evaluate(([shape, o]) => window.tabtuneBench.run(shape, o), [s, opts] as const));
  } finally {
    await session.close();
  }
}
