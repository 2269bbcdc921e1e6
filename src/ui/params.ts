// The app's URL parameters: the automation contract (scripts, `tabtune browser-run`, e2e tests drive
// the app with them). Parsed and validated here, in one place; every other module reads `AppParams`.
//
//   model       default | a Hub id (owner/name) | a URL (http(s)://… or a same-origin /path)
//   data        default | a URL
//   recipe      self-prompt | sft | rolebench | s3ft (the recipe's bundled sample data is preselected)
//   steps       positive integer
//   eval-every  positive integer
//   seed        non-negative integer
//   base-dtype  native | f32 | f16 | int8 | int4
//   engine      auto | webgpu | wasm | cpu
//   autostart   1 — load model and data, then start training
//   fake        1 — dev aid: drive the UI with the in-page fake engine (src/ui/dev-fake.ts), no worker
//
// A bad value is reported (and ignored, the default stays); an unknown key is reported too. Autostart
// is refused when anything was reported, so automation fails loudly instead of training the wrong thing.
import type { BaseDtypeChoice, DataSource, EnginePreference, ModelSource, TrainSettings } from '../protocol.ts';

export interface AppParams {
  model: ModelSource | null;
  data: DataSource | null;
  baseDtype: BaseDtypeChoice | null;
  engine: EnginePreference;
  /** Settings given in the URL; the form fills in the rest. */
  settings: Partial<Pick<TrainSettings, 'recipe' | 'steps' | 'evalEvery' | 'seed'>>;
  autostart: boolean;
  fake: boolean;
}

export interface ParsedParams {
  params: AppParams;
  /** One readable line per rejected parameter. */
  problems: string[];
}

const KNOWN = ['model', 'data', 'recipe', 'steps', 'eval-every', 'seed', 'base-dtype', 'engine', 'autostart', 'fake'] as const;
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** `default`, an http(s) URL, or a same-origin absolute path; null when it is none of these. */
function parseUrl(v: string, origin: string): string | null {
  if (v.startsWith('/') && !v.startsWith('//')) return new URL(v, origin).href;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

function oneOf<T extends string>(v: string, allowed: readonly T[]): T | null {
  return (allowed as readonly string[]).includes(v) ? (v as T) : null;
}

function int(v: string, min: number): number | null {
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= min ? n : null;
}

export function parseParams(search: string, origin = 'http://localhost'): ParsedParams {
  const q = new URLSearchParams(search);
  const problems: string[] = [];
  const params: AppParams = { model: null, data: null, baseDtype: null, engine: 'auto', settings: {}, autostart: false, fake: false };
  const bad = (key: string, v: string, expected: string) => problems.push(`URL parameter ${key}=${JSON.stringify(v)} ignored: expected ${expected}.`);

  for (const key of new Set(q.keys())) {
    if (!(KNOWN as readonly string[]).includes(key)) problems.push(`Unknown URL parameter "${key}" ignored (known: ${KNOWN.join(', ')}).`);
    else if (q.getAll(key).length > 1) problems.push(`URL parameter ${key} given ${q.getAll(key).length} times; the last one is used.`);
  }
  const get = (k: (typeof KNOWN)[number]): string | null => {
    const all = q.getAll(k);
    return all.length ? all[all.length - 1].trim() : null;
  };

  const model = get('model');
  if (model !== null) {
    if (model === 'default') params.model = { kind: 'default' };
    else if (/^https?:\/\//.test(model) || model.startsWith('/')) {
      const url = parseUrl(model, origin);
      if (url) params.model = { kind: 'url', url };
      else bad('model', model, 'default, a Hub id like HuggingFaceTB/SmolLM2-135M-Instruct, or an http(s) URL');
    } else if (HUB_ID.test(model)) params.model = { kind: 'hub', id: model };
    else bad('model', model, 'default, a Hub id like HuggingFaceTB/SmolLM2-135M-Instruct, or an http(s) URL');
  }

  const data = get('data');
  if (data !== null) {
    const url = data === 'default' ? null : parseUrl(data, origin);
    if (data === 'default') params.data = { kind: 'default' };
    else if (url) params.data = { kind: 'url', url };
    else bad('data', data, 'default or an http(s) URL');
  }

  const recipe = get('recipe');
  if (recipe !== null) {
    const r = oneOf(recipe, ['self-prompt', 'sft', 'rolebench', 's3ft'] as const);
    if (r) params.settings.recipe = r;
    else bad('recipe', recipe, 'self-prompt, sft, rolebench or s3ft');
  }

  for (const [key, field, min] of [['steps', 'steps', 1], ['eval-every', 'evalEvery', 1], ['seed', 'seed', 0]] as const) {
    const v = get(key);
    if (v === null) continue;
    const n = int(v, min);
    if (n !== null) params.settings[field] = n;
    else bad(key, v, min === 0 ? 'a non-negative integer' : 'a positive integer');
  }

  const dtype = get('base-dtype');
  if (dtype !== null) {
    const d = oneOf(dtype, ['native', 'f32', 'f16', 'int8', 'int4'] as const);
    if (d) params.baseDtype = d;
    else bad('base-dtype', dtype, 'native, f32, f16, int8 or int4');
  }

  const engine = get('engine');
  if (engine !== null) {
    const e = oneOf(engine, ['auto', 'webgpu', 'wasm', 'cpu'] as const);
    if (e) params.engine = e;
    else bad('engine', engine, 'auto, webgpu, wasm or cpu');
  }

  for (const key of ['autostart', 'fake'] as const) {
    const v = get(key);
    if (v === null) continue;
    if (v === '1' || v === 'true') params[key] = true;
    else if (v !== '0' && v !== 'false') bad(key, v, '1 or 0');
  }
  return { params, problems };
}
