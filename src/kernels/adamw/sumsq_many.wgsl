// First stage of the batched global gradient norm: sums of squares of up to 7 tensors per dispatch,
// written as per-thread partial sums (no barriers, no workgroup memory: SwiftShader pays dearly for
// those); sumsq.wgsl then reduces all the partials into out[slot] in one more dispatch. So the norm
// over L tensors costs ceil(L/7) + 1 dispatches instead of L one-workgroup reductions.
// Grid (chunks, 7): workgroup (x, y) reads tensor y of this dispatch at elements x·64 + lane, stride
// chunks·64, and thread lane writes partials[((base + y)·chunks + x)·64 + lane] (tensor slots past
// the ones bound have n = 0 and write 0). x0..x6 unused here are bound to any buffer (never read).

struct Params { n0: vec4<u32>, n1: vec4<u32>, base: u32, chunks: u32 }

const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read> x3: array<f32>;
@group(0) @binding(4) var<storage, read> x4: array<f32>;
@group(0) @binding(5) var<storage, read> x5: array<f32>;
@group(0) @binding(6) var<storage, read> x6: array<f32>;
@group(0) @binding(7) var<storage, read_write> partials: array<f32>;
@group(0) @binding(8) var<uniform> u: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let y = wg.y;
  var n = 0u;
  if (y < 4u) { n = u.n0[y]; } else { n = u.n1[y - 4u]; }
  let stride = u.chunks * WG;
  let i0 = wg.x * WG + li;
  var s = 0.0;
  switch y {
    case 0u: { for (var i = i0; i < n; i += stride) { s += x0[i] * x0[i]; } }
    case 1u: { for (var i = i0; i < n; i += stride) { s += x1[i] * x1[i]; } }
    case 2u: { for (var i = i0; i < n; i += stride) { s += x2[i] * x2[i]; } }
    case 3u: { for (var i = i0; i < n; i += stride) { s += x3[i] * x3[i]; } }
    case 4u: { for (var i = i0; i < n; i += stride) { s += x4[i] * x4[i]; } }
    case 5u: { for (var i = i0; i < n; i += stride) { s += x5[i] * x5[i]; } }
    case 6u: { for (var i = i0; i < n; i += stride) { s += x6[i] * x6[i]; } }
    default: {}
  }
  partials[((u.base + y) * u.chunks + wg.x) * WG + li] = s;
}
