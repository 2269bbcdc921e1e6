// Main thread entry: wires the UI to the engine worker through Comlink. No GPU objects here.
import * as Comlink from 'comlink';
import type { EngineApi } from './protocol.ts';
import { mountGpuPanel } from './ui/gpu-status.ts';

const worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'tabtune-engine' });
const engine = Comlink.wrap<EngineApi>(worker);
const root = document.getElementById('app')!;

void mountGpuPanel(root, engine);
