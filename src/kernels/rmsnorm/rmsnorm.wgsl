// RMSNorm forward (Llama input_layernorm / post_attention_layernorm / norm):
//   y[n, :] = x[n, :] · rstd[n] · w[:],   rstd[n] = 1 / sqrt(mean_j x[n, j]² + eps)
// x, y: [N, C]; w: [C]; rstd: [N] (saved for the backward).
// Thread mapping: one workgroup of WG threads (256 on GPUs, 4 on SwiftShader) per row n; rows form
// a 2-D workgroup grid (see elementwise/grid.ts), n = wg.y * num_workgroups.x + wg.x. Thread l
// strides over columns j = l, l+WG, ...: it sums its x² terms, the WG partial sums are tree-reduced
// in workgroup memory, then every thread writes y for its own columns.

// Threads per row: a power of two, chosen per adapter (see rowWorkgroupSize in elementwise/grid.ts).
override WG: u32 = 256u;

struct Params { N: u32, C: u32, eps: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = wg.y * nwg.x + wg.x;
  if (n >= p.N) { return; } // the whole workgroup leaves together: barriers below stay uniform
  let base = n * p.C;

  var s = 0.0;
  for (var j = li; j < p.C; j += WG) {
    let v = x[base + j];
    s = fma(v, v, s);
  }
  partial[li] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    if (li < half) { partial[li] += partial[li + half]; }
    workgroupBarrier();
  }
  let r = 1.0 / sqrt(partial[0] / f32(p.C) + p.eps);

  if (li == 0u) { rstd[n] = r; }
  for (var j = li; j < p.C; j += WG) {
    y[base + j] = x[base + j] * r * w[j];
  }
}
