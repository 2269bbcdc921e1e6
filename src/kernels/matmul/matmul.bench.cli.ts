// Side-by-side GFLOP/s of every matmul variant in one Node process (Dawn), at 512³ and at the shapes a
// training step of the `tiny` bench model runs (B·T = 128 tokens, C = 128, F = 352, V = 2048, LoRA
// r = 16). Not a test: a developer tool. Run with
//   node scripts/run.mjs src/kernels/matmul/matmul.bench.cli.ts [--rounds 3] [--variants regtile,quad]
// Rounds are interleaved (every variant of a shape, then the next shape, …) and the medians printed.
// On Linux it also prints "cpu-norm": GFLOP per CPU-second of SwiftShader's worker threads (named
// Thread<NN>) × 2 cores — a figure that other processes loading the machine barely move, unlike wall
// time. It is an estimate of the unloaded 2-core rate, not a measurement of it.
import { parseArgs } from 'node:util';
import { createNodeGpu, workerCpuSeconds } from '../../gpu/node.ts';
import { MATMUL_VARIANTS, type MatmulVariant } from './matmul.ts';
import { matmulThroughput, type MatmulShape } from './matmul.bench.ts';

export const BENCH_SHAPES: [string, MatmulShape][] = [
  ['512³ x·Wᵀ (NT)', { M: 512, N: 512, K: 512, transB: true }],
  ['512³ NN', { M: 512, N: 512, K: 512 }],
  ['512³ TN', { M: 512, N: 512, K: 512, transA: true }],
  ['f32 base x·Wᵀ 128×352×128 NT', { M: 128, N: 352, K: 128, transB: true }],
  ['LM head 128×2048×128 NT', { M: 128, N: 2048, K: 128, transB: true }],
  ['LM head dX 128×128×2048 NN', { M: 128, N: 128, K: 2048 }],
  ['LoRA h=x·Aᵀ 128×16×128 NT', { M: 128, N: 16, K: 128, transB: true }],
  ['LoRA y+=h·Bᵀ 128×352×16 NT', { M: 128, N: 352, K: 16, transB: true, accumulate: true }],
  ['LoRA dB+=dYᵀ·h 352×16×128 TN', { M: 352, N: 16, K: 128, transA: true, accumulate: true }],
  ['LoRA dh=dY·B 128×16×352 NN', { M: 128, N: 16, K: 352 }],
  ['LoRA dA+=dhᵀ·x 16×128×128 TN', { M: 16, N: 128, K: 128, transA: true, accumulate: true }],
  ['LoRA dX+=dh·A 128×128×16 NN', { M: 128, N: 128, K: 16, accumulate: true }],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, variants: { type: 'string' } } });
  const gpu = await createNodeGpu();
  const variants = (values.variants?.split(',') ?? MATMUL_VARIANTS.filter((v) => v !== 'quad' || gpu.hasSubgroups)) as MatmulVariant[];
  const rounds = Number(values.rounds);
  process.stderr.write(`adapter: ${gpu.adapter.description}\n`);
  const wall = new Map<string, number[]>(), cpu = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, s] of BENCH_SHAPES) {
      for (const v of variants) {
        const flop = 2 * s.M * s.N * s.K;
        // ~0.3 GFLOP per timed submit ('shared' is ~10× slower on CPU adapters: 0.03)
        const iters = Math.max(2, Math.min(200, Math.round((v === 'shared' ? 3e7 : 3e8) / flop)));
        if (r === 0) await matmulThroughput(gpu, s, v, 1); // compile outside the timed rounds
        const c0 = workerCpuSeconds();
        const g = await matmulThroughput(gpu, s, v, iters);
        const c = workerCpuSeconds() - c0; // includes the helper's one warm-up call
        const key = `${name}|${v}`;
        wall.set(key, [...(wall.get(key) ?? []), g]);
        cpu.set(key, [...(cpu.get(key) ?? []), ((flop * (iters + 1)) / Math.max(c, 0.01) / 1e9) * 2]);
      }
    }
  }
  const cols = [...variants.map((v) => `${v} wall`), ...variants.map((v) => `${v} cpu-norm`)];
  console.log(`| shape (M×N×K) | ${cols.join(' | ')} |`);
  console.log(`|---|${cols.map(() => '---:|').join('')}`);
  for (const [name] of BENCH_SHAPES) {
    const w = variants.map((v) => median(wall.get(`${name}|${v}`)!).toFixed(2));
    const c = variants.map((v) => median(cpu.get(`${name}|${v}`)!).toFixed(2));
    console.log(`| ${name} | ${[...w, ...c].join(' | ')} |`);
  }
  gpu.dispose();
}

await main();
process.exit(0);
