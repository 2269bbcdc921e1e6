// The engine object behind the app's Web Worker (workers/engine.worker.ts); implements EngineApi from
// src/protocol.ts. It owns the GPU device (or the tfjs fallback), the loaded model and dataset, the
// training session, run persistence (OPFS) and recovery from device loss. It never touches the DOM.
import { zipSync } from 'fflate';
import { readDataset } from '../data/read.ts';
import type { NormalizedRecord } from '../data/records.ts';
import { cacheApiCache, loadRemoteModel, type DownloadProgress } from '../formats/hub.ts';
import { blobFileSet, buildGgufModel, buildHfModel, type BuiltModel } from '../formats/model-loader.ts';
import { blobSource } from '../formats/source.ts';
import type { TabTokenizer } from '../formats/tokenizer.ts';
import { Gpu, GpuError, isSoftwareAdapter } from '../gpu/gpu.ts';
import { matmulOnce } from '../kernels/matmul/matmul.ts';
import { matmul_cpu } from '../kernels/matmul/matmul.ref.ts';
import type {
  BaseDtypeChoice, DataInfo, DataSource, EngineApi, EngineInfo, EnginePreference, EvalInfo, GpuStatus, MatmulSelfTest,
  MemoryEstimate, ModelInfo, ModelSource, ProgressEvent, SampleInfo, SavedRun, TrainEvent, TrainSettings,
} from '../protocol.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint.ts';
import { adapterFiles, sha256Hex, softPromptFiles } from '../train/export.ts';
import { MemoryRunStore, OpfsRunStore, type RunStore, type StoredRun } from '../train/run-store.ts';
import { DEFAULT_SESSION, TrainingSession, sessionSoftPrompt, type EvalEvent, type SessionConfig, type SessionEvent } from '../train/session.ts';
import type { Checkpoint } from '../train/trainer.ts';
import { LORA_TARGETS, type LoraTarget, type ModelConfig } from './config.ts';
import { planMemory } from './model.ts';
import type { BaseDtype } from './quant.ts';
import { Rng } from './rng.ts';
import { numel, type BaseWeightMap } from './weights.ts';
import { readProfiles, readRoleBench } from '../data/rolebench.ts';
import { fitDiscriminator, fitSft, readS3ft, sftRecord, templateHasSystemRole, S3FT_LABELS, type S3ftRecord } from '../data/s3ft.ts';
import { splitTrainVal } from '../data/template.ts';
import type { DiscriminatorInfo, RunState, S3ftRunOptions, S3ftStage, StepInfo } from '../protocol.ts';
import { scoreRoleBench } from '../train/rolebench-eval.ts';
import { chooseThreshold, evaluateDiscriminator, scoreRecords, type BinaryMetrics, type LogitsFn, type ScoreMethod, type Scored } from '../train/s3ft.ts';

interface Loaded {
  name: string;
  config: ModelConfig;
  /** Linear weights already in `baseDtype` (the loaders convert them while reading), the rest f32. */
  weights: BaseWeightMap;
  tokenizer: TabTokenizer | null;
  baseDtype: BaseDtype;
}

/** Where the embedded default lives (served from public/). */
const DEFAULT_MODEL_DIR = 'models/tabtune-tiny/';
const DEFAULT_DATA = 'data/self-prompt.train.jsonl';
const DEFAULT_HELDOUT = 'data/self-prompt.heldout.jsonl';
/** The recipes' bundled samples (public/data). */
const ROLEBENCH_SAMPLE = 'data/rolebench.sample.jsonl';
const ROLEBENCH_PROFILES = 'data/rolebench.desc.json';
const S3FT_CANDIDATES = 'data/s3ft.sample.jsonl';
const S3FT_LABELLED = 'data/s3ft.labelled.jsonl';
/** S3FT validation fractions, as the CLI's defaults (src/cli/s3ft.ts; docs/recipes.md): stage A's held-out labelled records, stage C's split. */
const S3FT_DISCRIMINATOR_VAL_FRACTION = 0.25;
const S3FT_SFT_VAL_FRACTION = 0.2;
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function assetUrl(path: string): string {
  const base = (import.meta as unknown as { env?: { BASE_URL?: string } }).env?.BASE_URL ?? '/';
  return new URL(`${base}${path}`, (globalThis as unknown as { location: { href: string } }).location.href).href;
}

/** A training session's event as the app's protocol reports it; steps go to onStep (the S3FT stages
 *  report theirs as stage steps). */
function reportSessionEvent(session: () => TrainingSession, e: SessionEvent, emit: (e: TrainEvent) => void, onStep: (s: StepInfo) => void): void {
  switch (e.type) {
    case 'data':
      return emit({ type: 'data', train: e.train, val: e.val, tokens: e.stats.tokens, lossFraction: e.stats.lossFraction, truncated: e.stats.truncated, skipped: e.skipped.length });
    case 'step': {
      const { trainer } = session(); // the data event comes before create() returns: only steps need it
      const total = trainer.cfg.steps, st = e.e;
      const perStep = st.elapsedMs / Math.max(1, st.step - (trainer.history[0]?.step ?? 1) + 1);
      return onStep({ step: st.step, totalSteps: total, epoch: st.epoch, loss: st.loss, lr: st.lr, gradNorm: st.gradNorm, tokensPerSecond: st.tokensPerSecond, etaSeconds: (perStep * (total - st.step)) / 1000 });
    }
    case 'eval':
      return emit({ type: 'eval', eval: toEval(e.e) });
    case 'checkpoint':
      return emit({ type: 'checkpoint', step: e.step });
    case 'paused':
      // Reported once the trainer has really stopped stepping, so no step event follows it.
      return emit({ type: 'state', state: 'paused', message: `paused after step ${e.step}` });
  }
}

export class EngineError extends Error {
  override name = 'EngineError';
}

function advise(e: Error): string | null {
  switch (e.name) {
    case 'GpuOutOfMemoryError':
    case 'PlanError':
      return 'Reduce batch size or sequence length, choose an int4 base, or fewer LoRA targets.';
    case 'NonFiniteError':
      return 'Lower the learning rate or enable warmup; the last good checkpoint was kept.';
    case 'DataError':
    case 'SessionError':
      return 'Check the dataset and settings shown above.';
    case 'FormatError':
    case 'HubError':
      return 'Check the model files or URL; see the message for the file and the problem.';
    default:
      return null;
  }
}

function toSample(s: { question: string; reference: { rolePrompt?: string; answer: string }; text: string; rolePrompt: string | null; answer: string }): SampleInfo {
  return { question: s.question, rolePrompt: s.rolePrompt, answer: s.answer, text: s.text, referenceRolePrompt: s.reference.rolePrompt ?? null, referenceAnswer: s.reference.answer };
}

function toEval(e: EvalEvent): EvalInfo {
  return { step: e.step, valLoss: e.valLoss, rolePromptRate: e.rolePromptRate, rougeRolePrompt: e.rougeRolePrompt, rougeAnswer: e.rougeAnswer, samples: e.samples.map(toSample) };
}

export class Engine implements EngineApi {
  private gpu: Promise<Gpu> | null = null;
  private engine: EngineInfo | null = null;
  private model: Loaded | null = null;
  private data: { records: NormalizedRecord[]; heldOut: NormalizedRecord[]; bytes: Uint8Array; name: string } | null = null;
  private session: TrainingSession | null = null;
  private settings: TrainSettings | null = null;
  private runId: string | null = null;
  private store: Promise<RunStore> | null = null;
  private running: Promise<void> | null = null;
  private emit: ((e: TrainEvent) => void) | null = null;

  /** `gpuSource` gives the WebGPU entry point: navigator.gpu in a browser, Dawn's in Node. */
  constructor(private readonly gpuSource: () => GPU | undefined | Promise<GPU | undefined> = () => (globalThis.navigator as Navigator | undefined)?.gpu) {}

  private device(): Promise<Gpu> {
    if (!this.gpu) {
      const p = Promise.resolve(this.gpuSource()).then((g) => Gpu.create(g));
      this.gpu = p;
      p.catch(() => { if (this.gpu === p) this.gpu = null; });
    }
    return this.gpu;
  }

  private runStore(): Promise<RunStore> {
    if (!this.store) this.store = OpfsRunStore.open().then((s) => s ?? new MemoryRunStore());
    return this.store;
  }

  async gpuStatus(): Promise<GpuStatus> {
    try {
      const g = await this.device();
      return { available: true, adapter: g.adapter, software: isSoftwareAdapter(g.adapter), reason: null };
    } catch (e) {
      return { available: false, adapter: null, software: false, reason: (e as Error).message };
    }
  }

  async matmulSelfTest(M: number, N: number, K: number, seed: number): Promise<MatmulSelfTest> {
    const g = await this.device();
    const rng = new Rng(seed);
    const A = rng.fill(M * K);
    const B = rng.fill(K * N);
    const t0 = performance.now();
    const C = await matmulOnce(g, A, B, M, N, K);
    const ms = performance.now() - t0;
    const ref = matmul_cpu(A, B, M, N, K);
    let maxAbsError = 0;
    for (let i = 0; i < C.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(C[i] - ref[i]));
    return { M, N, K, maxAbsError, ok: maxAbsError <= 1e-4 * Math.sqrt(K), ms };
  }

  // --- engine choice ---------------------------------------------------------------------------------

  private async useTfjs(name: 'wasm' | 'cpu'): Promise<void> {
    const { useBackend } = await import('../reference/backend.ts');
    if (name === 'wasm') {
      const [plain, simd, threaded] = await Promise.all([
        import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'),
        import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'),
        import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'),
      ]);
      await useBackend('wasm', { wasmPaths: { 'tfjs-backend-wasm.wasm': plain.default, 'tfjs-backend-wasm-simd.wasm': simd.default, 'tfjs-backend-wasm-threaded-simd.wasm': threaded.default } });
    } else await useBackend('cpu');
  }

  /** GFLOP/s of a 256³ matmul on tfjs-wasm (median of 3). */
  private async measureWasm(): Promise<number> {
    await this.useTfjs('wasm');
    const tf = await import('@tensorflow/tfjs-core');
    const n = 256, times: number[] = [];
    const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
    tf.dispose([a, b]);
    times.sort((x, y) => x - y);
    return (2 * n ** 3) / (times[1] / 1000) / 1e9;
  }

  /** GFLOP/s of our matmul kernel at 256³ (median of 3, after a warm-up). */
  private async measureWebgpu(g: Gpu): Promise<number> {
    const n = 256, rng = new Rng(1), A = rng.fill(n * n), B = rng.fill(n * n), times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      await matmulOnce(g, A, B, n, n, n);
      if (i > 0) times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    return (2 * n ** 3) / (times[1] / 1000) / 1e9;
  }

  async selectEngine(pref: EnginePreference): Promise<EngineInfo> {
    if (!['auto', 'webgpu', 'wasm', 'cpu'].includes(pref)) throw new EngineError(`unknown engine "${pref}" (auto, webgpu, wasm or cpu)`);
    if (pref === 'wasm' || pref === 'cpu') {
      await this.useTfjs(pref);
      return (this.engine = { name: pref, why: `chosen: tfjs-${pref} (the fallback engine)`, fallback: true, measured: null });
    }
    const status = await this.gpuStatus();
    if (!status.available) {
      if (pref === 'webgpu') throw new EngineError(`WebGPU is unavailable: ${status.reason}`);
      await this.useTfjs('wasm');
      return (this.engine = { name: 'wasm', why: `this browser has no usable WebGPU (${status.reason}); using tfjs-wasm`, fallback: true, measured: null });
    }
    if (pref === 'webgpu') return (this.engine = { name: 'webgpu', why: 'chosen: WebGPU (our kernels)', fallback: false, measured: null });
    if (!status.software) return (this.engine = { name: 'webgpu', why: `GPU adapter ${status.adapter!.description}: our WebGPU kernels`, fallback: false, measured: null });
    // A software adapter: measure instead of assuming WebGPU is faster.
    const webgpu = await this.measureWebgpu(await this.device());
    let wasm: number | null = null;
    try {
      wasm = await this.measureWasm();
    } catch {
      wasm = null;
    }
    if (wasm !== null && wasm > webgpu) {
      return (this.engine = { name: 'wasm', why: `software WebGPU adapter (${status.adapter!.description}); measured matmul: tfjs-wasm ${wasm.toFixed(1)} GFLOP/s vs WebGPU ${webgpu.toFixed(2)} GFLOP/s (${(wasm / webgpu).toFixed(1)}× faster)`, fallback: true, measured: { webgpu, wasm } });
    }
    return (this.engine = { name: 'webgpu', why: `measured matmul: WebGPU ${webgpu.toFixed(2)} GFLOP/s vs tfjs-wasm ${wasm?.toFixed(1) ?? 'unavailable'} GFLOP/s`, fallback: false, measured: { webgpu, wasm } });
  }

  // --- model and data --------------------------------------------------------------------------------

  async loadModel(src: ModelSource, baseDtype: BaseDtypeChoice, onProgress: (p: ProgressEvent) => void): Promise<ModelInfo> {
    const progress = (p: DownloadProgress) => onProgress({ file: p.file, loaded: p.loaded, total: p.total, phase: p.phase });
    let name: string, built: BuiltModel;
    if (src.kind === 'files') {
      const gguf = src.files.find((f) => f.name.endsWith('.gguf'));
      if (gguf) {
        name = gguf.name;
        onProgress({ file: gguf.name, loaded: 0, total: gguf.size, phase: 'read' });
        built = await buildGgufModel(blobSource(gguf, gguf.name), baseDtype);
        onProgress({ file: gguf.name, loaded: gguf.size, total: gguf.size, phase: 'done' });
      } else {
        name = src.files[0]?.webkitRelativePath?.split('/')[0] || 'local model';
        built = await buildHfModel(blobFileSet(name, src.files), baseDtype);
        onProgress({ file: 'model.safetensors', loaded: 1, total: 1, phase: 'done' });
      }
    } else {
      const source = src.kind === 'default' ? { kind: 'url' as const, url: assetUrl(DEFAULT_MODEL_DIR) } : src.kind === 'url' ? { kind: 'url' as const, url: src.url } : { kind: 'hub' as const, id: src.id, revision: src.revision };
      // The embedded default is served by the app itself; remote models are cached (Cache API).
      const cache = src.kind === 'default' || typeof caches === 'undefined' ? undefined : cacheApiCache();
      const remote = await loadRemoteModel(source, { cache, onProgress: progress });
      name = src.kind === 'default' ? 'tabtune-tiny (embedded)' : remote.name;
      built = await remote.build(baseDtype);
    }
    const { config, weights, tokenizer } = built;
    const dtype = built.baseDtype; // the request, `native` resolved by the loader
    this.model = { name, config, weights, tokenizer, baseDtype: dtype };
    this.session?.dispose();
    this.session = null;
    let parameters = 0;
    for (const t of weights.values()) parameters += numel(t);
    const plan = planMemory(config, 1, 1, { baseDtype: dtype, lora: null });
    return {
      name, modelType: config.modelType, parameters, layers: config.numLayers, hidden: config.hiddenSize, vocab: config.vocabSize,
      baseDtype: dtype, baseBytes: plan.baseBytes, hasTokenizer: tokenizer !== null, hasChatTemplate: Boolean(tokenizer?.chatTemplate),
    };
  }

  async loadData(src: DataSource): Promise<DataInfo> {
    let bytes: Uint8Array, file: string;
    let heldOut: NormalizedRecord[] = [];
    if (src.kind === 'file') {
      bytes = new Uint8Array(await src.file.arrayBuffer());
      file = src.file.name;
    } else {
      const url = src.kind === 'default' ? assetUrl(DEFAULT_DATA) : src.url;
      const res = await fetch(url);
      if (!res.ok) throw new EngineError(`${url}: HTTP ${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
      file = url.split('/').pop() || url;
      if (src.kind === 'default') {
        const h = await fetch(assetUrl(DEFAULT_HELDOUT));
        if (h.ok) heldOut = readDataset(new Uint8Array(await h.arrayBuffer()), 'self-prompt.heldout.jsonl').records;
      }
    }
    const { records, report } = readDataset(bytes, file);
    this.data = { records, heldOut, bytes, name: file };
    return {
      file, format: report.format, layout: report.layout, mapping: { ...report.mapping } as Record<string, string | undefined>,
      total: report.total, kept: report.kept, rejected: report.rejected,
      rejections: report.rejections.slice(0, 200).map((r) => ({ line: r.line, reason: r.reason, message: r.message })),
      withRolePrompt: report.withRolePrompt,
      preview: records.slice(0, 8).map((r) => ({ question: r.question, rolePrompt: r.rolePrompt ?? null, answer: r.answer })),
      heldOut: heldOut.length,
    };
  }

  private sessionConfig(s: TrainSettings): SessionConfig {
    const targets = s.targets.filter((t): t is LoraTarget => (LORA_TARGETS as readonly string[]).includes(t));
    if (targets.length !== s.targets.length) throw new EngineError(`unknown LoRA targets: ${s.targets.filter((t) => !targets.includes(t as LoraTarget)).join(', ')}`);
    return {
      ...DEFAULT_SESSION,
      recipe: s.recipe === 'self-prompt' ? 'self-prompt' : 'sft', separator: s.separator, seqLen: s.seqLen,
      lora: { rank: s.rank, alpha: s.alpha, dropout: s.dropout, targets, useRslora: false },
      baseDtype: this.model?.baseDtype ?? 'f32',
      steps: s.steps, batchSize: s.batchSize, gradAccum: s.gradAccum, lr: s.lr, warmupRatio: s.warmupRatio,
      evalEvery: s.evalEvery, checkpointEvery: Math.max(1, s.evalEvery || 10), seed: s.seed,
      evalSamples: s.evalSamples ?? DEFAULT_SESSION.evalSamples, maxNewTokens: s.maxNewTokens ?? DEFAULT_SESSION.maxNewTokens,
      ...(s.method && s.method !== 'lora' ? { method: s.method, virtualTokens: s.virtualTokens ?? 20 } : {}),
    };
  }

  async estimateMemory(s: TrainSettings): Promise<MemoryEstimate> {
    if (!this.model) throw new EngineError('load a model first');
    const c = this.sessionConfig(s);
    const p = planMemory(this.model.config, c.batchSize, c.seqLen, { baseDtype: c.baseDtype, lora: c.lora, checkpointing: c.checkpointing });
    let limit: number | null = null;
    try {
      limit = (await this.device()).device.limits.maxStorageBufferBindingSize;
    } catch {
      limit = null;
    }
    const fits = limit === null || p.largestBuffer.bytes <= limit;
    return {
      baseBytes: p.baseBytes, loraBytes: p.loraBytes, activationBytes: p.activationBytes, totalBytes: p.totalBytes, limitBytes: limit, fits,
      advice: fits ? null : `buffer "${p.largestBuffer.name}" needs ${p.largestBuffer.bytes} bytes, over the device limit ${limit}: reduce batch size or sequence length`,
    };
  }

  // --- training --------------------------------------------------------------------------------------

  private async newSession(cfg: SessionConfig, emit: (e: TrainEvent) => void, initial?: Checkpoint): Promise<TrainingSession> {
    const m = this.model!, d = this.data!;
    if (!m.tokenizer) throw new EngineError(`${m.name} has no tokenizer: training on text needs tokenizer.json`);
    const useGpu = (this.engine?.name ?? 'webgpu') === 'webgpu';
    const session = await TrainingSession.create(cfg, {
      config: m.config, weights: m.weights, tokenizer: m.tokenizer, records: d.records,
      evalRecords: d.heldOut.length ? d.heldOut : undefined,
      engine: useGpu ? { kind: 'webgpu', gpu: await this.device() } : { kind: 'reference' },
      initialLora: initial?.lora,
    }, (e) => reportSessionEvent(() => session, e, emit, (step) => emit({ type: 'step', step })));
    if (initial) session.trainer.resume(initial);
    return session;
  }

  async startTraining(s: TrainSettings, onEvent: (e: TrainEvent) => void, resumeRunId?: string): Promise<void> {
    if (this.running) throw new EngineError('a run is already in progress: stop it first');
    if (!this.model) throw new EngineError('load a model first');
    if (!this.data) throw new EngineError('load a dataset first');
    if (!this.engine) await this.selectEngine('auto');
    const emit = (e: TrainEvent) => { try { onEvent(e); } catch { /* the page went away */ } };
    this.emit = emit;
    // A resumed run keeps the settings it was started with, whatever the page's form shows after a reload.
    if (resumeRunId) {
      const saved = (await (await this.runStore()).list()).find((r) => r.id === resumeRunId)?.settings as TrainSettings | undefined;
      if (saved) s = { ...s, ...saved };
    }
    if (s.recipe === 's3ft') throw new EngineError('recipe s3ft runs as a pipeline of three stages: use runS3ft');
    const cfg = this.sessionConfig(s);
    if (s.recipe === 'rolebench') onEvent = this.withRoleBenchEval(cfg, onEvent);
    const store = await this.runStore();
    const dataHash = await sha256Hex(this.data.bytes);
    let initial: Checkpoint | undefined;
    let id = resumeRunId;
    if (id) {
      const ck = await store.loadCheckpoint(id);
      if (!ck) throw new EngineError(`run ${id} has no checkpoint to resume from`);
      const dec = await decodeCheckpoint(ck.json, ck.tensors, id);
      if (dec.run.dataHash !== dataHash || dec.run.model !== this.model.name) throw new EngineError(`run ${id} was trained on other data or another model; load those first`);
      initial = dec.checkpoint;
    } else id = `run-${Date.now().toString(36)}`;
    this.runId = id;
    this.settings = s;
    const runMeta = (state: StoredRun['state'], step: number): StoredRun => ({ id: id!, createdAt: new Date().toISOString(), model: this.model!.name, data: this.data!.name, step, totalSteps: cfg.steps, state, settings: s });
    emit({ type: 'state', state: 'loading' });
    let session: TrainingSession;
    try {
      session = await this.newSession(cfg, emit, initial);
    } catch (e) {
      const err = e as Error;
      emit({ type: 'error', name: err.name, message: err.message, advice: advise(err) });
      emit({ type: 'state', state: 'error', message: err.message });
      throw err;
    }
    this.session = session;
    const persist = async (c: Checkpoint) => {
      const enc = encodeCheckpoint(c, { dataHash, model: this.model!.name });
      await store.saveCheckpoint(id!, enc.json, enc.tensors);
      await store.saveRun(runMeta(c.step >= cfg.steps ? 'done' : 'training', c.step));
    };
    session.onCheckpoint = persist;
    await store.saveRun(runMeta('training', initial?.step ?? 0));
    this.running = (async () => {
      try {
        if (!initial) {
          const base = await session.evaluate(0);
          emit({ type: 'baseline', eval: toEval(base) });
        }
        emit({ type: 'state', state: 'training' });
        for (;;) {
          try {
            await this.session!.run();
            break;
          } catch (e) {
            const g = await this.gpu?.catch(() => null);
            // device.lost resolves asynchronously: give it a moment to report after a failed call.
            if (g && !g.lostReason) await Promise.race([g.device.lost, new Promise((r) => setTimeout(r, 250))]);
            if (g && g.lostReason) {
              // Device lost: new device, rebuild from the last good checkpoint, continue.
              const cur = this.session!;
              const last = cur.trainer.lastGoodCheckpoint!;
              const failedAt = cur.trainer.step + 1;
              const reason = g.lostReason;
              this.gpu = null;
              this.session = await this.newSession(cfg, emit, last);
              this.session.onCheckpoint = persist;
              emit({ type: 'recovered', fromStep: last.step, redone: Math.max(0, failedAt - 1 - last.step), reason });
              continue;
            }
            throw e;
          }
        }
        const final = await this.session!.trainer.checkpoint();
        await persist(final);
        await store.saveRun(runMeta(this.session!.trainer.step >= this.session!.trainer.cfg.steps ? 'done' : 'idle', this.session!.trainer.step));
        emit({ type: 'state', state: this.session!.trainer.step >= this.session!.trainer.cfg.steps ? 'done' : 'idle' });
      } catch (e) {
        const err = e as Error;
        emit({ type: 'error', name: err.name, message: err.message, advice: advise(err) });
        emit({ type: 'state', state: 'error', message: err.message });
        await store.saveRun(runMeta('error', this.session?.trainer.step ?? 0)).catch(() => {});
      } finally {
        this.running = null;
      }
    })();
  }

  async pause(): Promise<void> {
    if (!this.running) return;
    // The 'paused' state is reported by the session once the step under way has finished, or, between
    // an S3FT pipeline's stages (no trainer running), by the pipeline before its next stage.
    this.session?.trainer.pause();
    if (this.pipeline) this.pipeline.pause = true;
  }
  async resume(): Promise<void> {
    if (!this.running) return;
    this.session?.trainer.resumeRun();
    if (this.pipeline?.pause) {
      this.pipeline.pause = false;
      this.pipeline.wake?.();
    }
    this.emit?.({ type: 'state', state: 'training' });
  }
  async stop(): Promise<void> {
    this.session?.trainer.stop();
    if (this.pipeline) {
      this.pipeline.stop = true;
      this.pipeline.wake?.();
    }
    await this.running;
  }

  async generate(question: string, opts: { useAdapter: boolean; maxNewTokens: number }, onToken: (text: string) => void): Promise<SampleInfo> {
    if (!this.model) throw new EngineError('load a model first');
    if (!this.session) {
      if (!this.data) throw new EngineError('load a dataset first');
      // No run yet: a session with a fresh adapter (B = 0, i.e. the base model) answers.
      this.session = await this.newSession({ ...DEFAULT_SESSION, baseDtype: this.model.baseDtype, ...(this.settings ? this.sessionConfig(this.settings) : {}) }, () => {});
    }
    const r = await this.session.ask(question, opts.maxNewTokens, { useAdapter: opts.useAdapter, onText: onToken });
    return { question, rolePrompt: r.rolePrompt, answer: r.answer, text: r.text, referenceRolePrompt: null, referenceAnswer: '' };
  }

  async exportAdapter(): Promise<{ fileName: string; bytes: Uint8Array }> {
    const s = this.session, m = this.model;
    if (!s || !m) throw new EngineError('nothing to export: train (or resume) a run first');
    const meta = {
      recipe: s.cfg.recipe, separator: s.cfg.separator, systemPrompt: s.cfg.systemPrompt ?? null, chatTemplate: m.tokenizer?.chatTemplate ?? null,
      dataHash: this.data ? await sha256Hex(this.data.bytes) : null, baseModel: m.name, baseDtype: m.baseDtype, steps: s.trainer.step, seed: s.cfg.seed, tabtuneVersion: '0.1.0',
    };
    const sp = sessionSoftPrompt(s.cfg), spValues = sp ? await s.backend.getSoftPrompt() : null;
    const files = sp && spValues ? softPromptFiles(m.config, sp, spValues, meta) : adapterFiles(m.config, s.cfg.lora, await s.backend.getLora(), meta);
    const entries: Record<string, Uint8Array> = {};
    for (const [name, c] of files) entries[name] = typeof c === 'string' ? new TextEncoder().encode(c) : c;
    return { fileName: `${this.runId ?? 'tabtune'}-adapter.zip`, bytes: zipSync(entries) };
  }

  async listRuns(): Promise<SavedRun[]> {
    return (await (await this.runStore()).list()).map(({ settings: _s, ...r }) => r);
  }

  async simulateDeviceLoss(): Promise<void> {
    const g = await this.gpu?.catch(() => null);
    if (!g) throw new GpuError('no GPU device to lose');
    g.device.destroy();
  }

  // --- recipes: RoleBench and S3FT (docs/recipes.md) -------------------------------------------------
  // RoleBench trains through startTraining (recipe `rolebench` = SFT on records with role system prompts)
  // and adds a 'rolebench' event after each evaluation. S3FT runs its three stages here, each with its own
  // session; the maths is src/train/s3ft.ts and src/data/s3ft.ts, as the CLI uses it.

  /** What loadRoleBench / loadS3ft read, tied to the `data` it set (loadData replaces both). */
  private recipeData: { recipe: 'rolebench'; forData: Engine['data'] } | { recipe: 's3ft'; forData: Engine['data']; candidates: S3ftRecord[]; labelled: S3ftRecord[] } | null = null;
  /**
   * Pause and stop requests of the S3FT pipeline under way. A stage's trainer honours them while it
   * trains; between stages (measuring the discriminator, scoring the candidates) no trainer runs, so the
   * pipeline checks them at each stage boundary (`gate`).
   */
  private pipeline: { pause: boolean; stop: boolean; wake: (() => void) | null } | null = null;
  /** Stage B's scores of the last S3FT run, for rerunning stage C with another threshold. */
  private s3ftLast: { sources: S3ftRecord[]; scores: Scored[]; method: ScoreMethod; chosen: number | null; skipped: number; seqLen: number } | null = null;

  private async readSource(src: DataSource, defaultPath: string): Promise<{ bytes: Uint8Array; name: string }> {
    if (src.kind === 'file') return { bytes: new Uint8Array(await src.file.arrayBuffer()), name: src.file.name };
    const url = src.kind === 'default' ? assetUrl(defaultPath) : src.url;
    const res = await fetch(url);
    if (!res.ok) throw new EngineError(`${url}: HTTP ${res.status}`);
    return { bytes: new Uint8Array(await res.arrayBuffer()), name: url.split('/').pop() || url };
  }

  async loadRoleBench(src: DataSource, profiles: DataSource, o: { systemTemplate?: string } = {}): Promise<DataInfo> {
    const d = await this.readSource(src, ROLEBENCH_SAMPLE);
    const p = await this.readSource(profiles, ROLEBENCH_PROFILES);
    const prof = readProfiles(new TextDecoder().decode(p.bytes), p.name);
    const { records, report } = readRoleBench(d.bytes, d.name, prof, o.systemTemplate ? { systemTemplate: o.systemTemplate } : {});
    this.data = { records, heldOut: [], bytes: d.bytes, name: d.name };
    this.recipeData = { recipe: 'rolebench', forData: this.data };
    const dropped = Object.entries(report.dropped).filter(([, c]) => c > 0).map(([r, c]) => `${c} ${r}`).join(', ') || 'none';
    return {
      file: d.name, format: 'jsonl', layout: 'rolebench', mapping: { question: 'question', answer: 'generated', system: `${p.name} (role profiles)` },
      total: report.total, kept: report.kept, rejected: report.total - report.kept,
      rejections: report.rejections.slice(0, 200).map((r) => ({ line: r.line, reason: r.reason, message: r.message })),
      withRolePrompt: 0,
      preview: records.slice(0, 8).map((r) => ({ question: r.question, rolePrompt: `${r.role} · ${r.category === 'role_specific' ? 'SPE' : 'CUS'}`, answer: r.answer })),
      heldOut: 0, recipe: 'rolebench', columns: ['question', 'role · split', 'answer'],
      details: [
        `${Object.keys(report.perRole).length} roles: ${Object.entries(report.perRole).map(([r, n]) => `${r} (${n})`).join(', ')}`,
        `${report.perCategory.general} general (CUS), ${report.perCategory.role_specific} role-specific (SPE); dropped: ${dropped}; ${report.candidatesDropped.junk} junk answers removed, ${report.questionsTrimmed} questions trimmed`,
        `System prompt of ${records[0].role}: ${records[0].system}`,
      ],
    };
  }

  async loadS3ft(candidates: DataSource, labelled: DataSource): Promise<DataInfo> {
    const c = await this.readSource(candidates, S3FT_CANDIDATES);
    const l = await this.readSource(labelled, S3FT_LABELLED);
    const cand = readS3ft(c.bytes, c.name, { labels: 'ignore' });
    const lab = readS3ft(l.bytes, l.name, { labels: 'required' });
    // `data` holds the candidates as chat records (its hash names the run; the Playground needs data).
    this.data = { records: cand.records.map((r) => sftRecord(r, { systemRole: true })), heldOut: [], bytes: c.bytes, name: c.name };
    this.recipeData = { recipe: 's3ft', forData: this.data, candidates: cand.records, labelled: lab.records };
    this.s3ftLast = null;
    const rej = [...cand.report.rejections.map((r) => ({ ...r, message: `${c.name}: ${r.message}` })), ...lab.report.rejections.map((r) => ({ ...r, message: `${l.name}: ${r.message}` }))];
    return {
      file: c.name, format: cand.report.format, layout: 's3ft', mapping: { system: 'system', question: 'prompt', answer: 'response', history: 'history' },
      total: cand.report.total, kept: cand.report.kept, rejected: cand.report.rejected,
      rejections: rej.slice(0, 200).map((r) => ({ line: r.line, reason: r.reason, message: r.message })),
      withRolePrompt: 0,
      preview: cand.records.slice(0, 8).map((r) => ({ question: r.prompt, rolePrompt: r.system || null, answer: r.response })),
      heldOut: 0, recipe: 's3ft', columns: ['question', 'system prompt', 'reply'],
      details: [
        `Candidates (stages B and C): ${cand.report.kept} records, ${cand.report.withHistory} with history`,
        `Labelled (stage A), ${l.name}: ${lab.report.kept} kept, ${lab.report.rejected} rejected — ${S3FT_LABELS.map((x) => `${lab.report.labels[x]} ${x}`).join(', ')}`,
      ],
    };
  }

  /** startTraining's events for recipe `rolebench`, with a 'rolebench' event (ROUGE-L) after each evaluation. */
  private withRoleBenchEval(cfg: SessionConfig, onEvent: (e: TrainEvent) => void): (e: TrainEvent) => void {
    const rd = this.recipeData;
    if (!rd || rd.recipe !== 'rolebench' || rd.forData !== this.data) throw new EngineError('recipe rolebench needs RoleBench data: load the records with their profiles (desc.json) first');
    // The session generates its samples for these records, in this order (TrainingSession.create).
    const records = (cfg.valFraction > 0 ? splitTrainVal(this.data!.records, { valFraction: cfg.valFraction, seed: cfg.seed }).val : []).slice(0, cfg.evalSamples);
    return (e) => {
      onEvent(e);
      if (e.type !== 'eval' || records.length === 0 || e.eval.samples.length !== records.length) return;
      const r = scoreRoleBench(e.eval.samples.map((x) => ({ question: x.question, text: x.text })), records);
      // Plain objects: perRole has a null prototype.
      const perRole = Object.fromEntries(Object.entries(r.perRole).map(([k, v]) => [k, { ...v }]));
      onEvent({ type: 'rolebench', eval: { step: e.eval.step, overall: r.overall, cus: r.cus, spe: r.spe, raw: r.raw, rawNote: r.rawNote, perRole } });
    };
  }

  /** A session on given records (the S3FT stages); steps go to onStep, the rest as startTraining reports them. */
  private async stageSession(cfg: SessionConfig, records: NormalizedRecord[], valRecords: NormalizedRecord[] | undefined, emit: (e: TrainEvent) => void, onStep: (s: StepInfo) => void): Promise<TrainingSession> {
    const m = this.model!;
    if (!m.tokenizer) throw new EngineError(`${m.name} has no tokenizer: training on text needs tokenizer.json`);
    const useGpu = (this.engine?.name ?? 'webgpu') === 'webgpu';
    const session: TrainingSession = await TrainingSession.create(cfg, {
      config: m.config, weights: m.weights, tokenizer: m.tokenizer, records, ...(valRecords ? { valRecords } : {}),
      engine: useGpu ? { kind: 'webgpu', gpu: await this.device() } : { kind: 'reference' },
    }, (e) => e.type !== 'checkpoint' && reportSessionEvent(() => session, e, emit, onStep));
    return session;
  }

  async runS3ft(s: TrainSettings, o: S3ftRunOptions, onEvent: (e: TrainEvent) => void): Promise<void> {
    if (this.running) throw new EngineError('a run is already in progress: stop it first');
    if (!this.model) throw new EngineError('load a model first');
    const rd = this.recipeData;
    if (!rd || rd.recipe !== 's3ft' || rd.forData !== this.data) throw new EngineError('recipe s3ft needs S3FT data: load the candidates and the labelled records first');
    const tok = this.model.tokenizer;
    if (!tok) throw new EngineError(`${this.model.name} has no tokenizer: training on text needs tokenizer.json`);
    const seqLen = Math.min(s.seqLen, this.model.config.maxPositionEmbeddings);
    if (o.from === 'sft' && (!this.s3ftLast || this.s3ftLast.seqLen !== seqLen)) throw new EngineError('no stage B scores for these settings yet: run the whole pipeline first');
    if (o.threshold != null && !(o.threshold >= 0 && o.threshold <= 1)) throw new EngineError(`the threshold must be a probability in [0, 1], got ${o.threshold}`);
    if (!this.engine) await this.selectEngine('auto');
    const emit = (e: TrainEvent) => { try { onEvent(e); } catch { /* the page went away */ } };
    this.emit = emit;
    this.runId = `s3ft-${Date.now().toString(36)}`;
    this.settings = s;
    // Stage sessions: SFT on their own records; no generated samples (they would ask without the history).
    const base: SessionConfig = { ...this.sessionConfig({ ...s, recipe: 'sft' }), seqLen, evalSamples: 0 };
    const vocabSize = this.model.config.vocabSize;
    const stage = (st: S3ftStage, state: 'running' | 'done', message?: string) => emit({ type: 's3ft-stage', stage: st, state, ...(message ? { message } : {}) });
    const stopped = (x: TrainingSession) => x.trainer.step < x.trainer.cfg.steps;
    this.session?.dispose();
    this.session = null;
    const ctl: NonNullable<Engine['pipeline']> = { pause: false, stop: false, wake: null };
    this.pipeline = ctl;
    /** At a stage boundary: false when stopped; waits while paused ("paused before <next>"). */
    const gate = async (next: string): Promise<boolean> => {
      if (ctl.pause && !ctl.stop) {
        const woken = new Promise<void>((r) => (ctl.wake = r));
        emit({ type: 'state', state: 'paused', message: `paused before ${next}` });
        await woken;
        ctl.wake = null;
      }
      return !ctl.stop;
    };
    emit({ type: 'state', state: 'loading' });
    const run = async (): Promise<RunState> => {
      if (o.from !== 'sft') {
        // A: the discriminator, measured on the held-out labelled records before and after training.
        stage('discriminator', 'running');
        const { train, val } = splitTrainVal(rd.labelled, { valFraction: S3FT_DISCRIMINATOR_VAL_FRACTION, seed: s.seed });
        const ft = fitDiscriminator(tok, train, seqLen), fv = fitDiscriminator(tok, val, seqLen);
        if (ft.items.length === 0) throw new EngineError(`no labelled record fits the sequence length ${seqLen}: raise it`);
        const truth = fv.sources.map((r) => r.label!);
        // No periodic evaluation: the discriminator is measured below (the run's chart shows stage C).
        const a = await this.stageSession({ ...base, valFraction: 0, evalEvery: 0, checkpointEvery: 0 }, ft.items, fv.items, (e) => e.type !== 'eval' && emit(e), (step) => emit({ type: 's3ft-step', stage: 'discriminator', step }));
        this.session = a;
        const logits: LogitsFn = (t, B, T) => a.logits(t, B, T);
        const measure = async (step: number) => {
          if (fv.items.length === 0) return null;
          const { method, scores } = await scoreRecords(logits, tok, fv.items, { batchSize: s.batchSize, vocabSize });
          return { method, ev: evaluateDiscriminator(scores, truth), pEx: scores.map((x) => x.pExcellent), step };
        };
        const info = (r: NonNullable<Awaited<ReturnType<typeof measure>>>, chosen: BinaryMetrics | null): DiscriminatorInfo => ({
          step: r.step, n: r.ev.n, accuracy: r.ev.accuracy, meanTrueProb: r.ev.meanTrueProb, labels: [...r.ev.labels], confusion: r.ev.confusion, scoring: r.method,
          chosen: chosen && { threshold: chosen.threshold, precision: chosen.precision, recall: chosen.recall, f1: chosen.f1, accuracy: chosen.accuracy },
        });
        const before = await measure(0);
        if (before) emit({ type: 'discriminator', when: 'before', eval: info(before, null) });
        emit({ type: 'state', state: 'training', message: `stage A: discriminator on ${ft.items.length} labelled records` });
        await a.run();
        if (stopped(a)) return 'idle';
        const after = await measure(a.trainer.step);
        const chosen = after ? chooseThreshold(after.pEx, truth.map((t) => t === 'excellent'), 'f1') : null;
        if (after) emit({ type: 'discriminator', when: 'after', eval: info(after, chosen) });
        stage('discriminator', 'done', after ? `accuracy ${pct(before!.ev.accuracy)} → ${pct(after.ev.accuracy)} on ${after.ev.n} held-out records` : 'no held-out record fits the sequence length');
        if (!(await gate('stage B (filter)'))) return 'idle';
        // B: P(excellent) of every candidate, with the trained discriminator.
        stage('filter', 'running');
        const fc = fitDiscriminator(tok, rd.candidates, seqLen);
        if (fc.items.length === 0) throw new EngineError(`no candidate fits the sequence length ${seqLen}: raise it`);
        const cs = await scoreRecords(logits, tok, fc.items, { batchSize: s.batchSize, vocabSize });
        this.s3ftLast = { sources: fc.sources, scores: cs.scores, method: cs.method, chosen: chosen?.threshold ?? null, skipped: fc.skipped.length, seqLen };
        a.dispose();
        this.session = null;
      }
      const last = this.s3ftLast!;
      const threshold = o.threshold ?? last.chosen ?? 0.5;
      emit({
        type: 's3ft-scores',
        scores: {
          scoring: last.method, threshold, chosenThreshold: last.chosen, skipped: last.skipped,
          candidates: last.sources.map((r, i) => ({ id: r.id, line: r.line, system: r.system, history: r.history.length, prompt: r.prompt, response: r.response, pExcellent: last.scores[i].pExcellent, predicted: last.scores[i].predicted })),
        },
      });
      const kept = last.sources.filter((_, i) => last.scores[i].pExcellent >= threshold);
      stage('filter', 'done', `kept ${kept.length} of ${last.sources.length} candidates (P(excellent) ≥ ${threshold.toPrecision(3)})`);
      if (!(await gate('stage C (SFT)'))) return 'idle';
      // C: SFT on the kept records with their system prompts; loss on the final reply.
      stage('sft', 'running');
      if (kept.length === 0) throw new EngineError(`no candidate has P(excellent) ≥ ${threshold}: lower the threshold and run stage C again`);
      const f = fitSft(tok, kept, seqLen, { systemRole: templateHasSystemRole(tok), lossOn: 'final' });
      if (f.items.length === 0) throw new EngineError(`no kept record fits the sequence length ${seqLen}: raise it`);
      const c = await this.stageSession({ ...base, lossOn: 'final', valFraction: S3FT_SFT_VAL_FRACTION }, f.items, undefined, emit, (step) => emit({ type: 'step', step }));
      this.session = c;
      emit({ type: 'baseline', eval: toEval(await c.evaluate(0)) });
      emit({ type: 'state', state: 'training', message: `stage C: SFT on ${f.items.length} kept records` });
      await c.run();
      if (stopped(c)) return 'idle';
      stage('sft', 'done', `trained ${c.trainer.step} steps on ${c.train.length} records (${c.val.length} for validation)`);
      return 'done';
    };
    this.running = (async () => {
      try {
        emit({ type: 'state', state: await run() });
      } catch (e) {
        const err = e as Error;
        emit({ type: 'error', name: err.name, message: err.message, advice: advise(err) });
        emit({ type: 'state', state: 'error', message: err.message });
      } finally {
        this.running = null;
        this.pipeline = null;
      }
    })();
  }
}
