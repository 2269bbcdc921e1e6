// Side-by-side GFLOP/s of the qmatmul kernels (int8, int4, f16 base; forward y = x·Wᵀ and backward
// dx = dy·W) against our f32 matmul at the same shapes ('auto' variant: what the engine runs for an f32
// base), in one Node process (Dawn). Not a test: a developer tool. Run with
//   node scripts/run.mjs src/kernels/qmatmul/qmatmul.bench.cli.ts [--rounds 3] [--dtypes int8,int4,f16]
//     [--variants auto,regtile,quad] [--shapes 0,1] [--iters 4]
// Rounds are interleaved and the medians printed, as wall GFLOP/s and as "cpu-norm" (GFLOP per
// CPU-second of SwiftShader's worker threads × 2 cores; see matmul.bench.cli.ts), plus each dtype's
// ratio to f32 on both measures.
import { parseArgs } from 'node:util';
import type { QuantDtype } from '../../engine/quant.ts';
import { createNodeGpu, workerCpuSeconds } from '../../gpu/node.ts';
import { matmulThroughput, type MatmulShape } from '../matmul/matmul.bench.ts';
import { qmatmulThroughput, type QmatmulShape } from './qmatmul.bench.ts';
import type { QmatmulVariant } from './qmatmul.ts';

// SmolLM2-135M's linear shapes at 128 tokens: q/gate/up-like (576 → 1536) and down-like (1536 → 576).
const SHAPES: [string, QmatmulShape][] = [
  ['N=128 in=576 out=1536', { N: 128, IN: 576, OUT: 1536 }],
  ['N=128 in=1536 out=576', { N: 128, IN: 1536, OUT: 576 }],
];

/** The f32 matmul doing the same maths: forward x[N,IN]·W[OUT,IN]ᵀ, backward dy[N,OUT]·W[OUT,IN]. */
function f32Shape(s: QmatmulShape, dir: 'forward' | 'backward'): MatmulShape {
  return dir === 'forward' ? { M: s.N, N: s.OUT, K: s.IN, transB: true } : { M: s.N, N: s.IN, K: s.OUT };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    rounds: { type: 'string', default: '3' }, dtypes: { type: 'string', default: 'int8,int4,f16' }, iters: { type: 'string', default: '4' },
    variants: { type: 'string', default: 'auto' }, shapes: { type: 'string', default: '0,1' },
  } });
  const gpu = await createNodeGpu();
  const variants = values.variants!.split(',') as (QmatmulVariant | 'auto')[];
  // "int4" for the auto variant, "int4:quad" for a named one
  const dtypes = values.dtypes!.split(',').flatMap((d) => variants.map((v) => (v === 'auto' ? d : `${d}:${v}`)));
  const shapes = values.shapes!.split(',').map((i) => SHAPES[Number(i)]);
  const rounds = Number(values.rounds), iters = Number(values.iters);
  process.stderr.write(`adapter: ${gpu.adapter.description}\n`);
  const kinds = ['f32', ...dtypes] as const;
  const wall = new Map<string, number[]>(), cpu = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  for (let r = 0; r < rounds; r++) {
    for (const [name, s] of shapes) {
      for (const dir of ['forward', 'backward'] as const) {
        for (const kind of kinds) {
          const flop = 2 * s.N * s.IN * s.OUT;
          const [dtype, variant = 'auto'] = kind.split(':') as [QuantDtype, QmatmulVariant | 'auto'];
          const time = () => kind === 'f32' ? matmulThroughput(gpu, f32Shape(s, dir), 'auto', iters) : qmatmulThroughput(gpu, s, dtype, iters, dir, variant);
          const c0 = workerCpuSeconds();
          const g = await time();
          const c = workerCpuSeconds() - c0; // includes the helper's one warm-up call
          const key = `${name}|${dir}|${kind}`;
          push(wall, key, g);
          push(cpu, key, ((flop * (iters + 1)) / Math.max(c, 0.01) / 1e9) * 2);
        }
      }
    }
  }
  const cols = [...kinds.map((k) => `${k} wall`), ...kinds.map((k) => `${k} cpu-norm`), ...dtypes.map((k) => `${k}/f32 wall`), ...dtypes.map((k) => `${k}/f32 cpu`)];
  console.log(`| shape | ${cols.join(' | ')} |`);
  console.log(`|---|${cols.map(() => '---:|').join('')}`);
  for (const [name] of shapes) {
    for (const dir of ['forward', 'backward'] as const) {
      const w = kinds.map((k) => median(wall.get(`${name}|${dir}|${k}`)!));
      const c = kinds.map((k) => median(cpu.get(`${name}|${dir}|${k}`)!));
      const pct = (xs: number[]) => xs.slice(1).map((x) => `${Math.round((100 * x) / xs[0])} %`);
      console.log(`| ${dir} ${name} | ${[...w.map((x) => x.toFixed(2)), ...c.map((x) => x.toFixed(2)), ...pct(w), ...pct(c)].join(' | ')} |`);
    }
  }
  gpu.dispose();
}

await main();
process.exit(0);
