// Tiled f32 matmul: C[M,N] = alpha · op(A)[M,K] · op(B)[K,N]  (+ C when p.accumulate ≠ 0).
//   op(A) = A stored [M,K] row-major, or Aᵀ of A stored [K,M] when TRANS_A.
//   op(B) = B stored [K,N] row-major, or Bᵀ of B stored [N,K] when TRANS_B (y = x·Wᵀ is TRANS_B).
// Thread mapping: a workgroup of 16×16 threads computes a 64×64 tile of C; each thread owns a 4×4
// register tile (rows ty*4.., cols tx*4..). K is walked in steps of 16 through workgroup memory:
// every thread stages 4 values of the A tile (64×16) and 4 of the B tile (16×64) per step.
// Out-of-range rows/cols/k are loaded as 0 and never stored, so any M, N, K works.
// TRANS_A / TRANS_B are override constants (they change the staging loads); accumulate is a uniform,
// read only by the stores, so it needs no pipeline of its own.

override TRANS_A: bool = false;
override TRANS_B: bool = false;

struct Params { M: u32, N: u32, K: u32, alpha: f32, accumulate: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const TILE: u32 = 64u;
const TK: u32 = 16u;
var<workgroup> As: array<f32, 1024>; // [TK][TILE]: As[k*TILE + m]
var<workgroup> Bs: array<f32, 1024>; // [TK][TILE]: Bs[k*TILE + n]

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) { return 0.0; }
  if (TRANS_A) { return A[k * p.M + m]; }
  return A[m * p.K + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (n >= p.N || k >= p.K) { return 0.0; }
  if (TRANS_B) { return B[n * p.K + k]; }
  return B[k * p.N + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let tid = lid.y * 16u + lid.x; // 0..255
  var acc: array<array<f32, 4>, 4>;
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }

  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // Stage: element e = tid + 256*s (s = 0..3) of the 1024-element tiles.
    for (var s = 0u; s < 4u; s++) {
      let e = tid + 256u * s;
      // A tile element e: m = e % TILE, k = e / TILE (consecutive threads read consecutive m when TRANS_A).
      let am = e % TILE;
      let ak = e / TILE;
      As[ak * TILE + am] = loadA(row0 + am, k0 + ak);
      let bn = e % TILE;
      let bk = e / TILE;
      Bs[bk * TILE + bn] = loadB(k0 + bk, col0 + bn);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[k * TILE + lid.y * 4u + i]; }
      for (var j = 0u; j < 4u; j++) { b[j] = Bs[k * TILE + lid.x * 4u + j]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x * 4u + j;
      if (c >= p.N) { continue; }
      let v = p.alpha * acc[i][j];
      if (p.accumulate != 0u) { C[r * p.N + c] += v; } else { C[r * p.N + c] = v; }
    }
  }
}
