// Embedding gather (embed_tokens): x[n, c] = E[tok[n], c] for E [V, C], tok [N] u32, x [N, C].
// An id ≥ V gives a row of zeros, and E is never read out of bounds. No backward: embeddings are
// frozen in tabtune's training (LoRA / prompt tuning).
// Thread mapping: one thread per element of x, 256 threads per workgroup on a 2-D workgroup grid
// (see elementwise/grid.ts): i = (wg.y * num_workgroups.x + wg.x) * 256 + local index, n = i / C.

struct Params { N: u32, C: u32, V: u32 }

@group(0) @binding(0) var<storage, read> E: array<f32>;
@group(0) @binding(1) var<storage, read> tok: array<u32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + li;
  if (i >= p.N * p.C) { return; }
  let n = i / p.C;
  let c = i % p.C;
  let id = tok[n];
  var value = 0.0;
  if (id < p.V) { value = E[id * p.C + c]; }
  x[i] = value;
}
