// qmatmul forward — a frozen-base linear layer whose weight is stored quantized:
//   y[N, OUT] = alpha · x[N, IN] · Wᵀ  (+ bias[OUT] when HAS_BIAS)  (+ y when ACCUMULATE)
// W [OUT, IN] is int8, int4 (INT4) or f16 (F16); compiled after qmatmul.common.wgsl (its bindings 1, 2
// and the dequantization). W is dequantized in registers and never written anywhere.
//
// Thread mapping: no workgroup memory — matmul_regtile.wgsl's register tiling with W in place of op(B).
// A thread owns a tile of TM = 16 rows × TO = 8 outputs of y in registers. Threads are numbered
// g = (workgroup_id.y · num_workgroups.x + workgroup_id.x) · WG + local_invocation_id.x and laid out
// row-major over the grid of tiles: output tile g % tilesO (o0 = 8 · that), row tile g / tilesO
// (n0 = 16 · that), so neighbouring threads (one SIMD group on SwiftShader) share the same rows of x.
// `main_row1` is the same with 1 row per thread (n = g / tilesO): for generation (N of 1 to 3), where
// a 16-row tile would spend most of its arithmetic on clamped rows.
// IN is walked block by block and each block in steps w = 0..3 (see qmatmul.common.wgsl): a step
// dequantizes 8 elements of each of the 8 outputs' rows ONCE (scale applied) into WTile and reuses them
// for all 16 rows, so the unpacking costs 1/16 of what one row would pay. The 8 elements of an output
// are a column of a mat4x4 (loA: outputs o0..o0+3, elements lo), so one row of x updates 4 outputs with
// `x_lo · loA + x_hi · hiA` (vec4 · mat4x4 = four dot products).
// Why this shape (see matmul_regtile.wgsl): on SwiftShader a load with a computed index is a gather and
// costs ~10–15 FMAs, and a branch inside the hot loop runs both sides under masks, so the loop has no
// branch and loads 16·8 values of x plus 8–32 words of W per 16·8·8 multiply-adds. Rows are unrolled by
// hand with named accumulators (Subzero does not unroll loops; indexed function-scope arrays live in
// memory).
// Bounds: rows ≥ N and outputs ≥ OUT are clamped for loading and never stored. Whole blocks (the first
// floor(IN/32)) run the fast step; the last, partial block (IN % 32 ≠ 0) runs one k at a time (`step1`,
// small code), so x is never read at k ≥ IN (an Inf in the next row cannot leak in as 0·Inf).

override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
// Threads per workgroup (qmatmul.ts: 64, or 4 on CPU adapters, as matmul's MATMUL_REGTILE).
override WG: u32 = 64u;

struct Params { N: u32, IN: u32, OUT: u32, NB: u32, alpha: f32, tilesO: u32, tilesN: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;        // [N, IN]
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [OUT]; any buffer when !HAS_BIAS
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [N, OUT]
@group(0) @binding(5) var<uniform> p: Params;

// Must match QMATMUL_FORWARD_TILE in qmatmul.ts.
const TM: u32 = 16u; // rows of x per thread (`main`)
const TO: u32 = 8u;  // outputs per thread

// Dequantized W of one step for the thread's 8 outputs: column j of loA is W[o0+j, k..k+3], of hiA
// W[o0+j, k+16..k+19]; loB, hiB the same for outputs o0+4+j.
struct WTile { loA: mat4x4<f32>, hiA: mat4x4<f32>, loB: mat4x4<f32>, hiB: mat4x4<f32> }

// qA, qB: first word of the current block in the rows of outputs o0..o0+3, o0+4..o0+7; dA, dB scales.
fn load_tile(qA: vec4<u32>, qB: vec4<u32>, w: u32, dA: vec4<f32>, dB: vec4<f32>) -> WTile {
  let a0 = dequant8(qA.x, w, dA.x);
  let a1 = dequant8(qA.y, w, dA.y);
  let a2 = dequant8(qA.z, w, dA.z);
  let a3 = dequant8(qA.w, w, dA.w);
  let b0 = dequant8(qB.x, w, dB.x);
  let b1 = dequant8(qB.y, w, dB.y);
  let b2 = dequant8(qB.z, w, dB.z);
  let b3 = dequant8(qB.w, w, dB.w);
  return WTile(mat4x4<f32>(a0.lo, a1.lo, a2.lo, a3.lo), mat4x4<f32>(a0.hi, a1.hi, a2.hi, a3.hi),
               mat4x4<f32>(b0.lo, b1.lo, b2.lo, b3.lo), mat4x4<f32>(b0.hi, b1.hi, b2.hi, b3.hi));
}

// Accumulators of one row: outputs o0..o0+3 (a) and o0+4..o0+7 (b).
struct Acc { a: vec4<f32>, b: vec4<f32> }
struct Tile {
  r0: Acc, r1: Acc, r2: Acc, r3: Acc, r4: Acc, r5: Acc, r6: Acc, r7: Acc,
  r8: Acc, r9: Acc, r10: Acc, r11: Acc, r12: Acc, r13: Acc, r14: Acc, r15: Acc,
}
// Where rows n0..n0+15 start in x (n · IN, clamped to N − 1).
struct RowIdx { q0: vec4<u32>, q1: vec4<u32>, q2: vec4<u32>, q3: vec4<u32> }

// x[row, k..k+3] (lo) and x[row, k+16..k+19] (hi) for the row starting at `at` (k + 19 < IN).
fn load_x8(at: u32, k: u32) -> Half8 {
  let i = at + k;
  return Half8(vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]), vec4<f32>(x[i + 16u], x[i + 17u], x[i + 18u], x[i + 19u]));
}

// acc += one row's x-step · W-step (8 outputs × 8 elements).
fn fma8(acc: Acc, xv: Half8, t: WTile) -> Acc {
  return Acc(acc.a + xv.lo * t.loA + xv.hi * t.hiA, acc.b + xv.lo * t.loB + xv.hi * t.hiB);
}

fn madd(acc: Acc, at: u32, k: u32, t: WTile) -> Acc {
  return fma8(acc, load_x8(at, k), t);
}

fn step(t: Tile, ra: RowIdx, k: u32, w: WTile) -> Tile {
  return Tile(
    madd(t.r0, ra.q0.x, k, w), madd(t.r1, ra.q0.y, k, w), madd(t.r2, ra.q0.z, k, w), madd(t.r3, ra.q0.w, k, w),
    madd(t.r4, ra.q1.x, k, w), madd(t.r5, ra.q1.y, k, w), madd(t.r6, ra.q1.z, k, w), madd(t.r7, ra.q1.w, k, w),
    madd(t.r8, ra.q2.x, k, w), madd(t.r9, ra.q2.y, k, w), madd(t.r10, ra.q2.z, k, w), madd(t.r11, ra.q2.w, k, w),
    madd(t.r12, ra.q3.x, k, w), madd(t.r13, ra.q3.y, k, w), madd(t.r14, ra.q3.z, k, w), madd(t.r15, ra.q3.w, k, w));
}

// W[o0..o0+7, k], one element at a time (for the last, partial block): bA, bB the blocks holding k in
// the rows of outputs o0..o0+3, o0+4..o0+7; j = k % 32.
fn load_w1(bA: vec4<u32>, bB: vec4<u32>, j: u32) -> Acc {
  let wpb = words_per_block();
  return Acc(vec4<f32>(dequant1(bA.x * wpb, j, block_scale(bA.x)), dequant1(bA.y * wpb, j, block_scale(bA.y)),
                       dequant1(bA.z * wpb, j, block_scale(bA.z)), dequant1(bA.w * wpb, j, block_scale(bA.w))),
             vec4<f32>(dequant1(bB.x * wpb, j, block_scale(bB.x)), dequant1(bB.y * wpb, j, block_scale(bB.y)),
                       dequant1(bB.z * wpb, j, block_scale(bB.z)), dequant1(bB.w * wpb, j, block_scale(bB.w))));
}

fn madd1(acc: Acc, xv: f32, w: Acc) -> Acc {
  return Acc(acc.a + xv * w.a, acc.b + xv * w.b);
}

// Tile += x[n0..n0+15, k] · W[o0..o0+7, k]  (k < IN).
fn step1(t: Tile, ra: RowIdx, k: u32, w: Acc) -> Tile {
  return Tile(
    madd1(t.r0, x[ra.q0.x + k], w), madd1(t.r1, x[ra.q0.y + k], w), madd1(t.r2, x[ra.q0.z + k], w), madd1(t.r3, x[ra.q0.w + k], w),
    madd1(t.r4, x[ra.q1.x + k], w), madd1(t.r5, x[ra.q1.y + k], w), madd1(t.r6, x[ra.q1.z + k], w), madd1(t.r7, x[ra.q1.w + k], w),
    madd1(t.r8, x[ra.q2.x + k], w), madd1(t.r9, x[ra.q2.y + k], w), madd1(t.r10, x[ra.q2.z + k], w), madd1(t.r11, x[ra.q2.w + k], w),
    madd1(t.r12, x[ra.q3.x + k], w), madd1(t.r13, x[ra.q3.y + k], w), madd1(t.r14, x[ra.q3.z + k], w), madd1(t.r15, x[ra.q3.w + k], w));
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

// Rows n0..n0+15 of the tile, those < N.
fn store_tile(n0: u32, o0: u32, t: Tile) {
  store_row(n0, o0, t.r0); store_row(n0 + 1u, o0, t.r1); store_row(n0 + 2u, o0, t.r2); store_row(n0 + 3u, o0, t.r3);
  store_row(n0 + 4u, o0, t.r4); store_row(n0 + 5u, o0, t.r5); store_row(n0 + 6u, o0, t.r6); store_row(n0 + 7u, o0, t.r7);
  store_row(n0 + 8u, o0, t.r8); store_row(n0 + 9u, o0, t.r9); store_row(n0 + 10u, o0, t.r10); store_row(n0 + 11u, o0, t.r11);
  store_row(n0 + 12u, o0, t.r12); store_row(n0 + 13u, o0, t.r13); store_row(n0 + 14u, o0, t.r14); store_row(n0 + 15u, o0, t.r15);
}

// Where rows n..n+3 start in x (clamped to N − 1).
fn row_starts(n: vec4<u32>) -> vec4<u32> {
  return min(n, vec4<u32>(p.N - 1u)) * p.IN;
}

// First block of the rows of outputs o..o+3 (o · NB, clamped to OUT − 1).
fn block_rows(o: u32) -> vec4<u32> {
  return min(vec4<u32>(o) + K4, vec4<u32>(p.OUT - 1u)) * p.NB;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = (wg.y * nwg.x + wg.x) * WG + lid.x;
  let tn = g / p.tilesO;
  if (tn >= p.tilesN) { return; }
  let n0 = tn * TM;
  let o0 = (g % p.tilesO) * TO;
  let ra = RowIdx(row_starts(vec4<u32>(n0) + K4), row_starts(vec4<u32>(n0 + 4u) + K4),
                  row_starts(vec4<u32>(n0 + 8u) + K4), row_starts(vec4<u32>(n0 + 12u) + K4));
  let bA = block_rows(o0);
  let bB = block_rows(o0 + 4u);
  let wpb = words_per_block();
  let z = Acc(vec4<f32>(0.0), vec4<f32>(0.0));
  var t = Tile(z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z);
  let nbFull = p.IN / 32u;
  for (var b = 0u; b < nbFull; b++) {
    let cA = bA + vec4<u32>(b);
    let cB = bB + vec4<u32>(b);
    let dA = block_scales(cA);
    let dB = block_scales(cB);
    for (var w = 0u; w < 4u; w++) {
      t = step(t, ra, b * 32u + 4u * w, load_tile(cA * wpb, cB * wpb, w, dA, dB));
    }
  }
  for (var k = nbFull * 32u; k < p.IN; k++) {
    t = step1(t, ra, k, load_w1(bA + vec4<u32>(k / 32u), bB + vec4<u32>(k / 32u), k % 32u));
  }

  store_tile(n0, o0, t);
}

@compute @workgroup_size(WG)
fn main_row1(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = (wg.y * nwg.x + wg.x) * WG + lid.x;
  let n = g / p.tilesO;
  if (n >= p.N) { return; }
  let o0 = (g % p.tilesO) * TO;
  let at = n * p.IN;
  let bA = block_rows(o0);
  let bB = block_rows(o0 + 4u);
  let wpb = words_per_block();
  var acc = Acc(vec4<f32>(0.0), vec4<f32>(0.0));
  let nbFull = p.IN / 32u;
  for (var b = 0u; b < nbFull; b++) {
    let cA = bA + vec4<u32>(b);
    let cB = bB + vec4<u32>(b);
    let dA = block_scales(cA);
    let dB = block_scales(cB);
    for (var w = 0u; w < 4u; w++) {
      acc = madd(acc, at, b * 32u + 4u * w, load_tile(cA * wpb, cB * wpb, w, dA, dB));
    }
  }
  for (var k = nbFull * 32u; k < p.IN; k++) {
    acc = madd1(acc, x[at + k], load_w1(bA + vec4<u32>(k / 32u), bB + vec4<u32>(k / 32u), k % 32u));
  }
  store_row(n, o0, acc);
}
