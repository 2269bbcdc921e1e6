// Benchmark page (bench.html), driven by `npm run bench` through Playwright. Runs, in one page and
// interleaved round by round, one LoRA training step (forward + backward + LoRA grads + AdamW) of the
// same model and batch on (a) our WebGPU engine and (b) the tfjs reference on tfjs-backend-webgpu, plus
// our matmul ceiling and the quantized-matmul ratios. Results are ratios measured side by side.
import * as tf from '@tensorflow/tfjs-core';
import { GpuModel, type Batch } from '../engine/model.ts';
import { Rng } from '../engine/rng.ts';
import { GpuTrainBackend } from '../engine/train-backend.ts';
import { effectiveWeights, initLora, randomWeights } from '../engine/weights.ts';
import { Gpu } from '../gpu/gpu.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { qmatmulThroughput } from '../kernels/qmatmul/qmatmul.bench.ts';
import { useBackend } from '../reference/backend.ts';
import { ReferenceModel } from '../reference/model.ts';
import { stepFlops } from './flops.ts';
import { SHAPES } from './shapes.ts';

export interface EngineFigures {
  msPerStep: number;
  tokensPerSecond: number;
  peakBytes: number;
  stepsTimed: number;
}

export interface BenchResult {
  shape: string;
  B: number;
  T: number;
  baseDtype: string;
  loraRank: number;
  adapter: string;
  engine: EngineFigures;
  reference: EngineFigures;
  speedup: number;
  memoryRatio: number;
  stepGflop: number;
  engineGflops: number;
  matmulCeilingGflops: number;
  mfu: number;
  quantized: { int8VsF32: number; int4VsF32: number; shape: string };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function randomBatch(V: number, B: number, T: number): Batch {
  const rng = new Rng(99);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
  return { tokens, targets, lossMask: new Float32Array(B * T).fill(1), B, T };
}

/** GFLOP/s of our f32 matmul with y = x·Wᵀ at [M,K]·[N,K]ᵀ, `iters` dispatches in one submit. */
async function matmulGflops(gpu: Gpu, M: number, N: number, K: number, iters: number): Promise<number> {
  const rng = new Rng(5);
  const a = gpu.upload('bench.A', rng.fill(M * K)), b = gpu.upload('bench.B', rng.fill(N * K)), c = gpu.createBuffer('bench.C', M * N * 4);
  const temps: GPUBuffer[] = [];
  const record = (n: number) => gpu.run((pass) => { for (let i = 0; i < n; i++) temps.push(matmul(gpu, pass, { A: a, B: b, C: c, M, N, K, transB: true })); });
  record(1);
  await gpu.read(c, 4);
  const t0 = performance.now();
  record(iters);
  await gpu.read(c, 4);
  const s = (performance.now() - t0) / 1000;
  gpu.destroyAll([a, b, c, ...temps]);
  return (2 * M * N * K * iters) / s / 1e9;
}

async function run(shapeKey: string, opts: { rounds?: number; stepsPerRound?: number } = {}): Promise<BenchResult> {
  const shape = SHAPES[shapeKey];
  if (!shape) throw new Error(`unknown shape ${shapeKey} (known: ${Object.keys(SHAPES).join(', ')})`);
  const rounds = opts.rounds ?? 3, steps = opts.stepsPerRound ?? 2;
  const { cfg, B, T, lora, baseDtype } = shape;
  const weights = randomWeights(cfg, 1);
  const params = initLora(cfg, lora, 2);
  const batch = randomBatch(cfg.vocabSize, B, T);
  const hyper = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

  const gpu = await Gpu.create(navigator.gpu);
  const model = GpuModel.create(gpu, cfg, weights, { baseDtype, lora: { config: lora, params } });
  const engine = new GpuTrainBackend(gpu, model, hyper, 1);
  const engineStep = async () => {
    engine.zeroGrads();
    await engine.forwardBackward(batch);
    await engine.gradNorm(1);
    await engine.applyUpdate(1e-4, 1);
  };

  await useBackend('webgpu');
  const ref = new ReferenceModel(cfg, effectiveWeights(cfg, weights, baseDtype), { config: lora, params });
  const opt = tf.train.adam(1e-4);
  let refPeak = 0;
  const refStep = async () => {
    await ref.trainStep(batch, opt);
    const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number; numBytesInGPU?: number };
    refPeak = Math.max(refPeak, mem.numBytesInGPUAllocated ?? mem.numBytesInGPU ?? mem.numBytes);
  };

  // warm-up (pipeline compilation, buffer pools), then interleaved timed rounds
  await engineStep();
  await refStep();
  const e: number[] = [], r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    for (let s = 0; s < steps; s++) await engineStep();
    e.push((performance.now() - t0) / steps);
    t0 = performance.now();
    for (let s = 0; s < steps; s++) await refStep();
    r.push((performance.now() - t0) / steps);
  }
  const tokens = B * T;
  const fig = (ms: number[], peak: number): EngineFigures => ({ msPerStep: median(ms), tokensPerSecond: (tokens * 1000) / median(ms), peakBytes: peak, stepsTimed: rounds * steps });
  const engineFig = fig(e, gpu.peakBytes);
  const refFig = fig(r, refPeak);
  opt.dispose();
  ref.dispose();
  engine.dispose();
  model.dispose();

  // the adapter's f32 matmul ceiling with our kernel at a large square shape, and int8/int4 vs f32
  const ceiling = await matmulGflops(gpu, 512, 512, 512, 3);
  const q = { N: 128, IN: 576, OUT: 1536 };
  const f32q = await matmulGflops(gpu, q.N, q.OUT, q.IN, 3);
  const i8 = await qmatmulThroughput(gpu, q, 'int8', 3);
  const i4 = await qmatmulThroughput(gpu, q, 'int4', 3);
  gpu.dispose();

  const flop = stepFlops(cfg, B, T, lora);
  const engineGflops = flop / (engineFig.msPerStep / 1000) / 1e9;
  return {
    shape: shape.name, B, T, baseDtype, loraRank: lora.rank, adapter: gpu.adapter.description,
    engine: engineFig, reference: refFig,
    speedup: refFig.msPerStep / engineFig.msPerStep,
    memoryRatio: engineFig.peakBytes / Math.max(1, refFig.peakBytes),
    stepGflop: flop / 1e9, engineGflops, matmulCeilingGflops: ceiling, mfu: engineGflops / ceiling,
    quantized: { int8VsF32: i8 / f32q, int4VsF32: i4 / f32q, shape: `N=${q.N} in=${q.IN} out=${q.OUT}` },
  };
}

declare global {
  interface Window {
    tabtuneBench: { run: typeof run; shapes: string[] };
  }
}

window.tabtuneBench = { run, shapes: Object.keys(SHAPES) };
document.body.dataset.ready = '1';
