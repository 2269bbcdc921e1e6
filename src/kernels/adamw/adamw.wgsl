// AdamW (decoupled weight decay), one thread per parameter element, in place on p, m, v:
//   g' = g · gradScale · clip                 gradScale folds in 1/accumulation steps;
//   clip = min(1, maxNorm / ‖g·gradScale‖) from the squared global norm in sq[0] (1 when maxNorm = 0),
//   computed on the GPU so clipping needs no read-back inside a step.
//   m  = β1·m + (1−β1)·g'
//   v  = β2·v + (1−β2)·g'²
//   p  = p − lr·( (m/bc1) / (sqrt(v/bc2) + eps) + wd·p )      bc1 = 1−β1^t, bc2 = 1−β2^t
// 2-D grid: element i = (wg.y * 65535 + wg.x) * 256 + local index, so any length works.

struct Params { n: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32, gradScale: f32, maxNorm: f32 }

@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> u: Params;
@group(0) @binding(5) var<storage, read> sq: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * 65535u + wg.x) * 256u + li;
  if (i >= u.n) { return; }
  var clip = 1.0;
  if (u.maxNorm > 0.0) {
    let norm = sqrt(sq[0]) * u.gradScale;
    if (norm > u.maxNorm) { clip = u.maxNorm / norm; }
  }
  let gi = g[i] * u.gradScale * clip;
  let mi = u.beta1 * m[i] + (1.0 - u.beta1) * gi;
  let vi = u.beta2 * v[i] + (1.0 - u.beta2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  let mhat = mi / u.bc1;
  let vhat = vi / u.bc2;
  p[i] = p[i] - u.lr * (mhat / (sqrt(vhat) + u.eps) + u.wd * p[i]);
}
