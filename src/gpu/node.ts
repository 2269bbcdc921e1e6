// WebGPU in Node through the `webgpu` package (Dawn). Node only: never imported by browser code.
// On machines without a GPU, Dawn needs a Vulkan driver; Chromium's SwiftShader ICD works (Debian's
// lavapipe is refused by Dawn), so VK_ICD_FILENAMES defaults to it when it exists.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gpu, NoAdapterError } from './gpu.ts';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export const INSTALL_HINT =
  'install a Vulkan driver: on Debian/Ubuntu `apt-get install -y chromium libvulkan1` (tabtune then uses ' +
  `Chromium's SwiftShader at ${SWIFTSHADER_ICD}), or set VK_ICD_FILENAMES to your GPU's Vulkan ICD`;

// create() returns an object that must stay referenced while the device is used (Dawn may crash after
// it is garbage-collected), so it is kept here for the life of the process.
let navigatorGpu: GPU | null = null;

export async function nodeGpu(): Promise<GPU> {
  if (navigatorGpu) return navigatorGpu;
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  // The Vulkan loader complains on stderr when XDG_RUNTIME_DIR is unset (headless CI); give it a private one.
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'tabtune-xdg-'));
  let webgpu: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    webgpu = (await import('webgpu')) as unknown as typeof webgpu;
  } catch (e) {
    throw new NoAdapterError(`the 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}; run npm install`);
  }
  Object.assign(globalThis, webgpu.globals);
  navigatorGpu = webgpu.create([]);
  return navigatorGpu;
}

/** A device on the best adapter Node can see, or a NoAdapterError that says what to install. */
export async function createNodeGpu(): Promise<Gpu> {
  try {
    return await Gpu.create(await nodeGpu());
  } catch (e) {
    if (e instanceof NoAdapterError) {
      const icd = process.env.VK_ICD_FILENAMES ?? '(unset)';
      throw new NoAdapterError(`${e.message} (VK_ICD_FILENAMES=${icd}); ${INSTALL_HINT}`);
    }
    throw e;
  }
}

/**
 * CPU seconds used so far by SwiftShader's worker threads (named Thread<NN>) in this process, or NaN where
 * /proc is not there. Benchmarks divide work by it: other processes loading the machine barely move it.
 */
export function workerCpuSeconds(): number {
  if (!existsSync('/proc/self/task')) return NaN;
  let ticks = 0;
  for (const t of readdirSync('/proc/self/task')) {
    try {
      if (!readFileSync(`/proc/self/task/${t}/comm`, 'utf8').startsWith('Thread<')) continue;
      const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
    } catch {
      // the thread ended between readdir and read
    }
  }
  return ticks / 100; // USER_HZ
}

