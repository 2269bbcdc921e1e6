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
import { adapterFiles, sha256Hex } from '../train/export.ts';
import { MemoryRunStore, OpfsRunStore, type RunStore, type StoredRun } from '../train/run-store.ts';
import { DEFAULT_SESSION, TrainingSession, type EvalEvent, type SessionConfig } from '../train/session.ts';
import type { Checkpoint } from '../train/trainer.ts';
import { LORA_TARGETS, type LoraTarget, type ModelConfig } from './config.ts';
import { planMemory } from './model.ts';
import type { BaseDtype } from './quant.ts';
import { Rng } from './rng.ts';
import type { WeightMap } from './weights.ts';

interface Loaded {
  name: string;
  config: ModelConfig;
  weights: WeightMap;
  tokenizer: TabTokenizer | null;
  baseDtype: BaseDtype;
}

/** Where the embedded default lives (served from public/). */
const DEFAULT_MODEL_DIR = 'models/tabtune-tiny/';
const DEFAULT_DATA = 'data/self-prompt.train.jsonl';
const DEFAULT_HELDOUT = 'data/self-prompt.heldout.jsonl';

function assetUrl(path: string): string {
  const base = (import.meta as unknown as { env?: { BASE_URL?: string } }).env?.BASE_URL ?? '/';
  return new URL(`${base}${path}`, (globalThis as unknown as { location: { href: string } }).location.href).href;
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
        built = await buildGgufModel(blobSource(gguf, gguf.name));
        onProgress({ file: gguf.name, loaded: gguf.size, total: gguf.size, phase: 'done' });
      } else {
        name = src.files[0]?.webkitRelativePath?.split('/')[0] || 'local model';
        built = await buildHfModel(blobFileSet(name, src.files));
        onProgress({ file: 'model.safetensors', loaded: 1, total: 1, phase: 'done' });
      }
    } else {
      const source = src.kind === 'default' ? { kind: 'url' as const, url: assetUrl(DEFAULT_MODEL_DIR) } : src.kind === 'url' ? { kind: 'url' as const, url: src.url } : { kind: 'hub' as const, id: src.id, revision: src.revision };
      // The embedded default is served by the app itself; remote models are cached (Cache API).
      const cache = src.kind === 'default' || typeof caches === 'undefined' ? undefined : cacheApiCache();
      const remote = await loadRemoteModel(source, { cache, onProgress: progress });
      name = src.kind === 'default' ? 'tabtune-tiny (embedded)' : remote.name;
      built = await remote.build();
    }
    const { config, weights, tokenizer } = built;
    const dtype: BaseDtype = baseDtype === 'native' ? built.nativeDtype : baseDtype;
    this.model = { name, config, weights, tokenizer, baseDtype: dtype };
    this.session?.dispose();
    this.session = null;
    let parameters = 0;
    for (const t of weights.values()) parameters += t.data.length;
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
      recipe: s.recipe, separator: s.separator, seqLen: s.seqLen,
      lora: { rank: s.rank, alpha: s.alpha, dropout: s.dropout, targets, useRslora: false },
      baseDtype: this.model?.baseDtype ?? 'f32',
      steps: s.steps, batchSize: s.batchSize, gradAccum: s.gradAccum, lr: s.lr, warmupRatio: s.warmupRatio,
      evalEvery: s.evalEvery, checkpointEvery: Math.max(1, s.evalEvery || 10), seed: s.seed,
      evalSamples: s.evalSamples ?? DEFAULT_SESSION.evalSamples, maxNewTokens: s.maxNewTokens ?? DEFAULT_SESSION.maxNewTokens,
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
    }, (e) => {
      if (e.type === 'data') emit({ type: 'data', train: e.train, val: e.val, tokens: e.stats.tokens, lossFraction: e.stats.lossFraction, truncated: e.stats.truncated, skipped: e.skipped.length });
      else if (e.type === 'step') {
        const total = session.trainer.cfg.steps, st = e.e;
        const perStep = st.elapsedMs / Math.max(1, st.step - (session.trainer.history[0]?.step ?? 1) + 1);
        emit({ type: 'step', step: { step: st.step, totalSteps: total, epoch: st.epoch, loss: st.loss, lr: st.lr, gradNorm: st.gradNorm, tokensPerSecond: st.tokensPerSecond, etaSeconds: (perStep * (total - st.step)) / 1000 } });
      } else if (e.type === 'eval') emit({ type: 'eval', eval: toEval(e.e) });
      else if (e.type === 'checkpoint') emit({ type: 'checkpoint', step: e.step });
    });
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
    const cfg = this.sessionConfig(s);
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
    if (!this.session || !this.running) return;
    this.session.trainer.pause();
    this.emit?.({ type: 'state', state: 'paused' });
  }
  async resume(): Promise<void> {
    if (!this.session || !this.running) return;
    this.session.trainer.resumeRun();
    this.emit?.({ type: 'state', state: 'training' });
  }
  async stop(): Promise<void> {
    this.session?.trainer.stop();
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
    const files = adapterFiles(m.config, s.cfg.lora, await s.backend.getLora(), {
      recipe: s.cfg.recipe, separator: s.cfg.separator, systemPrompt: s.cfg.systemPrompt ?? null, chatTemplate: m.tokenizer?.chatTemplate ?? null,
      dataHash: this.data ? await sha256Hex(this.data.bytes) : null, baseModel: m.name, baseDtype: m.baseDtype, steps: s.trainer.step, seed: s.cfg.seed, tabtuneVersion: '0.1.0',
    });
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
}
