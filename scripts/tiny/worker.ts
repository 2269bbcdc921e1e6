// Gradient worker for scripts/pretrain-tiny.ts: holds a TinyTrainGraph on tfjs-wasm (one thread each;
// tfjs-wasm has no threads in Node) and answers {loss, grads} for the rows it is sent.

import { parentPort } from 'node:worker_threads';
import type { ModelConfig } from '../../src/engine/config.ts';
import type { WeightMap } from '../../src/engine/weights.ts';
import { useBackend } from '../../src/reference/backend.ts';
import type { RowsBatch } from './data.ts';
import { TinyTrainGraph } from './graph.ts';

export type WorkerRequest =
  | { type: 'init'; cfg: ModelConfig; names: string[]; shapes: number[][]; weights: Float32Array[] }
  | { type: 'grads'; weights: Float32Array[]; batch: RowsBatch }
  | { type: 'loss'; weights: Float32Array[]; batch: RowsBatch };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'grads'; loss: number; maskSum: number; grads: Float32Array[] }
  | { type: 'loss'; nll: Float32Array }
  | { type: 'error'; message: string };

let graph: TinyTrainGraph | null = null;
const port = parentPort!;

port.on('message', async (req: WorkerRequest) => {
  try {
    if (req.type === 'init') {
      await useBackend('wasm');
      const w: WeightMap = new Map(req.names.map((n, i) => [n, { shape: req.shapes[i], data: req.weights[i] }]));
      graph = new TinyTrainGraph(req.cfg, w);
      port.postMessage({ type: 'ready' } satisfies WorkerReply);
      return;
    }
    const g = graph!;
    g.setWeights(req.weights);
    let maskSum = 0;
    for (const m of req.batch.mask) maskSum += m;
    if (req.type === 'grads') {
      const { loss, grads } = g.lossAndGrads(req.batch);
      port.postMessage({ type: 'grads', loss, maskSum, grads } satisfies WorkerReply, grads.map((a) => a.buffer as ArrayBuffer));
    } else {
      const nll = g.nll(req.batch);
      port.postMessage({ type: 'loss', nll } satisfies WorkerReply, [nll.buffer as ArrayBuffer]);
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies WorkerReply);
  }
});
