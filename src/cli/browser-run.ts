// `tabtune browser-run --config run.json --report out.json [--chrome PATH] [--headed]`: one training run
// of the app in a real browser, as a user would start it: the production build (rebuilt when dist/ is
// missing or older than the sources) served on localhost, the system Chromium with WebGPU, the app
// opened with the URL parameters of the automation contract (README, "The app") and ?autostart=1. It
// waits for run-state done or error, reads the run through the page's read-only report hook
// (window.__tabtune, src/ui/report.ts) and writes a JSON report. Progress goes to stderr, one JSON
// summary line to stdout.
//
// Exit codes: 0 the run finished and met every threshold in run.json; 1 it errored, timed out or missed
// a threshold (the report is written in every case); 2 bad arguments or a bad run.json, with one line
// `tabtune: run.json: <what is wrong>`.
//
// Is: a driver of the app. Is not: a second trainer — the numbers are what the app's engine reported.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppProgress, AppReport } from '../ui/report.ts';
import { checkNumber, LORA_TARGETS, NUM_FIELDS, STORAGE_KEY, type NumKey } from '../ui/settings-form.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';

// --- run.json ----------------------------------------------------------------------------------------

/** Settings the app's form takes that have no URL parameter; preset through the form's saved state. */
export interface RunSettings {
  targets?: string[];
  separator?: string;
  rank?: number; alpha?: number; dropout?: number; lr?: number; warmupRatio?: number; batchSize?: number;
  gradAccum?: number; seqLen?: number; evalSamples?: number; maxNewTokens?: number;
  /** What trains: LoRA (default), or a soft prompt of `virtualTokens` positions. */
  method?: 'lora' | 'prompt' | 'prefix'; virtualTokens?: number;
}

export interface RunConfig {
  /** `default`, a Hub id, an http(s) URL, or a local directory / .gguf file (relative to run.json). */
  model: string;
  /** `default`, an http(s) URL, or a local JSON/JSONL/CSV file (relative to run.json). */
  data: string;
  /** rolebench and s3ft read their bundled second file (profiles / labelled records) in the app. */
  recipe?: 'self-prompt' | 'sft' | 'rolebench' | 's3ft';
  steps?: number;
  evalEvery?: number;
  seed?: number;
  baseDtype?: 'native' | 'f32' | 'f16' | 'int8' | 'int4';
  engine?: 'auto' | 'webgpu' | 'wasm' | 'cpu';
  settings?: RunSettings;
  /** Give up after this long (default 3600 s): the run counts as failed. */
  timeoutSeconds: number;
  /** Thresholds: the exit code is 1 when one is missed. */
  maxFinalLoss?: number;
  maxFinalValLoss?: number;
  minRolePromptRate?: number;
  maxWallSeconds?: number;
}

const TOP_KEYS = ['model', 'data', 'recipe', 'steps', 'evalEvery', 'seed', 'baseDtype', 'engine', 'settings', 'timeoutSeconds', 'maxFinalLoss', 'maxFinalValLoss', 'minRolePromptRate', 'maxWallSeconds'] as const;
/** The form's numeric fields that have a URL parameter are top-level keys instead. */
const URL_SETTINGS: readonly string[] = ['steps', 'evalEvery', 'seed'];
const SETTING_NUMS = NUM_FIELDS.filter((f) => !URL_SETTINGS.includes(f.key));
const SETTING_KEYS = ['targets', 'separator', 'method', ...SETTING_NUMS.map((f) => f.key)];
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/** Check a parsed run.json; `file` is how errors name it. Pure: no file system access. */
export function parseRunConfig(raw: unknown, file: string): RunConfig {
  const bad = (what: string): never => {
    throw new UsageError(`${file}: ${what}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad(`expected a JSON object, got ${typeName(raw)}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(TOP_KEYS as readonly string[]).includes(k)) bad(`unknown key "${k}" (known: ${TOP_KEYS.join(', ')})`);

  const str = (k: string, dflt?: string): string | undefined => {
    const v = o[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || v.trim() === '') return bad(`"${k}" must be a non-empty string, got ${typeName(v)}`);
    return v.trim();
  };
  const oneOf = <T extends string>(k: string, allowed: readonly T[]): T | undefined => {
    const v = str(k);
    if (v !== undefined && !(allowed as readonly string[]).includes(v)) bad(`"${k}" must be one of ${allowed.join(', ')}, got "${v}"`);
    return v as T | undefined;
  };
  const int = (k: string, min: number): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) return bad(`"${k}" must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${typeof v === 'number' ? v : typeName(v)}`);
    return v;
  };
  const num = (k: string, check: (x: number) => boolean, expected: string): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) return bad(`"${k}" must be ${expected}, got ${typeof v === 'number' ? v : typeName(v)}`);
    return v;
  };

  const cfg: RunConfig = {
    model: str('model', 'default')!,
    data: str('data', 'default')!,
    recipe: oneOf('recipe', ['self-prompt', 'sft', 'rolebench', 's3ft'] as const),
    steps: int('steps', 1),
    evalEvery: int('evalEvery', 1),
    seed: int('seed', 0),
    baseDtype: oneOf('baseDtype', ['native', 'f32', 'f16', 'int8', 'int4'] as const),
    engine: oneOf('engine', ['auto', 'webgpu', 'wasm', 'cpu'] as const),
    timeoutSeconds: num('timeoutSeconds', (x) => x > 0, 'a positive number of seconds') ?? 3600,
    maxFinalLoss: num('maxFinalLoss', () => true, 'a number'),
    maxFinalValLoss: num('maxFinalValLoss', () => true, 'a number'),
    minRolePromptRate: num('minRolePromptRate', (x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
    maxWallSeconds: num('maxWallSeconds', (x) => x > 0, 'a positive number of seconds'),
  };

  if (o.settings !== undefined) {
    const s = o.settings;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return bad(`"settings" must be an object, got ${typeName(s)}`);
    const out: RunSettings = {};
    for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
      if (URL_SETTINGS.includes(k) || k === 'recipe') bad(`settings.${k}: give "${k}" at the top level of the file`);
      if (!SETTING_KEYS.includes(k)) bad(`unknown key "settings.${k}" (known: ${SETTING_KEYS.join(', ')})`);
      if (k === 'targets') {
        const all = v === 'all-linear' ? [...LORA_TARGETS] : v;
        if (!Array.isArray(all) || all.length === 0 || !all.every((t) => typeof t === 'string' && (LORA_TARGETS as readonly string[]).includes(t))) {
          bad(`settings.targets must be "all-linear" or a non-empty array of ${LORA_TARGETS.join(', ')}`);
        }
        out.targets = [...new Set(all as string[])];
      } else if (k === 'method') {
        if (v !== 'lora' && v !== 'prompt' && v !== 'prefix') bad(`settings.method must be one of lora, prompt, prefix, got ${JSON.stringify(v)}`);
        out.method = v as RunSettings['method'];
      } else if (k === 'separator') {
        if (typeof v !== 'string' || v === '') bad(`settings.separator must be a non-empty string, got ${typeName(v)}`);
        out.separator = v as string;
      } else {
        const spec = SETTING_NUMS.find((f) => f.key === k)!;
        if (typeof v !== 'number') bad(`settings.${k} must be a number, got ${typeName(v)}`);
        const r = checkNumber(spec, String(v));
        if ('problem' in r) bad(`settings.${k}: ${r.problem.replace(/\.$/, '')} (got ${v as number})`);
        out[k as Exclude<NumKey, 'steps' | 'evalEvery' | 'seed'>] = v as number;
      }
    }
    cfg.settings = out;
  }
  return cfg;
}

// --- model and data: URLs the app understands --------------------------------------------------------

/** A local file or directory the server maps under a URL prefix. */
interface LocalMount {
  prefix: string;
  path: string;
  dir: boolean;
}

const LOCAL_PREFIX = '/__tabtune_local';

/**
 * The `model` / `data` URL parameter for a run.json value, and what must be served for it. A value that
 * names an existing path (relative to run.json) is local; otherwise it must be default, a URL or a Hub id.
 */
export function resolveSource(kind: 'model' | 'data', value: string, baseDir: string, file: string): { param: string; mount: LocalMount | null } {
  if (value === 'default' || /^https?:\/\//.test(value)) return { param: value, mount: null };
  const p = resolve(baseDir, value);
  if (existsSync(p)) {
    const dir = statSync(p).isDirectory();
    const prefix = `${LOCAL_PREFIX}/${kind}`;
    if (kind === 'model') {
      if (dir) {
        if (!existsSync(join(p, 'config.json'))) throw new UsageError(`${file}: model: ${value} has no config.json (a model directory holds config.json and *.safetensors)`);
        return { param: `${prefix}/`, mount: { prefix, path: p, dir: true } };
      }
      if (!p.toLowerCase().endsWith('.gguf')) throw new UsageError(`${file}: model: ${value} is neither a model directory nor a .gguf file`);
      return { param: `${prefix}/${encodeURIComponent(basename(p))}`, mount: { prefix, path: p, dir: false } };
    }
    if (dir) throw new UsageError(`${file}: data: ${value} is a directory; give a JSON, JSONL or CSV file`);
    return { param: `${prefix}/${encodeURIComponent(basename(p))}`, mount: { prefix, path: p, dir: false } };
  }
  if (kind === 'model' && HUB_ID.test(value)) return { param: value, mount: null };
  throw new UsageError(`${file}: ${kind}: "${value}" is not default, an http(s) URL${kind === 'model' ? ', a Hub id' : ''} or an existing path`);
}

/** The app's URL query for a run (the automation contract). */
export function appQuery(cfg: RunConfig, model: string, data: string): string {
  const q = new URLSearchParams({ model, data });
  if (cfg.recipe) q.set('recipe', cfg.recipe);
  if (cfg.steps !== undefined) q.set('steps', String(cfg.steps));
  if (cfg.evalEvery !== undefined) q.set('eval-every', String(cfg.evalEvery));
  if (cfg.seed !== undefined) q.set('seed', String(cfg.seed));
  if (cfg.baseDtype) q.set('base-dtype', cfg.baseDtype);
  if (cfg.engine) q.set('engine', cfg.engine);
  q.set('autostart', '1');
  return q.toString();
}

// --- the report --------------------------------------------------------------------------------------

export interface ThresholdResult {
  name: 'maxFinalLoss' | 'maxFinalValLoss' | 'minRolePromptRate' | 'maxWallSeconds';
  limit: number;
  value: number | null;
  ok: boolean;
}

export interface RunReport {
  tabtune: 'browser-run';
  version: 1;
  ok: boolean;
  /** done | error | timeout (gave up after timeoutSeconds) | refused (autostart refused: see problems). */
  state: 'done' | 'error' | 'timeout' | 'refused';
  config: RunConfig;
  url: string;
  browser: { executable: string; version: string; headless: boolean };
  /** The WebGPU adapter the app's worker found (GpuStatus), and the training engine in use (EngineInfo). */
  adapter: AppReport['gpu'];
  engine: AppReport['engineInfo'];
  model: AppReport['model'];
  data: AppReport['data'];
  dataStats: AppReport['dataStats'];
  settings: AppReport['settings'];
  /** Per step: step, loss, lr, gradNorm, tokensPerSecond, epoch. */
  steps: { step: number; loss: number; lr: number; gradNorm: number; tokensPerSecond: number; epoch: number }[];
  /** Per evaluation (step 0 is the base model): validation loss, role-prompt rate, ROUGE-L. */
  evals: { step: number; valLoss: number | null; rolePromptRate: number; rougeAnswer: number; rougeRolePrompt: number | null }[];
  finalLoss: number | null;
  finalValLoss: number | null;
  /** Role-prompt rate at the last evaluation (0–1). */
  rolePromptRate: number | null;
  tokensPerSecond: { mean: number | null; last: number | null };
  /** The last evaluation's samples (question, role prompt, answer, references) and the base model's. */
  samples: NonNullable<AppReport['baseline']>['samples'];
  baselineSamples: NonNullable<AppReport['baseline']>['samples'];
  recovered: AppReport['recovered'];
  problems: AppReport['problems'];
  thresholds: ThresholdResult[];
  /** Seconds: build (0 when dist/ was fresh), page open → run finished, and the training itself. */
  buildSeconds: number;
  wallSeconds: number;
  trainSeconds: number | null;
}

export function checkThresholds(cfg: RunConfig, r: Pick<RunReport, 'finalLoss' | 'finalValLoss' | 'rolePromptRate' | 'wallSeconds'>): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  const atMost = (name: ThresholdResult['name'], limit: number | undefined, value: number | null) => {
    if (limit !== undefined) out.push({ name, limit, value, ok: value !== null && Number.isFinite(value) && value <= limit });
  };
  atMost('maxFinalLoss', cfg.maxFinalLoss, r.finalLoss);
  atMost('maxFinalValLoss', cfg.maxFinalValLoss, r.finalValLoss);
  if (cfg.minRolePromptRate !== undefined) {
    const v = r.rolePromptRate;
    out.push({ name: 'minRolePromptRate', limit: cfg.minRolePromptRate, value: v, ok: v !== null && v >= cfg.minRolePromptRate });
  }
  atMost('maxWallSeconds', cfg.maxWallSeconds, r.wallSeconds);
  return out;
}

/** Assemble the report from what the page reported. */
export function buildReport(cfg: RunConfig, page: AppReport | null, extra: { state: RunReport['state']; url: string; browser: RunReport['browser']; buildSeconds: number; wallSeconds: number }): RunReport {
  const steps = (page?.steps ?? []).map((s) => ({ step: s.step, loss: s.loss, lr: s.lr, gradNorm: s.gradNorm, tokensPerSecond: s.tokensPerSecond, epoch: s.epoch }));
  const evalRows = [...(page?.baseline ? [{ ...page.baseline, step: 0 }] : []), ...(page?.evalsList ?? [])];
  const evals = evalRows.map((e) => ({ step: e.step, valLoss: e.valLoss, rolePromptRate: e.rolePromptRate, rougeAnswer: e.rougeAnswer, rougeRolePrompt: e.rougeRolePrompt }));
  const last = page?.evalsList.at(-1) ?? null;
  const tps = steps.map((s) => s.tokensPerSecond).filter((x) => Number.isFinite(x) && x > 0);
  const trainSeconds = page?.trainingAtMs != null && page.endedAtMs != null ? (page.endedAtMs - page.trainingAtMs) / 1000 : null;
  const partial = {
    finalLoss: steps.at(-1)?.loss ?? null,
    finalValLoss: [...evals].reverse().find((e) => e.step > 0 && e.valLoss !== null)?.valLoss ?? null,
    rolePromptRate: last ? last.rolePromptRate : null,
    wallSeconds: extra.wallSeconds,
  };
  const thresholds = checkThresholds(cfg, partial);
  return {
    tabtune: 'browser-run',
    version: 1,
    ok: extra.state === 'done' && thresholds.every((t) => t.ok),
    state: extra.state,
    config: cfg,
    url: extra.url,
    browser: extra.browser,
    adapter: page?.gpu ?? null,
    engine: page?.engineInfo ?? null,
    model: page?.model ?? null,
    data: page?.data ?? null,
    dataStats: page?.dataStats ?? null,
    settings: page?.settings ?? null,
    steps,
    evals,
    ...partial,
    tokensPerSecond: { mean: tps.length ? tps.reduce((a, b) => a + b, 0) / tps.length : null, last: tps.at(-1) ?? null },
    samples: last?.samples ?? [],
    baselineSamples: page?.baseline?.samples ?? [],
    recovered: page?.recovered ?? [],
    problems: page?.problems ?? [],
    thresholds,
    buildSeconds: extra.buildSeconds,
    trainSeconds,
  };
}

// --- build and serve ---------------------------------------------------------------------------------

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Newest modification time (ms) under the app's inputs. */
function newestInput(root: string): number {
  let newest = 0;
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'workers', 'public', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json']) visit(join(root, p));
  return newest;
}

/** Build dist/ when it is missing or older than any source; returns the seconds spent. */
export async function ensureBuilt(root: string, log: (line: string) => void): Promise<number> {
  const marker = join(root, 'dist', 'index.html');
  const reason = !existsSync(marker) ? 'dist/ is missing' : statSync(marker).mtimeMs < newestInput(root) ? 'dist/ is older than the sources' : null;
  if (!reason) return 0;
  log(`building the app (${reason})…`);
  const t0 = Date.now();
  const { build } = await import('vite');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error' });
  const s = (Date.now() - t0) / 1000;
  log(`built in ${s.toFixed(1)} s`);
  return s;
}

function serveLocal(mounts: LocalMount[]) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = mounts.find((x) => url.pathname.startsWith(`${x.prefix}/`));
    if (!m) return next();
    const rest = decodeURIComponent(url.pathname.slice(m.prefix.length + 1));
    const target = m.dir ? resolve(m.path, rest) : rest === basename(m.path) ? m.path : null;
    // Nothing outside the mounted directory (no "..", no absolute paths), and only plain files.
    const inside = target !== null && (!m.dir || (target.startsWith(m.path + sep) && !relative(m.path, target).startsWith('..')));
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    if (!inside || !existsSync(target!) || !statSync(target!).isFile()) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    const body = readFileSync(target!);
    res.setHeader('Content-Type', target!.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    res.setHeader('Content-Length', String(body.length));
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

export interface Served {
  origin: string;
  close(): Promise<void>;
}

/** Serve dist/ like `vite preview` (the COOP/COEP headers of vite.config.ts), plus local model/data files. */
export async function serveApp(root: string, mounts: LocalMount[] = []): Promise<Served> {
  const { preview } = await import('vite');
  const server = await preview({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'error',
    preview: { port: 0, host: '127.0.0.1', strictPort: false, open: false },
    plugins: [{ name: 'tabtune-local-files', configurePreviewServer: (s) => void s.middlewares.use(serveLocal(mounts)) }],
  });
  const addr = server.httpServer.address();
  if (!addr || typeof addr === 'string') throw new Error('the preview server has no port');
  // localhost: WebGPU needs a secure context, and http://localhost is one.
  return { origin: `http://localhost:${addr.port}`, close: () => server.close() };
}

// --- the command -------------------------------------------------------------------------------------

const fmt = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toPrecision(digits));

export async function browserRun(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: 'string' },
    report: { type: 'string' },
    chrome: { type: 'string' },
    headed: { type: 'boolean' },
    debug: { type: 'boolean' },
  });
  if (!values.config) throw new UsageError('browser-run: --config run.json is required');
  if (!values.report) throw new UsageError('browser-run: --report out.json is required');
  const file = values.config;
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const cfg = parseRunConfig(raw, file);
  const baseDir = dirname(resolve(file));
  const model = resolveSource('model', cfg.model, baseDir, file);
  const data = resolveSource('data', cfg.data, baseDir, file);
  const log = (line: string) => process.stderr.write(`browser-run: ${line}\n`);

  const { chromePath, webgpuFlags } = await import('../../e2e/chromium.ts');
  if (values.chrome && !existsSync(values.chrome)) throw new UsageError(`--chrome: ${values.chrome} does not exist`);
  const executable = values.chrome ?? chromePath();

  const buildSeconds = await ensureBuilt(REPO_ROOT, log);
  const served = await serveApp(REPO_ROOT, [model.mount, data.mount].filter((m): m is LocalMount => m !== null));
  const { chromium } = await import('@playwright/test');
  const headless = !values.headed;
  const browser = await chromium.launch({ executablePath: executable, args: webgpuFlags(), headless }).catch(async (e: unknown) => {
    await served.close();
    throw e;
  });
  const version = browser.version();
  const url = `${served.origin}/?${appQuery(cfg, model.param, data.param)}`;
  let state: RunReport['state'] = 'timeout';
  let page: AppReport | null = null;
  let wallSeconds = 0;
  try {
    log(`${basename(executable)} ${version} (${headless ? 'headless' : 'headed'}); opening ${url}`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    if (cfg.settings) {
      // The form keeps what was typed in localStorage; URL parameters still win for what they name.
      await context.addInitScript(([key, s]) => {
        const prev = JSON.parse(localStorage.getItem(key) ?? '{}') as object;
        localStorage.setItem(key, JSON.stringify({ ...prev, ...s }));
      }, [STORAGE_KEY, cfg.settings] as const);
    }
    const tab = await context.newPage();
    let crashed: string | null = null;
    tab.on('crash', () => (crashed = 'the page crashed'));
    tab.on('pageerror', (e) => log(`page error: ${e.message}`));
    const t0 = Date.now();
    const deadline = t0 + cfg.timeoutSeconds * 1000;
    await tab.goto(url);
    // The hook appears once the page has mounted its views (seconds); not within two minutes = broken.
    await tab.waitForFunction(() => '__tabtune' in window, undefined, { timeout: Math.min(120_000, Math.max(1000, deadline - Date.now())) });

    let seen = { state: '', engine: '', model: false, data: false, step: 0, evals: 0, recovered: 0, problems: 0, printedAt: 0 };
    for (;;) {
      const p = (await tab.evaluate(() => (window as unknown as { __tabtune: { progress(): AppProgress } }).__tabtune.progress())) as AppProgress;
      if (p.engine && p.engine !== seen.engine) log(`engine: ${p.engine}`);
      if (p.modelLoaded && !seen.model) log('model loaded');
      if (p.dataLoaded && !seen.data) log('data loaded');
      for (const pr of p.problems.slice(seen.problems)) log(`problem: ${pr.title}: ${pr.name ? `${pr.name}: ` : ''}${pr.message}`);
      for (const r of p.recovered.slice(seen.recovered)) log(`device lost (${r.reason}); continued from step ${r.fromStep}, redoing ${r.redone} steps`);
      const step = p.step;
      if (step && step.step !== seen.step && (Date.now() - seen.printedAt > 5000 || step.step === step.totalSteps || seen.step === 0)) {
        log(`step ${step.step}/${step.totalSteps} · loss ${fmt(step.loss)} · ${Math.round(step.tokensPerSecond)} tokens/s · ETA ${Math.round(step.etaSeconds)} s`);
        seen.printedAt = Date.now();
        seen.step = step.step;
      }
      if (p.evals > seen.evals && p.lastEval) log(`evaluation at step ${p.lastEval.step}: val loss ${fmt(p.lastEval.valLoss)}, role-prompt rate ${Math.round(p.lastEval.rolePromptRate * 100)} %`);
      if (p.state !== seen.state) log(`state: ${p.state}${p.message ? ` (${p.message})` : ''}`);
      seen = { ...seen, state: p.state, engine: p.engine ?? '', model: p.modelLoaded, data: p.dataLoaded, evals: p.evals, recovered: p.recovered.length, problems: p.problems.length };

      if (p.state === 'done' || p.state === 'error') {
        state = p.state;
        break;
      }
      if (p.autostart === 'refused') {
        state = 'refused';
        break;
      }
      if (crashed) {
        state = 'error';
        log(crashed);
        break;
      }
      if (Date.now() > deadline) {
        log(`timed out after ${cfg.timeoutSeconds} s (timeoutSeconds in ${file})`);
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    wallSeconds = (Date.now() - t0) / 1000;
    if (!crashed) page = (await tab.evaluate(() => (window as unknown as { __tabtune: { report(): Promise<AppReport> } }).__tabtune.report())) as AppReport;
  } finally {
    await browser.close().catch(() => {});
    await served.close().catch(() => {});
  }

  const report = buildReport(cfg, page, { state, url, browser: { executable, version, headless }, buildSeconds, wallSeconds });
  writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
  for (const t of report.thresholds) log(`${t.ok ? 'met' : 'MISSED'}: ${t.name} ${t.limit} (value ${fmt(t.value)})`);
  log(`${report.ok ? 'ok' : 'FAILED'}: ${state} after ${wallSeconds.toFixed(0)} s; report in ${values.report}`);
  process.stdout.write(`${JSON.stringify({ ok: report.ok, state, steps: report.steps.length, finalLoss: report.finalLoss, finalValLoss: report.finalValLoss, rolePromptRate: report.rolePromptRate, wallSeconds: Number(wallSeconds.toFixed(1)), report: values.report })}\n`);
  return report.ok ? 0 : 1;
}
