// qmatmul backward (input gradient only — the quantized base is frozen, so there is no dW):
//   dx[N, IN] = alpha · dy[N, OUT] · W  (+ dx when ACCUMULATE; the engine accumulates the LoRA path's
//   dx into the same buffer)
// W [OUT, IN] int8, int4 (INT4) or f16 (F16) in the layout of src/engine/quant.ts, dequantized in
// registers (f16 with core WGSL's unpack2x16float; its scale is 1 and `scales` is not read).
//
// Thread mapping: no workgroup memory. Thread g = workgroup_id.x · 64 + local_invocation_id.x owns
// the 8 columns of block b = g / 4, step w = g % 4: k = 32b + 4w + 0..3 ("lo") and 32b + 16 + 4w + 0..3
// ("hi") — for int4 the low and high nibbles of word w of every row's block b (ggml order), for int8
// words w and w+4, for f16 words 2w, 2w+1 and 8+2w, 9+2w. It also owns TN = 8 rows n0 = workgroup_id.y · 8 .. n0+7, with two vec4
// accumulators per row. It walks OUT four rows of W at a time: the unpacked quants of rows o..o+3 are
// the columns of two mat4x4s, so `lo · (dy[n, o..o+3] · d)` adds all four rows' terms (mat4x4 · vec4
// = Σ columns · weights; d = the four rows' block scales, folded into dy rather than into W).
// Rows are unrolled by hand (SwiftShader's Subzero does not unroll loops; an indexed function-scope
// array is kept in memory).
// Bounds: rows ≥ N are clamped for loading and never stored; W rows ≥ OUT are clamped for loading and
// meet dy = 0; columns ≥ IN (padding of the last block) are computed (quants 0) but never stored.

override INT4: bool = false;
override F16: bool = false;
override ACCUMULATE: bool = false;

struct Params { N: u32, IN: u32, OUT: u32, NB: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> dy: array<f32>;       // [N, OUT]
@group(0) @binding(1) var<storage, read> quants: array<u32>;   // W packed, see quant.ts
@group(0) @binding(2) var<storage, read> scales: array<f32>;   // [OUT, NB]; any buffer when F16
@group(0) @binding(3) var<storage, read_write> dx: array<f32>; // [N, IN]
@group(0) @binding(4) var<uniform> p: Params;

// Must match QMATMUL_BACKWARD_TILE in qmatmul.ts.
const WG: u32 = 64u;  // threads per workgroup, along IN / 8
const TN: u32 = 8u;   // rows per thread

fn unpack_i8(u: u32) -> vec4<f32> {
  return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(u << 24u, u << 16u, u << 8u, u)) >> vec4<u32>(24u));
}
fn unpack_lo4(u: u32) -> vec4<f32> {
  return vec4<f32>(vec4<u32>(u, u >> 8u, u >> 16u, u >> 24u) & vec4<u32>(15u)) - vec4<f32>(8.0);
}
fn unpack_hi4(u: u32) -> vec4<f32> {
  return vec4<f32>(vec4<u32>(u >> 4u, u >> 12u, u >> 20u, u >> 28u) & vec4<u32>(15u)) - vec4<f32>(8.0);
}

fn unpack_f16x4(u0: u32, u1: u32) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(u0), unpack2x16float(u1));
}

// Unscaled quants of 4 rows of W at this thread's 8 columns; column j of lo is row o+j.
struct WTile { lo: mat4x4<f32>, hi: mat4x4<f32> }

// q: index of word w of block b in rows o..o+3.
fn load_tile(q: vec4<u32>) -> WTile {
  if (F16) {
    return WTile(mat4x4<f32>(unpack_f16x4(quants[q.x], quants[q.x + 1u]), unpack_f16x4(quants[q.y], quants[q.y + 1u]),
                             unpack_f16x4(quants[q.z], quants[q.z + 1u]), unpack_f16x4(quants[q.w], quants[q.w + 1u])),
                 mat4x4<f32>(unpack_f16x4(quants[q.x + 8u], quants[q.x + 9u]), unpack_f16x4(quants[q.y + 8u], quants[q.y + 9u]),
                             unpack_f16x4(quants[q.z + 8u], quants[q.z + 9u]), unpack_f16x4(quants[q.w + 8u], quants[q.w + 9u])));
  }
  if (INT4) {
    let u = vec4<u32>(quants[q.x], quants[q.y], quants[q.z], quants[q.w]);
    return WTile(mat4x4<f32>(unpack_lo4(u.x), unpack_lo4(u.y), unpack_lo4(u.z), unpack_lo4(u.w)),
                 mat4x4<f32>(unpack_hi4(u.x), unpack_hi4(u.y), unpack_hi4(u.z), unpack_hi4(u.w)));
  }
  return WTile(mat4x4<f32>(unpack_i8(quants[q.x]), unpack_i8(quants[q.y]), unpack_i8(quants[q.z]), unpack_i8(quants[q.w])),
               mat4x4<f32>(unpack_i8(quants[q.x + 4u]), unpack_i8(quants[q.y + 4u]), unpack_i8(quants[q.z + 4u]), unpack_i8(quants[q.w + 4u])));
}

// dy[row + o .. row + o + 3] where row = n·OUT; entries at o ≥ OUT read as 0 (select, not 0·value).
fn load_dy4(row: u32, o: u32) -> vec4<f32> {
  let i = row + o;
  if (o + 4u <= p.OUT) { return vec4<f32>(dy[i], dy[i + 1u], dy[i + 2u], dy[i + 3u]); }
  return vec4<f32>(select(0.0, dy[i], o < p.OUT), select(0.0, dy[i + 1u], o + 1u < p.OUT),
                   select(0.0, dy[i + 2u], o + 2u < p.OUT), 0.0);
}

// Accumulators of one row: columns klo..klo+3 (lo) and klo+16..klo+19 (hi).
struct Acc { lo: vec4<f32>, hi: vec4<f32> }

fn row_step(acc: Acc, row: u32, o: u32, t: WTile, d: vec4<f32>) -> Acc {
  let g = load_dy4(row, o) * d;
  return Acc(acc.lo + t.lo * g, acc.hi + t.hi * g);
}

fn store4(n: u32, k0: u32, v4: vec4<f32>) {
  for (var c = 0u; c < 4u; c++) {
    let k = k0 + c;
    if (k >= p.IN) { return; }
    let v = p.alpha * v4[c];
    let at = n * p.IN + k;
    if (ACCUMULATE) { dx[at] += v; } else { dx[at] = v; }
  }
}

fn store_row(n: u32, klo: u32, acc: Acc) {
  if (n >= p.N) { return; }
  store4(n, klo, acc.lo);
  store4(n, klo + 16u, acc.hi);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wg.x * WG + lid.x;
  let b = g / 4u;
  let w = g % 4u;
  let n0 = wg.y * TN;
  if (b >= p.NB || n0 >= p.N) { return; }
  let wpb = select(select(8u, 4u, INT4), 16u, F16);
  let wq = select(w, 2u * w, F16); // word of step w inside a block
  let lastN = p.N - 1u;
  let r0 = min(n0, lastN) * p.OUT;
  let r1 = min(n0 + 1u, lastN) * p.OUT;
  let r2 = min(n0 + 2u, lastN) * p.OUT;
  let r3 = min(n0 + 3u, lastN) * p.OUT;
  let r4 = min(n0 + 4u, lastN) * p.OUT;
  let r5 = min(n0 + 5u, lastN) * p.OUT;
  let r6 = min(n0 + 6u, lastN) * p.OUT;
  let r7 = min(n0 + 7u, lastN) * p.OUT;
  let zero = Acc(vec4<f32>(0.0), vec4<f32>(0.0));
  var a0 = zero; var a1 = zero; var a2 = zero; var a3 = zero;
  var a4 = zero; var a5 = zero; var a6 = zero; var a7 = zero;
  let lastO = vec4<u32>(p.OUT - 1u);

  for (var o = 0u; o < p.OUT; o += 4u) {
    let blk = min(vec4<u32>(o) + vec4<u32>(0u, 1u, 2u, 3u), lastO) * p.NB + b; // block b of rows o..o+3
    var d = vec4<f32>(1.0);
    if (!F16) { d = vec4<f32>(scales[blk.x], scales[blk.y], scales[blk.z], scales[blk.w]); }
    let t = load_tile(blk * wpb + wq);
    a0 = row_step(a0, r0, o, t, d);
    a1 = row_step(a1, r1, o, t, d);
    a2 = row_step(a2, r2, o, t, d);
    a3 = row_step(a3, r3, o, t, d);
    a4 = row_step(a4, r4, o, t, d);
    a5 = row_step(a5, r5, o, t, d);
    a6 = row_step(a6, r6, o, t, d);
    a7 = row_step(a7, r7, o, t, d);
  }

  let klo = b * 32u + 4u * w;
  store_row(n0, klo, a0);
  store_row(n0 + 1u, klo, a1);
  store_row(n0 + 2u, klo, a2);
  store_row(n0 + 3u, klo, a3);
  store_row(n0 + 4u, klo, a4);
  store_row(n0 + 5u, klo, a5);
  store_row(n0 + 6u, klo, a6);
  store_row(n0 + 7u, klo, a7);
}
