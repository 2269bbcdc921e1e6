// Benchmark page (bench.html), driven by `npm run bench` through Playwright: exposes src/bench/run.ts
// on window with the page's navigator.gpu.
import { runBench, type BenchResult, type RunOptions } from './run.ts';
import { SHAPES } from './shapes.ts';

const run = (shapeKey: string, opts: RunOptions = {}): Promise<BenchResult> => runBench(shapeKey, opts, { gpu: navigator.gpu });

declare global {
  interface Window {
    tabtuneBench: { run: typeof run; shapes: string[] };
  }
}

window.tabtuneBench = { run, shapes: Object.keys(SHAPES) };
document.body.dataset.ready = '1';
