// GPU test harness for Vitest (Node, Dawn). A test that needs the GPU calls testGpu(): it FAILS with a
// message saying what to install when no adapter can be had — GPU tests never skip.
import { Gpu } from '../gpu/gpu.ts';
import { createNodeGpu } from '../gpu/node.ts';

let shared: Promise<Gpu> | null = null;
let announced = false;

export function testGpu(): Promise<Gpu> {
  if (!shared) {
    shared = createNodeGpu().then((g) => {
      if (!announced) {
        announced = true;
        // Printed so that a test log shows which real adapter the GPU tests ran on.
        console.log(`[tabtune gpu tests] adapter: ${g.adapter.description}; features: ${g.adapter.features.join(', ')}`);
      }
      return g;
    });
  }
  return shared;
}
