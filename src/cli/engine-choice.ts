// Which engine a CLI command trains or generates with: our WebGPU kernels, or the tfjs reference on
// wasm/cpu. `auto` uses WebGPU on a real GPU and tfjs-wasm on a software adapter (SwiftShader,
// lavapipe), where wasm matmuls are several times faster (measured: shared/notes/webgpu-without-a-gpu.md).
import { isSoftwareAdapter, type Gpu } from '../gpu/gpu.ts';
import { createNodeGpu } from '../gpu/node.ts';
import { UsageError } from './errors.ts';

export type EngineFlag = 'auto' | 'webgpu' | 'wasm' | 'cpu';

export interface EngineChoice {
  kind: 'webgpu' | 'reference';
  gpu: Gpu | null;
  label: string;
  why: string;
}

export async function chooseEngine(flag: string | undefined): Promise<EngineChoice> {
  const f = (flag ?? 'auto') as EngineFlag;
  if (!['auto', 'webgpu', 'wasm', 'cpu'].includes(f)) throw new UsageError(`--engine must be auto, webgpu, wasm or cpu (got "${flag}")`);
  if (f === 'wasm' || f === 'cpu') {
    const { useBackend } = await import('../reference/backend.ts');
    await useBackend(f);
    return { kind: 'reference', gpu: null, label: `tfjs-${f}`, why: `--engine ${f}` };
  }
  let gpu: Gpu | null = null;
  try {
    gpu = await createNodeGpu();
  } catch (e) {
    if (f === 'webgpu') throw e;
  }
  if (gpu && (f === 'webgpu' || !isSoftwareAdapter(gpu.adapter))) {
    return { kind: 'webgpu', gpu, label: 'webgpu', why: f === 'webgpu' ? '--engine webgpu' : `GPU adapter ${gpu.adapter.description}` };
  }
  const why = gpu ? `software adapter (${gpu.adapter.description}): tfjs-wasm is faster here` : 'no WebGPU adapter';
  gpu?.dispose();
  const { useBackend } = await import('../reference/backend.ts');
  await useBackend('wasm');
  return { kind: 'reference', gpu: null, label: 'tfjs-wasm', why };
}
