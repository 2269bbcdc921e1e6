// Inverted dropout with a hash mask (LoRA dropout; see src/engine/dropout.ts for the mask's definition):
//   y[i] = keep(i) ? x[i] · scale : 0          (y[i] += that when ACCUMULATE)
//   keep(i) = pcg(pcg(i) ^ stream) ≥ threshold
// The mask is recomputed from (stream, i), never stored: the forward applies it to the adapter's input,
// the backward applies the same one to the gradient flowing back through the adapter.
// Thread mapping: one thread per element, 256 threads per workgroup on a 2-D workgroup grid (see
// elementwise/grid.ts): i = (wg.y * num_workgroups.x + wg.x) * 256 + local index.

override ACCUMULATE: bool = false;

struct Params { count: u32, stream: u32, threshold: u32, scale: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

// pcg_hash (Jarzynski & Olano 2020); u32 arithmetic wraps, as Math.imul(...) >>> 0 in dropout.ts.
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + li;
  if (i >= p.count) { return; }
  let keep = pcg(pcg(i) ^ p.stream) >= p.threshold;
  let v = select(0.0, x[i] * p.scale, keep);
  if (ACCUMULATE) { y[i] += v; } else { y[i] = v; }
}
