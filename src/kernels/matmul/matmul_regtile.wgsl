// Register-tiled f32 matmul (no workgroup memory): C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] (+ C when
// accumulate), the contract of matmul.wgsl:
//   op(A) = A stored [M,K] row-major, or Aᵀ of A stored [K,M] when TRANS_A.
//   op(B) = B stored [K,N] row-major, or Bᵀ of B stored [N,K] when TRANS_B.
// TRANS_A / TRANS_B are override constants (they change the inner loop's addressing); accumulate is a
// uniform, read only by the stores, so it needs no pipeline of its own.
//
// Thread mapping: a thread owns a TM × TN = 16 × 8 tile of C in registers. Threads are numbered
// g = (workgroup_id.y · num_workgroups.x + workgroup_id.x) · WG + local_invocation_id.x and laid out
// row-major over the grid of tiles: tile column g % tilesN, tile row g / tilesN (tilesN = ceil(N/8)),
// so no thread is spent on a skinny N's empty columns (N = 16: two threads per 16 rows), and
// neighbouring threads (one SIMD group on SwiftShader) share the same rows of A.
// K is walked 4 at a time: each row of the tile gets a = op(A)[m, k..k+3] (vec4 over k) and the tile's
// B is two mat4x4s whose column kk is op(B)[k+kk, n0..n0+3] (lo) and op(B)[k+kk, n0+4..n0+7] (hi), so
// one row's update is `acc.lo += b.lo · a` (mat4x4 · vec4 = Σ_kk column kk · a[kk]). For TRANS_B the
// loads run along B's contiguous k and the 4×4 blocks are transposed in registers.
// Why this shape: on SwiftShader each load with a computed index is a masked 4-lane gather, roughly
// the cost of 10–15 FMAs, so the kernel is bound by loads per FMA (TM + TN per TM·TN) — measured at
// 512³: A's loads ~40 %, B's ~30 %, arithmetic ~30 % of the time. Barriers and workgroup memory cost
// more than they save there; real GPUs use matmul.wgsl instead (matmul.ts selects).
// Rows are unrolled by hand with named accumulators (SwiftShader's Subzero backend does not unroll
// loops, and indexed function-scope arrays are kept in memory instead of registers).
// Bounds: rows ≥ M and columns ≥ N are clamped for loading and never stored; the last K % 4 values of
// k run through `step1` (one k at a time, a quarter of `step`'s code), so no load is ever past K.

override TRANS_A: bool = false;
override TRANS_B: bool = false;

struct Params { M: u32, N: u32, K: u32, alpha: f32, accumulate: u32, tilesN: u32, tilesM: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// Threads per workgroup (matmul.ts: 64, or 4 on CPU adapters).
override WG: u32 = 64u;
// Must match MATMUL_REGTILE in matmul.ts.
const TM: u32 = 16u; // rows of C per thread
const TN: u32 = 8u;  // columns of C per thread

const K4 = vec4<u32>(0u, 1u, 2u, 3u);

// One row of the thread's tile: C[m, n0..n0+3] (lo) and C[m, n0+4..n0+7] (hi).
struct Row { lo: vec4<f32>, hi: vec4<f32> }
// op(B)[k..k+3, n0..n0+7]: column kk of lo is op(B)[k+kk, n0..n0+3].
struct BTile { lo: mat4x4<f32>, hi: mat4x4<f32> }
// Where rows m0..m0+15 start in A: m·K, or m when TRANS_A (clamped to M−1).
struct RowIdx { q0: vec4<u32>, q1: vec4<u32>, q2: vec4<u32>, q3: vec4<u32> }
// Where columns n0..n0+7 start in B: n, or n·K when TRANS_B (clamped to N−1).
struct ColIdx { lo: vec4<u32>, hi: vec4<u32> }
struct Tile {
  r0: Row, r1: Row, r2: Row, r3: Row, r4: Row, r5: Row, r6: Row, r7: Row,
  r8: Row, r9: Row, r10: Row, r11: Row, r12: Row, r13: Row, r14: Row, r15: Row,
}

// op(A)[m, k..k+3] for the row starting at `at` (k + 3 < K).
fn loadA(at: u32, k: u32) -> vec4<f32> {
  if (TRANS_A) {
    let r = k * p.M + at;
    return vec4<f32>(A[r], A[r + p.M], A[r + 2u * p.M], A[r + 3u * p.M]);
  }
  let i = at + k;
  return vec4<f32>(A[i], A[i + 1u], A[i + 2u], A[i + 3u]);
}

// op(B)[k..k+3, n] for the 4 columns starting at `at` (one mat4x4 of BTile; k + 3 < K).
fn loadB4(at: vec4<u32>, k: u32) -> mat4x4<f32> {
  if (TRANS_B) {
    // Column j of t is op(B)[k..k+3, n_j], read along B's contiguous k; transposed into BTile's layout.
    return transpose(mat4x4<f32>(
      vec4<f32>(B[at.x + k], B[at.x + k + 1u], B[at.x + k + 2u], B[at.x + k + 3u]),
      vec4<f32>(B[at.y + k], B[at.y + k + 1u], B[at.y + k + 2u], B[at.y + k + 3u]),
      vec4<f32>(B[at.z + k], B[at.z + k + 1u], B[at.z + k + 2u], B[at.z + k + 3u]),
      vec4<f32>(B[at.w + k], B[at.w + k + 1u], B[at.w + k + 2u], B[at.w + k + 3u])));
  }
  let r0 = vec4<u32>(k * p.N) + at;
  let r1 = r0 + vec4<u32>(p.N);
  let r2 = r1 + vec4<u32>(p.N);
  let r3 = r2 + vec4<u32>(p.N);
  return mat4x4<f32>(vec4<f32>(B[r0.x], B[r0.y], B[r0.z], B[r0.w]), vec4<f32>(B[r1.x], B[r1.y], B[r1.z], B[r1.w]),
                     vec4<f32>(B[r2.x], B[r2.y], B[r2.z], B[r2.w]), vec4<f32>(B[r3.x], B[r3.y], B[r3.z], B[r3.w]));
}

fn madd(acc: Row, a: vec4<f32>, b: BTile) -> Row {
  return Row(acc.lo + b.lo * a, acc.hi + b.hi * a);
}

// Tile += op(A)[m0..m0+15, k..k+3] · op(B)[k..k+3, n0..n0+7]  (k + 3 < K).
fn step(t: Tile, ra: RowIdx, cb: ColIdx, k: u32) -> Tile {
  let b = BTile(loadB4(cb.lo, k), loadB4(cb.hi, k));
  return Tile(
    madd(t.r0, loadA(ra.q0.x, k), b), madd(t.r1, loadA(ra.q0.y, k), b),
    madd(t.r2, loadA(ra.q0.z, k), b), madd(t.r3, loadA(ra.q0.w, k), b),
    madd(t.r4, loadA(ra.q1.x, k), b), madd(t.r5, loadA(ra.q1.y, k), b),
    madd(t.r6, loadA(ra.q1.z, k), b), madd(t.r7, loadA(ra.q1.w, k), b),
    madd(t.r8, loadA(ra.q2.x, k), b), madd(t.r9, loadA(ra.q2.y, k), b),
    madd(t.r10, loadA(ra.q2.z, k), b), madd(t.r11, loadA(ra.q2.w, k), b),
    madd(t.r12, loadA(ra.q3.x, k), b), madd(t.r13, loadA(ra.q3.y, k), b),
    madd(t.r14, loadA(ra.q3.z, k), b), madd(t.r15, loadA(ra.q3.w, k), b));
}

// op(A)[m, k] and op(B)[k, n0..n0+7], for the single-k steps.
fn loadA1(at: u32, k: u32) -> f32 {
  if (TRANS_A) { return A[k * p.M + at]; }
  return A[at + k];
}
fn loadB1(at: vec4<u32>, k: u32) -> vec4<f32> {
  let i = select(vec4<u32>(k * p.N) + at, at + vec4<u32>(k), TRANS_B);
  return vec4<f32>(B[i.x], B[i.y], B[i.z], B[i.w]);
}
fn madd1(acc: Row, a: f32, b: Row) -> Row {
  return Row(acc.lo + a * b.lo, acc.hi + a * b.hi);
}

// Tile += op(A)[m0..m0+15, k] · op(B)[k, n0..n0+7]: the K % 4 tail (and the quad kernel's fallback),
// a quarter of `step`'s code, so it costs little to compile.
fn step1(t: Tile, ra: RowIdx, cb: ColIdx, k: u32) -> Tile {
  let b = Row(loadB1(cb.lo, k), loadB1(cb.hi, k));
  return Tile(
    madd1(t.r0, loadA1(ra.q0.x, k), b), madd1(t.r1, loadA1(ra.q0.y, k), b),
    madd1(t.r2, loadA1(ra.q0.z, k), b), madd1(t.r3, loadA1(ra.q0.w, k), b),
    madd1(t.r4, loadA1(ra.q1.x, k), b), madd1(t.r5, loadA1(ra.q1.y, k), b),
    madd1(t.r6, loadA1(ra.q1.z, k), b), madd1(t.r7, loadA1(ra.q1.w, k), b),
    madd1(t.r8, loadA1(ra.q2.x, k), b), madd1(t.r9, loadA1(ra.q2.y, k), b),
    madd1(t.r10, loadA1(ra.q2.z, k), b), madd1(t.r11, loadA1(ra.q2.w, k), b),
    madd1(t.r12, loadA1(ra.q3.x, k), b), madd1(t.r13, loadA1(ra.q3.y, k), b),
    madd1(t.r14, loadA1(ra.q3.z, k), b), madd1(t.r15, loadA1(ra.q3.w, k), b));
}

fn store4(m: u32, n0: u32, v4: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n >= p.N) { return; }
    let v = p.alpha * v4[j];
    let at = m * p.N + n;
    if (p.accumulate != 0u) { C[at] += v; } else { C[at] = v; }
  }
}

fn storeRow(m: u32, n0: u32, r: Row) {
  if (m >= p.M) { return; }
  store4(m, n0, r.lo);
  store4(m, n0 + 4u, r.hi);
}

fn rowStarts(m: vec4<u32>) -> vec4<u32> {
  let c = min(m, vec4<u32>(p.M - 1u));
  if (TRANS_A) { return c; }
  return c * p.K;
}

fn colStarts(n: vec4<u32>) -> vec4<u32> {
  let c = min(n, vec4<u32>(p.N - 1u));
  if (TRANS_B) { return c * p.K; }
  return c;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = (wg.y * nwg.x + wg.x) * WG + lid.x;
  let tm = g / p.tilesN;
  if (tm >= p.tilesM) { return; }
  let m0 = tm * TM;
  let n0 = (g % p.tilesN) * TN;
  let ra = RowIdx(rowStarts(vec4<u32>(m0) + K4), rowStarts(vec4<u32>(m0 + 4u) + K4),
                  rowStarts(vec4<u32>(m0 + 8u) + K4), rowStarts(vec4<u32>(m0 + 12u) + K4));
  let cb = ColIdx(colStarts(vec4<u32>(n0) + K4), colStarts(vec4<u32>(n0 + 4u) + K4));
  let z = Row(vec4<f32>(0.0), vec4<f32>(0.0));
  var t = Tile(z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z);
  let kFull = p.K & ~3u;
  for (var k = 0u; k < kFull; k += 4u) { t = step(t, ra, cb, k); }
  for (var k = kFull; k < p.K; k++) { t = step1(t, ra, cb, k); }

  storeRow(m0, n0, t.r0); storeRow(m0 + 1u, n0, t.r1); storeRow(m0 + 2u, n0, t.r2); storeRow(m0 + 3u, n0, t.r3);
  storeRow(m0 + 4u, n0, t.r4); storeRow(m0 + 5u, n0, t.r5); storeRow(m0 + 6u, n0, t.r6); storeRow(m0 + 7u, n0, t.r7);
  storeRow(m0 + 8u, n0, t.r8); storeRow(m0 + 9u, n0, t.r9); storeRow(m0 + 10u, n0, t.r10); storeRow(m0 + 11u, n0, t.r11);
  storeRow(m0 + 12u, n0, t.r12); storeRow(m0 + 13u, n0, t.r13); storeRow(m0 + 14u, n0, t.r14); storeRow(m0 + 15u, n0, t.r15);
}
