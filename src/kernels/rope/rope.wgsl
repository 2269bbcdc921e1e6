// Rotary position embedding, in place on x [N, nH·D] (q with nH = H, or k with nH = KV); row n is
// token t = n % T of its sequence, at position pos = posOffset + t. Pair i (i < D/2) of every head is
// rotated by the angle θ = pos · invFreq[i] (invFreq [D/2], f32, from ropeInvFreq so llama3 scaling
// is included):
//   (a, b) ← (a·cos θ − b·sin θ,  b·cos θ + a·sin θ)
// with (a, b) = (x[i], x[i + D/2]) for the 'half' layout (HF rotate_half) and (x[2i], x[2i+1]) for
// 'interleaved' (Meta / llama.cpp). The backward is this same shader with sign = −1 (rotation by −θ
// is the transpose of rotation by θ), so there is no rope.backward.wgsl.
// Thread mapping: one thread per rotated pair (n, head, i): id = (n·nH + head)·(D/2) + i, 256 threads
// per workgroup on a 2-D workgroup grid (see elementwise/grid.ts).

struct Params { N: u32, T: u32, nH: u32, D: u32, posOffset: u32, interleaved: u32, sign: f32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> invFreq: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

// cos and sin of θ ≥ 0 to about 1 ulp, without the built-ins: WGSL only promises an absolute error
// of 2⁻¹¹ for sin/cos, and only inside [−π, π] (SwiftShader's were measured ~2e-4 off at small θ,
// and at position ~4000 θ is ~4000 rad). Cody–Waite reduction by k quarter-turns: PIO2_HI has 8
// significant bits, so k·PIO2_HI and θ − k·PIO2_HI are exact for the k < 2¹⁶ (θ < 10⁵) we meet;
// PIO2_LO = π/2 − PIO2_HI. Then Cephes' sinf/cosf minimax polynomials on [−π/4, π/4].
const PIO2_HI: f32 = 1.5703125;
const PIO2_LO: f32 = 4.8382679489661923e-4;
const TWO_OVER_PI: f32 = 0.63661977236758134;

fn cosSin(theta: f32) -> vec2<f32> {
  let k = round(theta * TWO_OVER_PI);
  let r = (theta - k * PIO2_HI) - k * PIO2_LO; // in about [−π/4, π/4]
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  switch (u32(k) & 3u) {
    case 0u: { return vec2<f32>(c, s); }
    case 1u: { return vec2<f32>(-s, c); }
    case 2u: { return vec2<f32>(-c, -s); }
    default: { return vec2<f32>(s, -c); }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let half = p.D / 2u;
  let id = (wg.y * nwg.x + wg.x) * 256u + li;
  if (id >= p.N * p.nH * half) { return; }
  let i = id % half;
  let rowHead = id / half;          // n·nH + head
  let n = rowHead / p.nH;
  let base = rowHead * p.D;         // x offset of (n, head)

  let pos = p.posOffset + n % p.T;
  let cs = cosSin(f32(pos) * invFreq[i]);
  let c = cs.x;
  let s = p.sign * cs.y;

  var ia = base + i;
  var ib = base + i + half;
  if (p.interleaved != 0u) {
    ia = base + 2u * i;
    ib = ia + 1u;
  }
  let a = x[ia];
  let b = x[ib];
  x[ia] = a * c - b * s;
  x[ib] = b * c + a * s;
}
