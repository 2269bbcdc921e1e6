// SwiGLU backward, elementwise over [N, F]: with s = σ(g) and h = g·s·u,
//   du = dh · g·s
//   dg = dh · u · s · (1 + g·(1 − s))        (d silu/dg = s + g·s·(1 − s))
// dg and du are overwritten (activation gradients).
// Thread mapping: as the forward — one thread per element on a 2-D grid of 256-thread workgroups.

struct Params { n: u32 }

@group(0) @binding(0) var<storage, read> dh: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> u: array<f32>;
@group(0) @binding(3) var<storage, read_write> dg: array<f32>;
@group(0) @binding(4) var<storage, read_write> du: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

fn sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + li;
  if (i >= p.n) { return; }
  let x = g[i];
  let s = sigmoid(x);
  let d = dh[i];
  du[i] = d * x * s;
  dg[i] = d * u[i] * s * (1.0 + x * (1.0 - s));
}
