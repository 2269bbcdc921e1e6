// Selecting the TensorFlow.js backend the reference model runs on. The model itself never calls
// setBackend: callers (tests, the fallback engine, benchmarks) pick one here, once.
//
// Backends are imported lazily so a page that only needs 'cpu' never loads the wasm or webgpu code.
// - 'wasm': in a bundled page the .wasm binaries must be served; pass `wasmPaths` (a URL prefix or a
//   file map, as tfjs's setWasmPaths takes) unless they sit next to the bundle.
// - 'webgpu': tfjs registers it at import time only if `navigator.gpu` exists. In Node (Dawn through the
//   `webgpu` package, see src/gpu/node.ts) pass that GPU object as `gpu` and it is installed as
//   navigator.gpu before the import. Use the model's *Async methods there (webgpu has no cheap readSync).
//
// Gradients: @tensorflow/tfjs-core registers no gradient functions by itself (the '@tensorflow/tfjs'
// union package does). registerGradients() loads them and useBackend() calls it, so every caller of
// useBackend can train. In a bundle it imports tfjs-core's ESM register_all_gradients; in Node that
// file is unloadable (extension-less ESM imports), so it loads the union package's CommonJS build
// instead (~0.8 s, once), which registers the same gradients into tfjs's global registry.

import * as tf from '@tensorflow/tfjs-core';

export type ReferenceBackend = 'cpu' | 'wasm' | 'webgpu';

export interface UseBackendOptions {
  /** For 'wasm': tfjs's setWasmPaths argument (a URL prefix ending in '/' or a file-name -> URL map). */
  wasmPaths?: string | Record<string, string>;
  /** For 'webgpu' outside a browser: the GPU object to expose as navigator.gpu (e.g. from nodeGpu()). */
  gpu?: GPU;
}

export class BackendError extends Error {
  override name = 'BackendError';
}

/** Import `name`'s backend module, make it tfjs's active backend and wait until it is ready. */
export async function useBackend(name: ReferenceBackend, opts: UseBackendOptions = {}): Promise<void> {
  await registerGradients();
  if (name === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The threaded build's workers crash when bundled by Vite ("e is not defined") and never report
    // ready, so the single-threaded SIMD build is used everywhere (measured 20–22 GFLOP/s here).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (opts.wasmPaths !== undefined) wasm.setWasmPaths(opts.wasmPaths as Parameters<typeof wasm.setWasmPaths>[0]);
  } else if (name === 'webgpu') {
    installGpu(opts.gpu);
    await import('@tensorflow/tfjs-backend-webgpu');
  } else {
    throw new BackendError(`unknown tfjs backend ${JSON.stringify(name)} (expected cpu, wasm or webgpu)`);
  }
  if (tf.findBackendFactory(name) === undefined && tf.findBackend(name) === null) {
    throw new BackendError(
      name === 'webgpu'
        ? "tfjs 'webgpu' backend is not registered: navigator.gpu was missing when it was imported (pass `gpu` in Node)"
        : `tfjs backend '${name}' is not registered`,
    );
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendError(`tfjs backend '${name}' failed to initialise (see the console for tfjs's reason)`);
  await tf.ready();
}

/** True once tfjs's gradient functions are registered (ReferenceModel needs them for lossAndGrads). */
export function gradientsRegistered(): boolean {
  return tf.getGradient('BatchMatMul') !== undefined && tf.getGradient('RealDiv') !== undefined;
}

/** Register every tfjs-core gradient function (idempotent). */
export async function registerGradients(): Promise<void> {
  if (gradientsRegistered()) return;
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (node) {
    // A variable specifier keeps bundlers from pulling the whole union package into browser builds.
    const union = '@tensorflow/tfjs';
    await import(/* @vite-ignore */ union);
  } else {
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  }
  if (!gradientsRegistered()) throw new BackendError('tfjs gradient functions could not be registered');
}

/** The active backend's name (e.g. for benchmark reports). */
export function currentBackend(): string {
  return tf.getBackend();
}

function installGpu(gpu: GPU | undefined): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu) return;
  if (!gpu) return; // the import then registers nothing and useBackend reports it
  if (g.navigator) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}
