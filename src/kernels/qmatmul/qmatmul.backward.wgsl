// qmatmul backward (input gradient only — the quantized base is frozen, so there is no dW):
//   dx[N, IN] = alpha · dy[N, OUT] · W  (+ dx when ACCUMULATE; the engine accumulates the LoRA path's
//   dx into the same buffer)
// W [OUT, IN] int8, int4 (INT4) or f16 (F16); compiled after qmatmul.common.wgsl (its bindings 1, 2 and
// the dequantization), dequantized in registers.
//
// Thread mapping: no workgroup memory — matmul_regtile.wgsl's register tiling with W as op(B) (NN). A
// thread owns TM = 16 rows × 8 columns of dx: the 8 columns of step w of block b (k = 32b + 4w + 0..3
// "lo" and 32b + 16 + 4w + 0..3 "hi", see qmatmul.common.wgsl) — one int4 word, or two int8 words, of
// every row of W. Threads are numbered g = (workgroup_id.y · num_workgroups.x + workgroup_id.x) · WG +
// local_invocation_id.x over the grid of tiles: column tile c = g % tilesC (tilesC = 4·NB; b = c / 4,
// w = c % 4), row tile g / tilesC (n0 = 16 · that), so neighbouring threads share the rows of dy.
// OUT is walked four rows of W at a time: the dequantized rows o..o+3 (scales applied once per weight)
// are the columns of two mat4x4s, so `lo · dy[n, o..o+3]` (mat4x4 · vec4 = Σ columns · weights) adds
// all four rows' terms, for each of the 16 rows of dy. The loop has no branch (see qmatmul.wgsl for why);
// the OUT % 4 tail runs one row of W at a time (`step1`).
// Bounds: rows ≥ N are clamped for loading and never stored; dy is never read at o ≥ OUT; columns ≥ IN
// (padding of the last block) are computed (quants 0) but never stored.

override ACCUMULATE: bool = false;
// Threads per workgroup (qmatmul.ts: 64, or 4 on CPU adapters).
override WG: u32 = 64u;

struct Params { N: u32, IN: u32, OUT: u32, NB: u32, alpha: f32, tilesC: u32, tilesN: u32 }

@group(0) @binding(0) var<storage, read> dy: array<f32>;       // [N, OUT]
@group(0) @binding(3) var<storage, read_write> dx: array<f32>; // [N, IN]
@group(0) @binding(4) var<uniform> p: Params;

// Must match QMATMUL_BACKWARD_TILE in qmatmul.ts.
const TM: u32 = 16u; // rows of dy per thread

// Dequantized rows o..o+3 of W at this thread's 8 columns; column j of lo is row o+j.
struct WTile { lo: mat4x4<f32>, hi: mat4x4<f32> }

// q: first word of block b in rows o..o+3; d: their scales.
fn load_tile(q: vec4<u32>, w: u32, d: vec4<f32>) -> WTile {
  let r0 = dequant8(q.x, w, d.x);
  let r1 = dequant8(q.y, w, d.y);
  let r2 = dequant8(q.z, w, d.z);
  let r3 = dequant8(q.w, w, d.w);
  return WTile(mat4x4<f32>(r0.lo, r1.lo, r2.lo, r3.lo), mat4x4<f32>(r0.hi, r1.hi, r2.hi, r3.hi));
}

// Accumulators of one row: columns klo..klo+3 (lo) and klo+16..klo+19 (hi).
struct Acc { lo: vec4<f32>, hi: vec4<f32> }
struct Tile {
  r0: Acc, r1: Acc, r2: Acc, r3: Acc, r4: Acc, r5: Acc, r6: Acc, r7: Acc,
  r8: Acc, r9: Acc, r10: Acc, r11: Acc, r12: Acc, r13: Acc, r14: Acc, r15: Acc,
}
// Where rows n0..n0+15 start in dy (n · OUT, clamped to N − 1).
struct RowIdx { q0: vec4<u32>, q1: vec4<u32>, q2: vec4<u32>, q3: vec4<u32> }

// dy[row, o..o+3] for the row starting at `at` (o + 3 < OUT).
fn load_dy4(at: u32, o: u32) -> vec4<f32> {
  let i = at + o;
  return vec4<f32>(dy[i], dy[i + 1u], dy[i + 2u], dy[i + 3u]);
}

// acc += one row's dy[o..o+3] · W[o..o+3, columns].
fn fma4(acc: Acc, g: vec4<f32>, t: WTile) -> Acc {
  return Acc(acc.lo + t.lo * g, acc.hi + t.hi * g);
}

fn madd(acc: Acc, at: u32, o: u32, t: WTile) -> Acc {
  return fma4(acc, load_dy4(at, o), t);
}

fn step(t: Tile, ra: RowIdx, o: u32, w: WTile) -> Tile {
  return Tile(
    madd(t.r0, ra.q0.x, o, w), madd(t.r1, ra.q0.y, o, w), madd(t.r2, ra.q0.z, o, w), madd(t.r3, ra.q0.w, o, w),
    madd(t.r4, ra.q1.x, o, w), madd(t.r5, ra.q1.y, o, w), madd(t.r6, ra.q1.z, o, w), madd(t.r7, ra.q1.w, o, w),
    madd(t.r8, ra.q2.x, o, w), madd(t.r9, ra.q2.y, o, w), madd(t.r10, ra.q2.z, o, w), madd(t.r11, ra.q2.w, o, w),
    madd(t.r12, ra.q3.x, o, w), madd(t.r13, ra.q3.y, o, w), madd(t.r14, ra.q3.z, o, w), madd(t.r15, ra.q3.w, o, w));
}

fn madd1(acc: Acc, g: f32, h: Half8) -> Acc {
  return Acc(acc.lo + g * h.lo, acc.hi + g * h.hi);
}

// Tile += dy[n0..n0+15, o] · W[o, columns]  (o < OUT).
fn step1(t: Tile, ra: RowIdx, o: u32, h: Half8) -> Tile {
  return Tile(
    madd1(t.r0, dy[ra.q0.x + o], h), madd1(t.r1, dy[ra.q0.y + o], h), madd1(t.r2, dy[ra.q0.z + o], h), madd1(t.r3, dy[ra.q0.w + o], h),
    madd1(t.r4, dy[ra.q1.x + o], h), madd1(t.r5, dy[ra.q1.y + o], h), madd1(t.r6, dy[ra.q1.z + o], h), madd1(t.r7, dy[ra.q1.w + o], h),
    madd1(t.r8, dy[ra.q2.x + o], h), madd1(t.r9, dy[ra.q2.y + o], h), madd1(t.r10, dy[ra.q2.z + o], h), madd1(t.r11, dy[ra.q2.w + o], h),
    madd1(t.r12, dy[ra.q3.x + o], h), madd1(t.r13, dy[ra.q3.y + o], h), madd1(t.r14, dy[ra.q3.z + o], h), madd1(t.r15, dy[ra.q3.w + o], h));
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

// Rows n0..n0+15 of the tile, those < N.
fn store_tile(n0: u32, klo: u32, t: Tile) {
  store_row(n0, klo, t.r0); store_row(n0 + 1u, klo, t.r1); store_row(n0 + 2u, klo, t.r2); store_row(n0 + 3u, klo, t.r3);
  store_row(n0 + 4u, klo, t.r4); store_row(n0 + 5u, klo, t.r5); store_row(n0 + 6u, klo, t.r6); store_row(n0 + 7u, klo, t.r7);
  store_row(n0 + 8u, klo, t.r8); store_row(n0 + 9u, klo, t.r9); store_row(n0 + 10u, klo, t.r10); store_row(n0 + 11u, klo, t.r11);
  store_row(n0 + 12u, klo, t.r12); store_row(n0 + 13u, klo, t.r13); store_row(n0 + 14u, klo, t.r14); store_row(n0 + 15u, klo, t.r15);
}

// Where rows n..n+3 start in dy (clamped to N − 1).
fn row_starts(n: vec4<u32>) -> vec4<u32> {
  return min(n, vec4<u32>(p.N - 1u)) * p.OUT;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = (wg.y * nwg.x + wg.x) * WG + lid.x;
  let tn = g / p.tilesC;
  if (tn >= p.tilesN) { return; }
  let n0 = tn * TM;
  let c = g % p.tilesC;
  let b = c / 4u;
  let w = c % 4u;
  let ra = RowIdx(row_starts(vec4<u32>(n0) + K4), row_starts(vec4<u32>(n0 + 4u) + K4),
                  row_starts(vec4<u32>(n0 + 8u) + K4), row_starts(vec4<u32>(n0 + 12u) + K4));
  let wpb = words_per_block();
  let z = Acc(vec4<f32>(0.0), vec4<f32>(0.0));
  var t = Tile(z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z);
  let oFull = p.OUT & ~3u;
  for (var o = 0u; o < oFull; o += 4u) {
    let blk = (vec4<u32>(o) + K4) * p.NB + vec4<u32>(b); // block b of rows o..o+3
    t = step(t, ra, o, load_tile(blk * wpb, w, block_scales(blk)));
  }
  for (var o = oFull; o < p.OUT; o++) {
    let blk = o * p.NB + b;
    t = step1(t, ra, o, dequant8(blk * wpb, w, block_scale(blk)));
  }

  let klo = b * 32u + 4u * w;
  store_tile(n0, klo, t);
}
