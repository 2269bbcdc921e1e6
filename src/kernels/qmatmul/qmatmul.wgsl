// qmatmul forward — a frozen-base linear layer whose weight is stored quantized:
//   y[N, OUT] = alpha · x[N, IN] · Wᵀ  (+ bias[OUT] when HAS_BIAS)  (+ y when ACCUMULATE)
// W [OUT, IN] is int8 (Q8_0-like), int4 (Q4_0-like, INT4) or f16 (F16) in the layout of
// src/engine/quant.ts: blocks of 32 along IN, NB = ceil(IN/32) per row; quants[] u32 words (8 per int8
// block, 4 per int4 block, 16 per f16 block = two halves per word), scales[OUT * NB] f32 (not read for
// f16, whose scale is 1). W is dequantized in registers and never written anywhere; f16 pairs are
// widened with core WGSL's unpack2x16float, so no shader-f16 feature is needed.
//
// Thread mapping: no workgroup memory (on SwiftShader register tiles win, see the shared notes). A
// thread owns 8 outputs o0..o0+7, o0 = (workgroup_id.x · 64 + local_invocation_id.x) · 8, and rows
//   main:      8 rows n0 = workgroup_id.y · 8 .. n0+7   (training: N is batch × time)
//   main_row1: 1 row  n0 = workgroup_id.y               (generation: N of 1 to 3, where main would
//                                                         waste most of its arithmetic on clamped rows)
// It walks IN block by block; inside a block, step w = 0..3 covers the 8 elements 4w..4w+3 ("lo") and
// 16+4w..16+4w+3 ("hi"): for int4 that is exactly the low and high nibbles of word w (ggml order), for
// int8 it is words w and w+4, for f16 words 2w, 2w+1 (lo) and 8+2w, 9+2w (hi). The unpacked quants of outputs o0..o0+3 ("A") and o0+4..o0+7 ("B") are the
// columns of mat4x4s, so one row of x updates 4 outputs with `(x_lo · loA + x_hi · hiA) · dA`
// (vec4 · mat4x4 = four dot products; dA = the 4 block scales, applied to the sum, not to each weight).
// Rows are unrolled by hand with named accumulators: SwiftShader's Subzero backend does not unroll
// loops, and an indexed function-scope array is kept in memory instead of registers.
// Bounds: rows ≥ N and outputs ≥ OUT are clamped for loading and never stored; elements ≥ IN of the
// last block have zero quants (quant.ts pads) and x there is read as 0 (never from the next row).

override INT4: bool = false;
override F16: bool = false;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;

struct Params { N: u32, IN: u32, OUT: u32, NB: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;        // [N, IN]
@group(0) @binding(1) var<storage, read> quants: array<u32>;   // W packed, see quant.ts
@group(0) @binding(2) var<storage, read> scales: array<f32>;   // [OUT, NB]; any buffer when F16
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [OUT]; any buffer when !HAS_BIAS
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [N, OUT]
@group(0) @binding(5) var<uniform> p: Params;

// Must match QMATMUL_FORWARD_TILE in qmatmul.ts.
const WG: u32 = 64u;  // threads per workgroup, along OUT
const TO: u32 = 8u;   // outputs per thread
const TN: u32 = 8u;   // rows per thread in `main`

// Four signed bytes of u (byte k = element k) as floats.
fn unpack_i8(u: u32) -> vec4<f32> {
  return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(u << 24u, u << 16u, u << 8u, u)) >> vec4<u32>(24u));
}
// Low nibbles of the 4 bytes of u (elements 4w..4w+3 of an int4 block), as q − 8.
fn unpack_lo4(u: u32) -> vec4<f32> {
  return vec4<f32>(vec4<u32>(u, u >> 8u, u >> 16u, u >> 24u) & vec4<u32>(15u)) - vec4<f32>(8.0);
}
// High nibbles (elements 16+4w..16+4w+3).
fn unpack_hi4(u: u32) -> vec4<f32> {
  return vec4<f32>(vec4<u32>(u >> 4u, u >> 12u, u >> 20u, u >> 28u) & vec4<u32>(15u)) - vec4<f32>(8.0);
}

// Elements 2j, 2j+1 (word j) and 2j+2, 2j+3 (word j+1) of an f16 row.
fn unpack_f16x4(u0: u32, u1: u32) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(u0), unpack2x16float(u1));
}

// Word index of step w inside a block: w for int8/int4, 2w for f16 (4 halves = 2 words per step).
fn step_word(w: u32) -> u32 {
  return select(w, 2u * w, F16);
}

// Words per block.
fn words_per_block() -> u32 {
  return select(select(8u, 4u, INT4), 16u, F16);
}

// The four block scales of a step; f16 has none (1).
fn block_scales(s: vec4<u32>) -> vec4<f32> {
  if (F16) { return vec4<f32>(1.0); }
  return vec4<f32>(scales[s.x], scales[s.y], scales[s.z], scales[s.w]);
}

// Unscaled quants of step w of one block for 8 outputs; column j of loA is output o0+j.
struct WTile { loA: mat4x4<f32>, hiA: mat4x4<f32>, loB: mat4x4<f32>, hiB: mat4x4<f32> }

// qa, qb: index of word w of the block in each output's row (outputs o0..o0+3, o0+4..o0+7).
fn load_tile(qa: vec4<u32>, qb: vec4<u32>) -> WTile {
  var t: WTile;
  if (F16) {
    t.loA = mat4x4<f32>(unpack_f16x4(quants[qa.x], quants[qa.x + 1u]), unpack_f16x4(quants[qa.y], quants[qa.y + 1u]),
                        unpack_f16x4(quants[qa.z], quants[qa.z + 1u]), unpack_f16x4(quants[qa.w], quants[qa.w + 1u]));
    t.hiA = mat4x4<f32>(unpack_f16x4(quants[qa.x + 8u], quants[qa.x + 9u]), unpack_f16x4(quants[qa.y + 8u], quants[qa.y + 9u]),
                        unpack_f16x4(quants[qa.z + 8u], quants[qa.z + 9u]), unpack_f16x4(quants[qa.w + 8u], quants[qa.w + 9u]));
    t.loB = mat4x4<f32>(unpack_f16x4(quants[qb.x], quants[qb.x + 1u]), unpack_f16x4(quants[qb.y], quants[qb.y + 1u]),
                        unpack_f16x4(quants[qb.z], quants[qb.z + 1u]), unpack_f16x4(quants[qb.w], quants[qb.w + 1u]));
    t.hiB = mat4x4<f32>(unpack_f16x4(quants[qb.x + 8u], quants[qb.x + 9u]), unpack_f16x4(quants[qb.y + 8u], quants[qb.y + 9u]),
                        unpack_f16x4(quants[qb.z + 8u], quants[qb.z + 9u]), unpack_f16x4(quants[qb.w + 8u], quants[qb.w + 9u]));
  } else if (INT4) {
    let ua = vec4<u32>(quants[qa.x], quants[qa.y], quants[qa.z], quants[qa.w]);
    let ub = vec4<u32>(quants[qb.x], quants[qb.y], quants[qb.z], quants[qb.w]);
    t.loA = mat4x4<f32>(unpack_lo4(ua.x), unpack_lo4(ua.y), unpack_lo4(ua.z), unpack_lo4(ua.w));
    t.hiA = mat4x4<f32>(unpack_hi4(ua.x), unpack_hi4(ua.y), unpack_hi4(ua.z), unpack_hi4(ua.w));
    t.loB = mat4x4<f32>(unpack_lo4(ub.x), unpack_lo4(ub.y), unpack_lo4(ub.z), unpack_lo4(ub.w));
    t.hiB = mat4x4<f32>(unpack_hi4(ub.x), unpack_hi4(ub.y), unpack_hi4(ub.z), unpack_hi4(ub.w));
  } else {
    t.loA = mat4x4<f32>(unpack_i8(quants[qa.x]), unpack_i8(quants[qa.y]), unpack_i8(quants[qa.z]), unpack_i8(quants[qa.w]));
    t.hiA = mat4x4<f32>(unpack_i8(quants[qa.x + 4u]), unpack_i8(quants[qa.y + 4u]), unpack_i8(quants[qa.z + 4u]), unpack_i8(quants[qa.w + 4u]));
    t.loB = mat4x4<f32>(unpack_i8(quants[qb.x]), unpack_i8(quants[qb.y]), unpack_i8(quants[qb.z]), unpack_i8(quants[qb.w]));
    t.hiB = mat4x4<f32>(unpack_i8(quants[qb.x + 4u]), unpack_i8(quants[qb.y + 4u]), unpack_i8(quants[qb.z + 4u]), unpack_i8(quants[qb.w + 4u]));
  }
  return t;
}

// x[row + k .. row + k + 3] where row = n·IN; elements at k ≥ IN read as 0.
fn load_x4(row: u32, k: u32) -> vec4<f32> {
  let i = row + k;
  if (k + 4u <= p.IN) { return vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]); }
  // Tail of the row: out-of-row indices are read (robust access keeps them inside the buffer) but
  // select() discards them, so an Inf in the next row cannot leak in as 0·Inf.
  return vec4<f32>(select(0.0, x[i], k < p.IN), select(0.0, x[i + 1u], k + 1u < p.IN),
                   select(0.0, x[i + 2u], k + 2u < p.IN), 0.0);
}

// Accumulators of one row: outputs o0..o0+3 (a) and o0+4..o0+7 (b).
struct Acc { a: vec4<f32>, b: vec4<f32> }

// One step (8 elements of IN) of one row of x, at x offset `row`, block element k.
fn row_step(acc: Acc, row: u32, k: u32, t: WTile, dA: vec4<f32>, dB: vec4<f32>) -> Acc {
  let lo = load_x4(row, k);
  let hi = load_x4(row, k + 16u);
  return Acc(acc.a + (lo * t.loA + hi * t.hiA) * dA, acc.b + (lo * t.loB + hi * t.hiB) * dB);
}

fn store4(n: u32, o0: u32, v4: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    let o = o0 + j;
    if (o >= p.OUT) { return; }
    var v = p.alpha * v4[j];
    if (HAS_BIAS) { v += bias[o]; }
    let at = n * p.OUT + o;
    if (ACCUMULATE) { y[at] += v; } else { y[at] = v; }
  }
}

fn store_row(n: u32, o0: u32, acc: Acc) {
  if (n >= p.N) { return; }
  store4(n, o0, acc.a);
  store4(n, o0 + 4u, acc.b);
}

// Row starts (in blocks) of outputs o0..o0+7 in scales[], clamped to the last output.
fn block_rows(o0: u32) -> array<vec4<u32>, 2> {
  let last = vec4<u32>(p.OUT - 1u);
  return array<vec4<u32>, 2>(min(vec4<u32>(o0) + vec4<u32>(0u, 1u, 2u, 3u), last) * p.NB,
                             min(vec4<u32>(o0) + vec4<u32>(4u, 5u, 6u, 7u), last) * p.NB);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o0 = (wg.x * WG + lid.x) * TO;
  let n0 = wg.y * TN;
  if (o0 >= p.OUT || n0 >= p.N) { return; }
  let wpb = words_per_block();
  let rows = block_rows(o0);
  let sA = rows[0];
  let sB = rows[1];
  let last = p.N - 1u;
  let x0 = min(n0, last) * p.IN;
  let x1 = min(n0 + 1u, last) * p.IN;
  let x2 = min(n0 + 2u, last) * p.IN;
  let x3 = min(n0 + 3u, last) * p.IN;
  let x4 = min(n0 + 4u, last) * p.IN;
  let x5 = min(n0 + 5u, last) * p.IN;
  let x6 = min(n0 + 6u, last) * p.IN;
  let x7 = min(n0 + 7u, last) * p.IN;
  let zero = Acc(vec4<f32>(0.0), vec4<f32>(0.0));
  var a0 = zero; var a1 = zero; var a2 = zero; var a3 = zero;
  var a4 = zero; var a5 = zero; var a6 = zero; var a7 = zero;

  for (var b = 0u; b < p.NB; b++) {
    let dA = block_scales(sA + b);
    let dB = block_scales(sB + b);
    for (var w = 0u; w < 4u; w++) {
      let t = load_tile((sA + b) * wpb + step_word(w), (sB + b) * wpb + step_word(w));
      let k = b * 32u + 4u * w;
      a0 = row_step(a0, x0, k, t, dA, dB);
      a1 = row_step(a1, x1, k, t, dA, dB);
      a2 = row_step(a2, x2, k, t, dA, dB);
      a3 = row_step(a3, x3, k, t, dA, dB);
      a4 = row_step(a4, x4, k, t, dA, dB);
      a5 = row_step(a5, x5, k, t, dA, dB);
      a6 = row_step(a6, x6, k, t, dA, dB);
      a7 = row_step(a7, x7, k, t, dA, dB);
    }
  }

  store_row(n0, o0, a0);
  store_row(n0 + 1u, o0, a1);
  store_row(n0 + 2u, o0, a2);
  store_row(n0 + 3u, o0, a3);
  store_row(n0 + 4u, o0, a4);
  store_row(n0 + 5u, o0, a5);
  store_row(n0 + 6u, o0, a6);
  store_row(n0 + 7u, o0, a7);
}

@compute @workgroup_size(64)
fn main_row1(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o0 = (wg.x * WG + lid.x) * TO;
  let n = wg.y;
  if (o0 >= p.OUT || n >= p.N) { return; }
  let wpb = words_per_block();
  let rows = block_rows(o0);
  let sA = rows[0];
  let sB = rows[1];
  let x0 = n * p.IN;
  var a0 = Acc(vec4<f32>(0.0), vec4<f32>(0.0));

  for (var b = 0u; b < p.NB; b++) {
    let dA = block_scales(sA + b);
    let dB = block_scales(sB + b);
    for (var w = 0u; w < 4u; w++) {
      let t = load_tile((sA + b) * wpb + step_word(w), (sB + b) * wpb + step_word(w));
      a0 = row_step(a0, x0, b * 32u + 4u * w, t, dA, dB);
    }
  }
  store_row(n, o0, a0);
}
