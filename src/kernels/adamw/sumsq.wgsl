// Sum of squares of x[0..n) into out[slot] (+=), for the global gradient norm used by clipping
// (`main`); `sumMain` adds the plain sum instead (the last stage of sumsqMany, over its partial sums).
// One workgroup of 256 threads: each thread strides over x, then a tree reduction in workgroup memory.

struct Params { n: u32, slot: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> u: Params;

var<workgroup> partial: array<f32, 256>;

fn reduceInto(li: u32, s: f32) {
  partial[li] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (li < w) { partial[li] += partial[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u) { out[u.slot] += partial[0]; }
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < u.n; i += 256u) { s += x[i] * x[i]; }
  reduceInto(li, s);
}

@compute @workgroup_size(256)
fn sumMain(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < u.n; i += 256u) { s += x[i]; }
  reduceInto(li, s);
}
