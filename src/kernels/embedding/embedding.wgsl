// Embedding gather (embed_tokens): x[n, c] = E[tok[n], c] for E [V, C], tok [N] u32, x [N, C].
// An id ≥ V gives a row of zeros, and E is never read out of bounds. No backward: embeddings are
// frozen in tabtune's training (LoRA / prompt tuning).
// A table larger than one storage binding is split into row chunks (engine/linear.ts); this kernel
// then sees rows v0 .. v0+R−1 as E [R, C] and is dispatched once per chunk, v0 = 0 first: a thread
// whose id lies in the chunk copies its element, and the first chunk (v0 = 0) also writes the zeros
// of every id outside it, which later chunks overwrite for their own ids. Unsplit: v0 = 0, R = V.
// Thread mapping: one thread per element of x, 256 threads per workgroup on a 2-D workgroup grid
// (see elementwise/grid.ts): i = (wg.y * num_workgroups.x + wg.x) * 256 + local index, n = i / C.

struct Params { N: u32, C: u32, V: u32, v0: u32, R: u32 }

@group(0) @binding(0) var<storage, read> E: array<f32>;        // rows v0 .. v0+R−1 of the table, [R, C]
@group(0) @binding(1) var<storage, read> tok: array<u32>;      // [N]
@group(0) @binding(2) var<storage, read_write> x: array<f32>;  // [N, C]
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + li;
  if (i >= p.N * p.C) { return; }
  let n = i / p.C;
  let c = i % p.C;
  let id = tok[n];
  // id − v0 wraps to a huge value for id < v0, so one comparison checks both ends.
  let r = id - p.v0;
  if (id < p.V && r < p.R) { x[i] = E[r * p.C + c]; }
  else if (p.v0 == 0u) { x[i] = 0.0; }
}
