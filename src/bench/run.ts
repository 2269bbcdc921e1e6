// One benchmark run: one LoRA training step (forward + backward + LoRA grads + AdamW) of the same model
// and batch, interleaved round by round, on (a) our WebGPU engine, (b) the same with gradient
// checkpointing and (c) the tfjs reference on tfjs-backend-webgpu; peak memory of each; the split of one
// engine step by kernel (timestamp queries); our matmul ceiling and the quantized-matmul ratios. Results
// are ratios measured side by side. Runs in a page (bench.html, src/bench/page.ts, driven by
// `npm run bench`) or in Node on Dawn (`npm run bench -- --node`): the caller passes its WebGPU entry point.
import * as tf from '@tensorflow/tfjs-core';
import { GpuModel, type Batch } from '../engine/model.ts';
import type { QuantDtype } from '../engine/quant.ts';
import { Rng } from '../engine/rng.ts';
import { GpuTrainBackend } from '../engine/train-backend.ts';
import { type BaseWeightMap, type LoraParams, effectiveWeights, initLora, randomWeights } from '../engine/weights.ts';
import { Gpu } from '../gpu/gpu.ts';
import type { KernelTime } from '../gpu/timing.ts';
import { matmulThroughput } from '../kernels/matmul/matmul.bench.ts';
import { qmatmulThroughput } from '../kernels/qmatmul/qmatmul.bench.ts';
import { useBackend } from '../reference/backend.ts';
import { ReferenceModel } from '../reference/model.ts';
import { stepFlops } from './flops.ts';
import { SHAPES, type BenchShape } from './shapes.ts';

export interface EngineFigures {
  msPerStep: number;
  tokensPerSecond: number;
  /** Our engine: Gpu.peakBytes (every buffer it created, live at once, weights included). */
  peakBytes: number;
  stepsTimed: number;
}

export interface ReferenceFigures extends EngineFigures {
  /**
   * tf.profile's peakBytes around one step: tfjs's count of live tensor bytes (weights, LoRA
   * variables, Adam state and the activations autograd holds) after each kernel of the step.
   */
  peakBytes: number;
  /** tf.memory() sampled after each step (numBytesInGPUAllocated: buffers tfjs-webgpu holds, pool included). */
  peakBytesSampled: number;
  /** Live tensor bytes before the profiled step (weights and LoRA variables), included in peakBytes. */
  persistentBytes: number;
}

export interface KernelShare extends KernelTime {
  /** Share of the profiled step's summed kernel time. */
  share: number;
}

export interface BenchResult {
  shape: string;
  B: number;
  T: number;
  baseDtype: string;
  loraRank: number;
  adapter: string;
  engine: EngineFigures;
  /** The engine with gradient checkpointing (recompute each layer in the backward). */
  engineCheckpointing: EngineFigures | null;
  reference: ReferenceFigures | null;
  speedup: number | null;
  memoryRatio: number | null;
  speedupCheckpointing: number | null;
  memoryRatioCheckpointing: number | null;
  stepGflop: number;
  engineGflops: number;
  matmulCeilingGflops: number;
  mfu: number;
  /** qmatmul (the adapter's default variant) vs our f32 matmul at the same shape, throughput ratios. */
  quantized: { shape: string; forward: Record<QuantDtype, number>; backward: Record<QuantDtype, number> };
  /** GPU time per kernel over one engine step (timestamp queries), largest first; null without them. */
  kernels: { stepMs: number; top: KernelShare[] } | null;
}

export interface RunOptions {
  rounds?: number;
  stepsPerRound?: number;
  /** Also time the tfjs reference (default true). */
  reference?: boolean;
  /** Also time the engine with gradient checkpointing (default true). */
  checkpointing?: boolean;
  /** Kernels listed in `kernels.top` (default 12). */
  topKernels?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function randomBatch(V: number, B: number, T: number): Batch {
  const rng = new Rng(99);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
  return { tokens, targets, lossMask: new Float32Array(B * T).fill(1), B, T };
}

const HYPER = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** One engine (own device, so Gpu.peakBytes is its own) and its training step. */
async function engineRunner(gpuApi: GPU, shape: BenchShape, weights: BaseWeightMap, params: LoraParams, batch: Batch, checkpointing: boolean) {
  const gpu = await Gpu.create(gpuApi);
  const model = GpuModel.create(gpu, shape.cfg, weights, { baseDtype: shape.baseDtype, lora: { config: shape.lora, params }, checkpointing });
  const engine = new GpuTrainBackend(gpu, model, HYPER, 1);
  const step = async () => {
    engine.zeroGrads();
    await engine.forwardBackward(batch);
    await engine.gradNorm(1);
    await engine.applyUpdate(1e-4, 1);
  };
  const dispose = () => { engine.dispose(); model.dispose(); };
  return { gpu, step, dispose };
}

/** Where a run happens: the WebGPU entry point (navigator.gpu in a page, Dawn's in Node) and a progress sink. */
export interface RunHost {
  gpu: GPU;
  log?: (line: string) => void;
}

export async function runBench(shapeKey: string, opts: RunOptions = {}, host: RunHost): Promise<BenchResult> {
  const shape = SHAPES[shapeKey];
  if (!shape) throw new Error(`unknown shape ${shapeKey} (known: ${Object.keys(SHAPES).join(', ')})`);
  const rounds = opts.rounds ?? shape.rounds, steps = opts.stepsPerRound ?? shape.stepsPerRound;
  const withRef = opts.reference ?? true, withCkpt = opts.checkpointing ?? true;
  const { cfg, B, T, lora, baseDtype } = shape;
  const weights = randomWeights(cfg, 1);
  const params = initLora(cfg, lora, 2);
  const batch = randomBatch(cfg.vocabSize, B, T);
  const log = (m: string) => (host.log ?? console.log)(`bench ${shapeKey}: ${m}`);

  const eng = await engineRunner(host.gpu, shape, weights, params, batch, false);
  const ckpt = withCkpt ? await engineRunner(host.gpu, shape, weights, params, batch, true) : null;

  let ref: ReferenceModel | null = null, opt: tf.Optimizer | null = null;
  let refSampled = 0, refPeak = 0, refPersistent = 0;
  const refStep = async () => {
    await ref!.trainStep(batch, opt!);
    const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number; numBytesInGPU?: number };
    refSampled = Math.max(refSampled, mem.numBytesInGPUAllocated ?? mem.numBytesInGPU ?? mem.numBytes);
  };
  if (withRef) {
    await useBackend('webgpu', { gpu: host.gpu });
    ref = new ReferenceModel(cfg, effectiveWeights(cfg, weights, baseDtype), { config: lora, params });
    opt = tf.train.adam(1e-4);
  }

  // Warm-up (pipeline compilation, buffer pools). The reference's is also its memory measurement:
  // tf.profile's peakBytes counts every live tensor after each kernel (tfjs's numBytes is global, so
  // the weights created before the step are in it); its first step also creates Adam's state.
  let t0 = performance.now();
  await eng.step();
  log(`engine warm-up ${(performance.now() - t0).toFixed(0)} ms`);
  if (ckpt) {
    t0 = performance.now();
    await ckpt.step();
    log(`engine+checkpointing warm-up ${(performance.now() - t0).toFixed(0)} ms`);
  }
  if (ref) {
    t0 = performance.now();
    refPersistent = tf.memory().numBytes;
    const prof = await tf.profile(refStep);
    refPeak = Math.max(prof.peakBytes, refPersistent);
    log(`reference warm-up (profiled) ${(performance.now() - t0).toFixed(0)} ms; live tensors before ${(refPersistent / 2 ** 20).toFixed(1)} MiB, peak ${(refPeak / 2 ** 20).toFixed(1)} MiB`);
  }

  // Timed rounds, interleaved so that load changes hit every contender alike.
  const e: number[] = [], c: number[] = [], r: number[] = [];
  const time = async (step: () => Promise<void>, into: number[]) => {
    const s0 = performance.now();
    for (let s = 0; s < steps; s++) await step();
    into.push((performance.now() - s0) / steps);
  };
  for (let i = 0; i < rounds; i++) {
    await time(eng.step, e);
    if (ckpt) await time(ckpt.step, c);
    if (ref) await time(refStep, r);
    log(`round ${i + 1}/${rounds}: engine ${e.at(-1)!.toFixed(0)} ms${ckpt ? `, checkpointing ${c.at(-1)!.toFixed(0)} ms` : ''}${ref ? `, reference ${r.at(-1)!.toFixed(0)} ms` : ''}`);
  }
  const tokens = B * T;
  const fig = (ms: number[], peak: number): EngineFigures => ({ msPerStep: median(ms), tokensPerSecond: (tokens * 1000) / median(ms), peakBytes: peak, stepsTimed: rounds * steps });
  const engineFig = fig(e, eng.gpu.peakBytes);
  const ckptFig = ckpt ? fig(c, ckpt.gpu.peakBytes) : null;
  const refFig: ReferenceFigures | null = ref ? { ...fig(r, refPeak), peakBytesSampled: refSampled, persistentBytes: refPersistent } : null;
  opt?.dispose();
  ref?.dispose();
  ckpt?.dispose();
  ckpt?.gpu.dispose();

  // The split of one engine step by kernel (one pass per dispatch while profiling: not a timed step).
  let kernels: BenchResult['kernels'] = null;
  if (eng.gpu.hasTimestamps) {
    eng.gpu.startKernelProfile();
    await eng.step();
    const times = await eng.gpu.stopKernelProfile();
    const stepMs = times.reduce((a, k) => a + k.ms, 0);
    kernels = { stepMs, top: times.slice(0, opts.topKernels ?? 12).map((k) => ({ ...k, share: k.ms / stepMs })) };
  }
  eng.dispose();

  // The adapter's f32 matmul ceiling with our kernel at a large square shape, and qmatmul vs f32.
  const gpu = eng.gpu;
  const ceiling = await matmulThroughput(gpu, { M: 512, N: 512, K: 512, transB: true }, 'auto', 3);
  const q = { N: 128, IN: 576, OUT: 1536 };
  const quantized: BenchResult['quantized'] = { shape: `N=${q.N} in=${q.IN} out=${q.OUT}`, forward: { int8: 0, int4: 0, f16: 0 }, backward: { int8: 0, int4: 0, f16: 0 } };
  for (const dir of ['forward', 'backward'] as const) {
    // forward x·Wᵀ = [N, IN]·[OUT, IN]ᵀ; backward dy·W = [N, OUT]·[OUT, IN]
    const f32 = await matmulThroughput(gpu, dir === 'forward' ? { M: q.N, N: q.OUT, K: q.IN, transB: true } : { M: q.N, N: q.IN, K: q.OUT }, 'auto', 3);
    for (const dt of ['int8', 'int4', 'f16'] as const) quantized[dir][dt] = (await qmatmulThroughput(gpu, q, dt, 3, dir)) / f32;
  }
  gpu.dispose();

  const flop = stepFlops(cfg, B, T, lora);
  const engineGflops = flop / (engineFig.msPerStep / 1000) / 1e9;
  return {
    shape: shape.name, B, T, baseDtype, loraRank: lora.rank, adapter: gpu.adapter.description,
    engine: engineFig, engineCheckpointing: ckptFig, reference: refFig,
    speedup: refFig ? refFig.msPerStep / engineFig.msPerStep : null,
    memoryRatio: refFig ? engineFig.peakBytes / Math.max(1, refFig.peakBytes) : null,
    speedupCheckpointing: refFig && ckptFig ? refFig.msPerStep / ckptFig.msPerStep : null,
    memoryRatioCheckpointing: refFig && ckptFig ? ckptFig.peakBytes / Math.max(1, refFig.peakBytes) : null,
    stepGflop: flop / 1e9, engineGflops, matmulCeilingGflops: ceiling, mfu: engineGflops / ceiling,
    quantized, kernels,
  };
}
