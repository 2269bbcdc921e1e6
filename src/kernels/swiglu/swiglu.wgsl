// SwiGLU (the Llama MLP's activation): h = silu(g) · u = g · σ(g) · u, elementwise over [N, F]
// (g = gate_proj output, u = up_proj output; then down_proj reads h).
// Thread mapping: one thread per element, 256 threads per workgroup; workgroups form a 2-D grid
// (see elementwise/grid.ts), i = (wg.y * num_workgroups.x + wg.x) * 256 + local index.

struct Params { n: u32 }

@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read_write> h: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// σ(x) without overflow: exp of a non-positive argument only.
fn sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + li;
  if (i >= p.n) { return; }
  let x = g[i];
  h[i] = x * sigmoid(x) * u[i];
}
