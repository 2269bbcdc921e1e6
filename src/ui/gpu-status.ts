// GPU status panel: which adapter the engine worker found, its limits and features, and a kernel
// self-test (the tiled matmul against its CPU reference) proving the worker can compute on it.
import type { EngineApi, GpuStatus } from '../protocol.ts';
import { el, kv } from './dom.ts';

function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(0)} MiB`;
}

export function renderGpuStatus(status: GpuStatus): HTMLElement {
  const box = el('div', { 'data-testid': 'gpu-status', 'aria-live': 'polite' });
  if (!status.available || !status.adapter) {
    box.append(el('p', { class: 'bad', role: 'alert' }, `WebGPU unavailable: ${status.reason ?? 'unknown reason'}`));
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

export async function mountGpuPanel(root: HTMLElement, engine: EngineApi): Promise<void> {
  const section = el('section', { class: 'panel', 'aria-labelledby': 'gpu-h' }, el('h2', { id: 'gpu-h' }, 'GPU'));
  const statusSlot = el('div', {}, el('p', { 'data-testid': 'gpu-status' }, 'Looking for a WebGPU adapter in the engine worker…'));
  const selftest = el('p', { 'data-testid': 'kernel-selftest', 'aria-live': 'polite' }, '');
  section.append(statusSlot, selftest);
  root.append(section);

  const status = await engine.gpuStatus();
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
}
