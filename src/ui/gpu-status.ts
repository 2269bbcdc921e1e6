// GPU & engine view: which adapter the engine worker found, its limits and features, a kernel self-test
// (the tiled matmul against its CPU reference) proving the worker can compute on it, and the training
// engine in use — our WebGPU kernels or the tfjs fallback (wasm/cpu) — with the user's choice.
//
// data-testids: gpu-status, kernel-selftest, engine-select, engine-name (exactly webgpu|wasm|cpu, empty
// while choosing), engine-why, engine-fallback (the fallback notice, hidden unless fallback).
import type { EngineApi, EngineInfo, EnginePreference, GpuStatus } from '../protocol.ts';
import { el, kv, nextId, panel } from './dom.ts';

function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(0)} MiB`;
}

export function renderGpuStatus(status: GpuStatus): HTMLElement {
  const box = el('div', { 'data-testid': 'gpu-status', 'aria-live': 'polite' });
  if (!status.available || !status.adapter) {
    box.append(el('p', { class: 'bad' }, `WebGPU unavailable: ${status.reason ?? 'unknown reason'}`));
    return box;
  }
  const a = status.adapter;
  box.append(
    kv([
      ['adapter', a.description],
      ['software adapter', status.software ? 'yes (CPU-emulated: slow)' : 'no'],
      ['f16 shaders', a.features.includes('shader-f16') ? 'yes' : 'no'],
      ['subgroups', a.features.includes('subgroups') ? 'yes' : 'no'],
      ['max buffer', mib(a.limits.maxBufferSize)],
      ['max storage binding', mib(a.limits.maxStorageBufferBindingSize)],
      ['workgroup storage', `${a.limits.maxComputeWorkgroupStorageSize} B`],
    ]),
  );
  return box;
}

export interface GpuPanel {
  element: HTMLElement;
  /** Resolves with the engine chosen at start-up (or null when choosing failed). */
  ready: Promise<EngineInfo | null>;
  engine(): EngineInfo | null;
  /** What the worker reported about WebGPU (null until it answered). */
  status(): GpuStatus | null;
  /** The engine cannot change while a model loads or a run is active. */
  setLocked(locked: boolean): void;
}

export function mountGpuPanel(
  root: HTMLElement,
  engine: EngineApi,
  opts: { preference: EnginePreference; onError: (title: string, err: unknown, advice: string) => void },
): GpuPanel {
  const statusSlot = el('div', {}, el('p', { 'data-testid': 'gpu-status' }, 'Looking for a WebGPU adapter in the engine worker…'));
  const selftest = el('p', { 'data-testid': 'kernel-selftest', 'aria-live': 'polite' }, '');

  const selectId = nextId('engine-select');
  const select = el('select', { id: selectId, 'data-testid': 'engine-select', 'aria-describedby': `${selectId}-help` });
  for (const [v, label] of [['auto', 'auto (measure and pick the fastest)'], ['webgpu', 'webgpu (our kernels)'], ['wasm', 'wasm (tfjs fallback)'], ['cpu', 'cpu (tfjs fallback, slowest)']] as const) {
    select.append(el('option', { value: v }, label));
  }
  select.value = opts.preference;
  const name = el('code', { 'data-testid': 'engine-name' }, '');
  const why = el('span', { 'data-testid': 'engine-why', class: 'muted' }, 'choosing…');
  const fallback = el('p', { 'data-testid': 'engine-fallback', class: 'notice', hidden: '' });
  const engineRow = el(
    'div',
    { class: 'engine-row' },
    el('label', { for: selectId }, 'Training engine'),
    select,
    el('span', { 'aria-live': 'polite' }, 'in use: ', name, ' ', why),
  );
  const help = el('p', { id: `${selectId}-help`, class: 'help' }, 'auto runs a short matmul on both engines and keeps the faster; on CPU-emulated WebGPU the tfjs wasm fallback usually wins.');

  const section = panel('gpu', 'GPU & engine', statusSlot, selftest, engineRow, help, fallback);
  root.append(section);

  let info: EngineInfo | null = null;
  let gpuStatus: GpuStatus | null = null;
  let locked = false;
  let choosing = false;
  const syncDisabled = () => {
    select.disabled = locked || choosing;
  };

  const show = (i: EngineInfo) => {
    info = i;
    name.textContent = i.name;
    why.textContent = `— ${i.why}`;
    fallback.hidden = !i.fallback;
    fallback.textContent = i.fallback
      ? `Fallback engine: training runs on tfjs-${i.name}, not on tabtune's WebGPU kernels. ${i.why}`
      : '';
  };

  const choose = async (pref: EnginePreference): Promise<EngineInfo | null> => {
    choosing = true;
    syncDisabled();
    name.textContent = '';
    why.textContent = pref === 'auto' ? 'measuring WebGPU against wasm…' : `switching to ${pref}…`;
    try {
      const i = await engine.selectEngine(pref);
      show(i);
      return i;
    } catch (e) {
      why.textContent = 'no engine: see the error above';
      opts.onError('Choosing the training engine failed', e, 'Pick another engine in "Training engine" (wasm works everywhere).');
      return null;
    } finally {
      choosing = false;
      syncDisabled();
    }
  };
  select.addEventListener('change', () => void choose(select.value as EnginePreference));

  void (async () => {
    const status = await engine.gpuStatus();
    gpuStatus = status;
    statusSlot.replaceChildren(renderGpuStatus(status));
    if (!status.available) {
      selftest.textContent = 'kernel self-test: skipped (no WebGPU)';
      return;
    }
    selftest.textContent = 'kernel self-test: running…';
    try {
      const r = await engine.matmulSelfTest(67, 45, 33, 1);
      selftest.textContent = `kernel self-test: matmul ${r.M}×${r.K}·${r.K}×${r.N} ${r.ok ? 'passed' : 'FAILED'} (max abs error ${r.maxAbsError.toExponential(2)}, ${r.ms.toFixed(0)} ms)`;
      selftest.className = r.ok ? 'ok' : 'bad';
    } catch (e) {
      selftest.textContent = `kernel self-test: error: ${(e as Error).message}`;
      selftest.className = 'bad';
    }
  })();

  return {
    element: section,
    ready: choose(opts.preference),
    engine: () => info,
    status: () => gpuStatus,
    setLocked(l) {
      locked = l;
      syncDisabled();
    },
  };
}
