// The one typed interface between the main thread (src/ui, src/main.ts) and the engine in the Web
// Worker (workers/engine.worker.ts). Both sides see only these types; Comlink carries the calls.
// Errors cross the boundary as Error objects: branch on `err.name`, never on message text.
import type { AdapterSummary } from './gpu/gpu.ts';

export type { AdapterSummary };

export interface GpuStatus {
  /** True when a WebGPU device was created. */
  available: boolean;
  adapter: AdapterSummary | null;
  /** CPU-emulated adapter (SwiftShader, lavapipe, fallback): WebGPU is slow there. */
  software: boolean;
  /** Why WebGPU is unavailable, when it is. */
  reason: string | null;
}

export interface MatmulSelfTest {
  M: number;
  N: number;
  K: number;
  /** Largest |GPU − CPU reference| over C. */
  maxAbsError: number;
  ok: boolean;
  /** Wall time of the GPU dispatch + readback. */
  ms: number;
}

export interface EngineApi {
  /** Create (once) and describe the worker's WebGPU device. Never throws: reports why instead. */
  gpuStatus(): Promise<GpuStatus>;
  /** Run the tiled matmul kernel against its CPU reference on seeded random inputs. */
  matmulSelfTest(M: number, N: number, K: number, seed: number): Promise<MatmulSelfTest>;
}
