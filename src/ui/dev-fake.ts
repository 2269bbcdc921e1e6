// A fake EngineApi that runs in the page (no worker, no model): it answers every call with plausible
// values on timers so the UI can be developed and its e2e specs run in seconds. Loaded only with
// ?fake=1 (see src/main.ts); never used otherwise.
//
// Knobs, for tests: a Hub id or URL containing "missing" fails to load (name NotFoundError); seqLen ×
// batch above 65,536 does not fit in memory; runs are remembered in localStorage ("tabtune.fake.runs")
// so a reload shows an interrupted run. Sample text deliberately contains markup ("<b>…</b>",
// "<img onerror>") to prove the UI renders dataset and model text as text. The recipes: loadRoleBench and
// loadS3ft answer with fixed reports; recipe `rolebench` adds a 'rolebench' event after each evaluation;
// runS3ft plays the three stages (12 candidates, P(excellent) 0.05…0.90, chosen threshold 0.5) in seconds.
import type {
  BaseDtypeChoice, DataInfo, DataSource, EngineApi, EngineInfo, EnginePreference, EvalInfo, GpuStatus, MatmulSelfTest, MemoryEstimate,
  ModelInfo, ModelSource, ProgressEvent, RoleBenchEvalInfo, RunState, S3ftCandidateInfo, S3ftRunOptions, SampleInfo, SavedRun, StepInfo, TrainEvent, TrainSettings,
} from '../protocol.ts';

const RUNS_KEY = 'tabtune.fake.runs';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

const QUESTIONS = [
  { q: 'Why do plants need sunlight?', role: 'As a horticulturist at a public garden, I will keep it practical.', a: 'Plants use sunlight to make food by photosynthesis.' },
  { q: 'What is an even number?', role: 'As a mathematics teacher, I will show you step by step.', a: 'An even number divides by 2 with nothing left over.' },
  { q: 'Is <b>bold</b> HTML rendered here?', role: 'As a web developer, I check that <img src=x onerror="window.__xss=1"> stays text.', a: 'No: <script>window.__xss=1</script> is shown as text.' },
  { q: 'Tell me why the sky is blue.', role: 'Thinking like a weather forecaster, I will explain the air.', a: 'Air scatters blue light more than red light.' },
];

function sample(i: number, tuned: number): SampleInfo {
  const x = QUESTIONS[i % QUESTIONS.length];
  // Early on the tuned model rarely writes a role prompt; later it usually does.
  const role = tuned > 0 && (i + Math.floor(tuned * 4)) % 4 !== 0 ? x.role : null;
  const answer = tuned > 0 ? x.a : `${x.a.split(' ').slice(0, 4).join(' ')} … (base model rambles)`;
  return { question: x.q, rolePrompt: role, answer, text: role ? `${role}\n\n${answer}` : answer, referenceRolePrompt: x.role, referenceAnswer: x.a };
}

function evalInfo(step: number, totalSteps: number, valLoss: number | null): EvalInfo {
  const t = step / Math.max(1, totalSteps);
  const samples = [0, 1, 2, 3].map((i) => sample(i, t));
  return {
    step, valLoss,
    rolePromptRate: samples.filter((s) => s.rolePrompt).length / samples.length,
    rougeRolePrompt: t > 0 ? 0.2 + 0.5 * t : null,
    rougeAnswer: 0.15 + 0.6 * t,
    samples,
  };
}

const ROLES = ['Captain Hollis Brack', 'Dr. Juniper <i>Vale</i>'];

/** ROUGE-L rising with training; RAW is null (the sample has no out-of-character answers). */
function roleBenchEval(step: number, totalSteps: number): RoleBenchEvalInfo {
  const t = step / Math.max(1, totalSteps);
  const g = (x: number, n: number) => ({ n, rougeL: Math.min(1, x) });
  const perRole = Object.fromEntries(ROLES.map((r, i) => [r, { overall: g(0.05 + 0.3 * t + 0.02 * i, 2), cus: g(0.06 + 0.3 * t, 1), spe: g(0.04 + 0.3 * t + 0.04 * i, 1) }]));
  return { step, overall: g(0.06 + 0.3 * t, 4), cus: g(0.07 + 0.3 * t, 2), spe: g(0.05 + 0.3 * t, 2), raw: { n: 0, rougeL: null }, rawNote: 'RAW needs the original answers (fake)', perRole };
}

const S3FT_LABELS = ['excellent', 'incoherent', 'ignores_system', 'both', 'not_applicable'];

/** 12 fake candidates; one carries markup to prove the table renders it as text. */
function fakeCandidates(): S3ftCandidateInfo[] {
  return Array.from({ length: 12 }, (_, i) => ({
    id: `s3ft.sample.jsonl:${i + 1}`, line: i + 1, system: i % 2 ? 'Answer in one sentence only.' : 'Talk like a pirate.', history: i % 3,
    prompt: i === 3 ? 'Is <b>this</b> bold?' : `Question number ${i + 1}?`, response: i === 3 ? 'No: <img src=x onerror="window.__xss=1"> is text.' : `Reply number ${i + 1}.`,
    pExcellent: Number((0.05 + ((i * 37) % 12) / 13).toFixed(4)), predicted: S3FT_LABELS[i % 5],
  }));
}

export function createFakeEngine(): EngineApi {
  let engineName: EngineInfo['name'] = 'wasm';
  let model: ModelInfo | null = null;
  let state: RunState = 'idle';
  let runId: string | null = null;
  let paused = false;
  let pauseRequested = false; // like the engine: a pause takes effect after the tick under way
  let stopped = false;
  let trained = false;
  /** The active run's state reporter (pause/resume report through the run's callback). */
  let report: ((st: RunState, message?: string) => void) | null = null;
  /** A requested pause takes effect here, between ticks, and is reported then (as the engine does). */
  const takePause = (step: number): void => {
    if (!pauseRequested) return;
    pauseRequested = false;
    paused = true;
    report?.('paused', `paused after step ${step}`);
  };

  const loadRuns = (): SavedRun[] => {
    try {
      return JSON.parse(localStorage.getItem(RUNS_KEY) ?? '[]') as SavedRun[];
    } catch {
      return [];
    }
  };
  const saveRun = (r: SavedRun) => {
    const all = loadRuns().filter((x) => x.id !== r.id);
    localStorage.setItem(RUNS_KEY, JSON.stringify([...all, r]));
  };

  return {
    async gpuStatus(): Promise<GpuStatus> {
      await sleep(50);
      return {
        available: true,
        software: true,
        reason: null,
        adapter: {
          vendor: 'google', architecture: 'swiftshader', device: '', description: 'google / swiftshader (fake)', isFallbackAdapter: false,
          features: ['subgroups', 'timestamp-query'], limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30, maxComputeWorkgroupStorageSize: 32768 },
        },
      };
    },
    async matmulSelfTest(M, N, K): Promise<MatmulSelfTest> {
      await sleep(50);
      return { M, N, K, maxAbsError: 3e-7, ok: true, ms: 4 };
    },
    async selectEngine(pref: EnginePreference): Promise<EngineInfo> {
      await sleep(pref === 'auto' ? 300 : 50);
      engineName = pref === 'auto' ? 'wasm' : pref;
      const fallback = engineName !== 'webgpu';
      const why = pref === 'auto' ? 'measured: wasm 7.9× faster than WebGPU on this software adapter' : `chosen by you (${pref})`;
      return { name: engineName, why, fallback, measured: pref === 'auto' ? { webgpu: 2.6, wasm: 20.5 } : null };
    },
    async loadModel(src: ModelSource, baseDtype: BaseDtypeChoice, onProgress: (p: ProgressEvent) => void): Promise<ModelInfo> {
      const label = src.kind === 'hub' ? src.id : src.kind === 'url' ? src.url : src.kind === 'files' ? src.files.map((f) => f.name).join(',') : 'tabtune-tiny';
      if (label.includes('missing')) {
        await sleep(100);
        throw named('NotFoundError', `${label}: 404 Not Found (config.json)`);
      }
      const files: [string, number][] = src.kind === 'files' ? src.files.map((f) => [f.name, f.size]) : [['config.json', 700], ['tokenizer.json', 42_034], ['model.safetensors', 4_200_000]];
      for (const [file, total] of files) {
        for (let i = 1; i <= 5; i++) {
          await sleep(40);
          onProgress({ file, loaded: (total * i) / 5, total, phase: i < 5 ? 'download' : 'done' });
        }
      }
      const dtype = baseDtype === 'native' ? 'f32' : baseDtype;
      model = { name: label.split('/').pop() ?? label, modelType: 'llama', parameters: 1_054_976, layers: 4, hidden: 128, vocab: 2048, baseDtype: dtype, baseBytes: 1_054_976 * (dtype === 'f32' ? 4 : dtype === 'f16' ? 2 : dtype === 'int8' ? 1 : 0.5), hasTokenizer: true, hasChatTemplate: true };
      return model;
    },
    async loadData(src: DataSource): Promise<DataInfo> {
      await sleep(150);
      if (src.kind === 'url' && src.url.includes('missing')) throw named('NotFoundError', `${src.url}: 404 Not Found`);
      const file = src.kind === 'file' ? src.file.name : src.kind === 'url' ? src.url.split('/').pop()! : 'self-prompt.train.jsonl';
      return {
        file, format: file.endsWith('.csv') ? 'csv' : 'jsonl', layout: 'question/role_prompt/answer',
        mapping: { question: 'question', rolePrompt: 'role_prompt', answer: 'answer', system: undefined },
        total: 435, kept: 432, rejected: 3,
        rejections: [
          { line: 17, reason: 'missing-answer', message: 'no "answer" field' },
          { line: 99, reason: 'invalid-json', message: 'Unexpected token < in JSON: "<b>oops</b>"' },
          { line: 230, reason: 'empty-question', message: 'question is empty' },
        ],
        withRolePrompt: 432,
        preview: QUESTIONS.map((x): DataInfo['preview'][number] => ({ question: x.q, rolePrompt: x.role, answer: x.a })).concat([{ question: 'A record without a role prompt?', rolePrompt: null, answer: 'Then the cell says so.' }]),
        heldOut: 43,
      };
    },
    async estimateMemory(s: TrainSettings): Promise<MemoryEstimate> {
      await sleep(20);
      const baseBytes = model?.baseBytes ?? 0;
      const loraBytes = s.targets.length * 4 * 2 * s.rank * 128 * 4 * 3;
      const activationBytes = s.batchSize * s.seqLen * 128 * 4 * 40;
      const limitBytes = 2 ** 30;
      const fits = s.batchSize * s.seqLen <= 65_536;
      return { baseBytes, loraBytes, activationBytes, totalBytes: baseBytes + loraBytes + activationBytes, limitBytes, fits, advice: fits ? null : 'Lower batch size × sequence length below 65,536 tokens, or use gradient accumulation.' };
    },
    async startTraining(s: TrainSettings, onEvent: (e: TrainEvent) => void, resumeRunId?: string): Promise<void> {
      if (!model) throw named('StateError', 'no model loaded');
      if (state === 'training' || state === 'paused') throw named('StateError', 'a run is already active');
      const previous = resumeRunId ? loadRuns().find((r) => r.id === resumeRunId) : undefined;
      if (resumeRunId && !previous) throw named('NotFoundError', `no saved run ${resumeRunId}`);
      const id = previous?.id ?? `run-${Date.now().toString(36)}`;
      runId = id;
      paused = pauseRequested = false;
      stopped = false;
      const total = previous?.totalSteps ?? s.steps;
      let step = previous?.step ?? 0;
      const created = previous?.createdAt ?? new Date().toISOString();
      const emitState = (st: RunState, message?: string) => {
        state = st;
        saveRun({ id, createdAt: created, model: model!.name, data: 'self-prompt.train.jsonl', step, totalSteps: total, state: st });
        onEvent({ type: 'state', state: st, message });
      };
      report = emitState;
      if (s.recipe === 's3ft') throw named('EngineError', 'recipe s3ft runs as a pipeline: use runS3ft');
      const rolebench = s.recipe === 'rolebench';
      emitState('training', previous ? `resumed from step ${step}` : undefined);
      onEvent({ type: 'data', train: 389, val: 43, tokens: 24_812, lossFraction: 0.62, truncated: 2, skipped: 0 });
      if (!previous) onEvent({ type: 'baseline', eval: evalInfo(0, total, 3.1) });
      if (!previous && rolebench) onEvent({ type: 'rolebench', eval: roleBenchEval(0, total) });
      // About 6 s per run whatever the step count: a tick every 20 ms emits total/300 steps.
      const perTick = Math.max(1, Math.ceil(total / 300));
      void (async () => {
        while (step < total) {
          await sleep(20);
          if (runId !== id) return;
          if (stopped) return emitState('done', `stopped at step ${step}`);
          takePause(step);
          if (paused) continue;
          for (let k = 0; k < perTick && step < total; k++) {
            step++;
            const t = step / total;
            const loss = 0.4 + 2.6 * Math.exp(-4 * t) + 0.08 * Math.sin(step * 1.7);
            const warm = Math.max(1, Math.round(s.warmupRatio * total));
            const lr = step < warm ? (s.lr * step) / warm : s.lr * (0.1 + 0.45 * (1 + Math.cos(Math.PI * (step - warm) / Math.max(1, total - warm))));
            onEvent({ type: 'step', step: { step, totalSteps: total, epoch: (step * s.batchSize * s.gradAccum) / 389, loss, lr, gradNorm: 1.2 - t, tokensPerSecond: 1800 + 50 * Math.sin(step), etaSeconds: ((total - step) * 6) / 300 } });
            if (step % s.evalEvery === 0 || step === total) {
              onEvent({ type: 'eval', eval: evalInfo(step, total, 0.5 + 2.5 * Math.exp(-3.5 * t)) });
              if (rolebench) onEvent({ type: 'rolebench', eval: roleBenchEval(step, total) });
            }
            if (step % 20 === 0) onEvent({ type: 'checkpoint', step });
          }
          if (step % 20 < perTick) saveRun({ id, createdAt: created, model: model!.name, data: 'self-prompt.train.jsonl', step, totalSteps: total, state: paused ? 'paused' : 'training' });
        }
        trained = true;
        emitState('done');
      })();
    },
    async pause() {
      if (state !== 'training') throw named('StateError', 'not training');
      pauseRequested = true;
    },
    async resume() {
      if (state !== 'paused') throw named('StateError', 'not paused');
      pauseRequested = false;
      paused = false;
      report?.('training');
    },
    async stop() {
      stopped = true;
      paused = false;
    },
    async generate(question: string, opts: { useAdapter: boolean; maxNewTokens: number }, onToken: (text: string) => void): Promise<SampleInfo> {
      if (!model) throw named('StateError', 'no model loaded');
      const role = opts.useAdapter && trained ? 'As a curious generalist, I will answer plainly.' : null;
      const answer = `You asked: "${question}". Here is a short answer with <i>markup</i> kept as text.`;
      const text = role ? `${role}\n\n${answer}` : answer;
      const pieces = text.split(/(?<=\s)/).slice(0, opts.maxNewTokens);
      for (const p of pieces) {
        await sleep(25);
        onToken(p);
      }
      const out = pieces.join('');
      return { question, rolePrompt: role, answer: role ? out.slice(role.length + 2) : out, text: out, referenceRolePrompt: null, referenceAnswer: '' };
    },
    async exportAdapter() {
      if (!trained && !runId) throw named('StateError', 'nothing trained yet');
      // "PK\x05\x06" + 18 zero bytes: an empty but valid zip archive.
      const bytes = new Uint8Array(22);
      bytes.set([0x50, 0x4b, 0x05, 0x06]);
      return { fileName: 'tabtune-adapter-fake.zip', bytes };
    },
    async listRuns() {
      await sleep(30);
      return loadRuns();
    },
    async simulateDeviceLoss() {
      /* nothing to lose */
    },
    async loadRoleBench(src: DataSource, profiles: DataSource): Promise<DataInfo> {
      await sleep(100);
      const file = src.kind === 'file' ? src.file.name : src.kind === 'url' ? src.url.split('/').pop()! : 'rolebench.sample.jsonl';
      const prof = profiles.kind === 'file' ? profiles.file.name : profiles.kind === 'url' ? profiles.url.split('/').pop()! : 'rolebench.desc.json';
      return {
        file, format: 'jsonl', layout: 'rolebench', mapping: { question: 'question', answer: 'generated', system: `${prof} (role profiles)` },
        total: 66, kept: 64, rejected: 2, rejections: [{ line: 2, reason: 'junk', message: 'line 2: no usable answer (junk: "(No response provided)")' }],
        withRolePrompt: 0, heldOut: 0, recipe: 'rolebench', columns: ['question', 'role · split', 'answer'],
        preview: ROLES.map((r) => ({ question: 'Give three tips for staying healthy.', rolePrompt: `${r} · CUS`, answer: 'Eat plain food and get out in the wind.' })),
        details: [`2 roles: ${ROLES.join(', ')}`, '16 general (CUS), 48 role-specific (SPE)', `profiles: ${prof}`],
      };
    },
    async loadS3ft(candidates: DataSource, labelled: DataSource): Promise<DataInfo> {
      await sleep(100);
      const file = candidates.kind === 'file' ? candidates.file.name : candidates.kind === 'url' ? candidates.url.split('/').pop()! : 's3ft.sample.jsonl';
      const lab = labelled.kind === 'file' ? labelled.file.name : labelled.kind === 'url' ? labelled.url.split('/').pop()! : 's3ft.labelled.jsonl';
      return {
        file, format: 'jsonl', layout: 's3ft', mapping: { system: 'system', question: 'prompt', answer: 'response' },
        total: 12, kept: 12, rejected: 0, rejections: [], withRolePrompt: 0, heldOut: 0, recipe: 's3ft', columns: ['question', 'system prompt', 'reply'],
        preview: fakeCandidates().slice(0, 4).map((c) => ({ question: c.prompt, rolePrompt: c.system, answer: c.response })),
        details: ['Candidates (stages B and C): 12 records', `Labelled (stage A), ${lab}: 72 kept, 0 rejected — 28 excellent, 14 incoherent, 14 ignores_system, 8 both, 8 not_applicable`],
      };
    },
    async runS3ft(s: TrainSettings, o: S3ftRunOptions, onEvent: (e: TrainEvent) => void): Promise<void> {
      if (!model) throw named('StateError', 'no model loaded');
      if (state === 'training' || state === 'paused') throw named('StateError', 'a run is already active');
      const id = `s3ft-${Date.now().toString(36)}`;
      runId = id;
      paused = pauseRequested = false;
      stopped = false;
      const emitState = (st: RunState, message?: string) => {
        state = st;
        onEvent({ type: 'state', state: st, message });
      };
      report = emitState;
      const total = s.steps;
      const steps = async (each: (st: StepInfo) => void): Promise<boolean> => {
        for (let step = 0; step < total; ) {
          await sleep(20);
          if (runId !== id || stopped) return false;
          takePause(step);
          if (paused) continue;
          step = Math.min(total, step + Math.max(1, Math.ceil(total / 100)));
          const t = step / total;
          each({ step, totalSteps: total, epoch: step / 10, loss: 0.4 + 2.6 * Math.exp(-4 * t), lr: s.lr, gradNorm: 1, tokensPerSecond: 1500, etaSeconds: (total - step) * 0.02 });
        }
        return true;
      };
      const confusion = (k: number) => S3FT_LABELS.map((_, i) => S3FT_LABELS.map((__, j) => (i === j ? k + i : (i + j) % 3)));
      emitState('loading');
      void (async () => {
        if (o.from !== 'sft') {
          onEvent({ type: 's3ft-stage', stage: 'discriminator', state: 'running' });
          onEvent({ type: 'discriminator', when: 'before', eval: { step: 0, n: 18, accuracy: 0.222, meanTrueProb: 0.2, labels: S3FT_LABELS, confusion: confusion(0), scoring: 'first-token', chosen: null } });
          emitState('training', 'stage A: discriminator on 54 labelled records');
          if (!(await steps((step) => onEvent({ type: 's3ft-step', stage: 'discriminator', step })))) return emitState('idle', 'stopped');
          onEvent({ type: 'discriminator', when: 'after', eval: { step: total, n: 18, accuracy: 0.611, meanTrueProb: 0.41, labels: S3FT_LABELS, confusion: confusion(2), scoring: 'first-token', chosen: { threshold: 0.5, precision: 0.8, recall: 0.67, f1: 0.73, accuracy: 0.78 } } });
          onEvent({ type: 's3ft-stage', stage: 'discriminator', state: 'done', message: 'accuracy 22.2 % → 61.1 % on 18 held-out records' });
          onEvent({ type: 's3ft-stage', stage: 'filter', state: 'running' });
          await sleep(100);
        }
        const threshold = o.threshold ?? 0.5;
        const candidates = fakeCandidates();
        const kept = candidates.filter((c) => c.pExcellent >= threshold).length;
        onEvent({ type: 's3ft-scores', scores: { scoring: 'first-token', threshold, chosenThreshold: 0.5, skipped: 0, candidates } });
        onEvent({ type: 's3ft-stage', stage: 'filter', state: 'done', message: `kept ${kept} of ${candidates.length} candidates` });
        onEvent({ type: 's3ft-stage', stage: 'sft', state: 'running' });
        onEvent({ type: 'data', train: Math.max(1, kept - 1), val: 1, tokens: 2_400, lossFraction: 0.3, truncated: 0, skipped: 0 });
        onEvent({ type: 'baseline', eval: { step: 0, valLoss: 3.4, rolePromptRate: 0, rougeRolePrompt: null, rougeAnswer: 0, samples: [] } });
        emitState('training', `stage C: SFT on ${kept} kept records`);
        const ok = await steps((step) => {
          onEvent({ type: 'step', step });
          if (step.step % s.evalEvery === 0 || step.step === total) onEvent({ type: 'eval', eval: { step: step.step, valLoss: 0.6 + 2.8 * Math.exp(-3 * (step.step / total)), rolePromptRate: 0, rougeRolePrompt: null, rougeAnswer: 0, samples: [] } });
        });
        if (!ok) return emitState('idle', 'stopped');
        trained = true;
        onEvent({ type: 's3ft-stage', stage: 'sft', state: 'done', message: `trained ${total} steps on ${kept} records` });
        emitState('done');
      })();
    },
  };
}
