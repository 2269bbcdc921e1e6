// The engine object that lives in the Web Worker (and can be used directly in Node): it owns the GPU
// device and implements EngineApi from src/protocol.ts.
import { Gpu, isSoftwareAdapter } from '../gpu/gpu.ts';
import { matmulOnce } from '../kernels/matmul/matmul.ts';
import { matmul_cpu } from '../kernels/matmul/matmul.ref.ts';
import type { EngineApi, GpuStatus, MatmulSelfTest } from '../protocol.ts';
import { Rng } from './rng.ts';

export class Engine implements EngineApi {
  private gpu: Promise<Gpu> | null = null;

  /** `gpuSource` gives the WebGPU entry point: navigator.gpu in a browser, Dawn's in Node. */
  constructor(private readonly gpuSource: () => GPU | undefined | Promise<GPU | undefined> = () => (globalThis.navigator as Navigator | undefined)?.gpu) {}

  private device(): Promise<Gpu> {
    if (!this.gpu) {
      this.gpu = Promise.resolve(this.gpuSource()).then((g) => Gpu.create(g));
      this.gpu.catch(() => (this.gpu = null));
    }
    return this.gpu;
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
}
