// RMSNorm backward (w frozen, so no dw): with r = rstd[n] from the forward and g_j = w_j · dy[n, j],
//   dx[n, j] = r · (g_j − x[n, j] · r² · (1/C) · Σ_k g_k · x[n, k])
// dy, x, dx: [N, C]; w: [C]; rstd: [N]. dx is overwritten (an activation gradient).
// Thread mapping: as the forward — one workgroup of WG threads (256 on GPUs, 4 on SwiftShader) per
// row n on a 2-D workgroup grid, n = wg.y * num_workgroups.x + wg.x; thread l strides over columns
// j = l, l+WG, ...; the row's Σ g·x is tree-reduced in workgroup memory, then every thread writes dx
// for its own columns.

// Threads per row: a power of two, chosen per adapter (see rowWorkgroupSize in elementwise/grid.ts).
override WG: u32 = 256u;

struct Params { N: u32, C: u32 }

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = wg.y * nwg.x + wg.x;
  if (n >= p.N) { return; } // uniform across the workgroup
  let base = n * p.C;

  var s = 0.0;
  for (var j = li; j < p.C; j += WG) {
    s = fma(w[j] * dy[base + j], x[base + j], s);
  }
  partial[li] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    if (li < half) { partial[li] += partial[li + half]; }
    workgroupBarrier();
  }
  let r = rstd[n];
  let c = r * r * partial[0] / f32(p.C);

  for (var j = li; j < p.C; j += WG) {
    dx[base + j] = r * (w[j] * dy[base + j] - x[base + j] * c);
  }
}
