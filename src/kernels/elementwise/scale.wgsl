// x[i] *= s for i < n.
// Thread mapping: one thread per element, 256 threads per workgroup; workgroups form a 2-D grid
// (see grid.ts), i = (wg.y * num_workgroups.x + wg.x) * 256 + local index.

struct Params { n: u32, s: f32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + li;
  if (i >= p.n) { return; }
  x[i] *= p.s;
}
