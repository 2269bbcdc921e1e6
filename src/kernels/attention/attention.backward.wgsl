// Causal grouped-query attention with an optional key/value prefix, backward, in passes that need no
// float atomics. With P[t,s] = exp(scale·q_t·k_s − lse_t) recomputed from the forward's lse (s runs
// over the prefix slots and the sequence keys t sees, as in attention.wgsl), and δ_t = Σ_d dO_t·o_t:
//   dS[t,s] = P[t,s] · (dO_t·v_s − δ_t)
//   pass `delta`   (one thread per query row):  δ_t
//   pass `dq`      (one thread per query row):  dq_t = scale · Σ_s dS[t,s] · k_s   (prefix slots included)
//   pass `dkdv`    (one thread per key row):    dk_s = scale · Σ_{h in group} Σ_t dS[t,s] · q_t
//                                                dv_s = Σ_{h in group} Σ_t P[t,s] · dO_t
//   pass `dprefix` (one thread per prefix slot and kv head; only when P > 0): the same sums for slot j,
//                  over every batch row too (the prefix is shared), ADDED to dpkv (a parameter grad: +=)
// The later passes read δ written by the delta pass: record them in this order (one compute pass is
// fine: WebGPU orders dispatches within a pass). Sequence key s is seen by queries s ≤ t (and
// t < s + W with a sliding window W > 0); prefix slot j by queries t with j > P + t − W (all when
// W = 0). Shapes, row layout and the prefix layout pkv [L, 2, P, KV·D] (this layer at vec4 pOff) as in
// attention.wgsl; dq, dk, dv and δ are overwritten.
// Thread mapping:
//   delta:     workgroup (x, y = b·H + h), query row t = x·64 + lane.
//   dq:        workgroup (x, y = b·(H/HG) + h0/HG), query row t = x·64 + lane and the HG query heads
//              h0 .. h0+HG−1 of one kv group (each k/v row read serves them all); registers: q, dO, dq
//              (HG·D/4 vec4s each).
//   dkdv:      workgroup (x, y = b·KV + g), the RS adjacent key rows s = (x·64 + lane)·RS + c (each q/dO
//              row read serves them all); registers: k, v, dk, dv (RS·D/4 vec4s each).
//   dprefix:   workgroup (x, y = g), slot j = x·64 + lane; registers: k_j, v_j, dk_j, dv_j.
// HG and RS are picked by attention.ts (HG·D ≤ 128, RS·D ≤ 128), which also writes out every loop over
// D/4, HG and RS (unrollLoops) so that the register arrays are indexed by constants.
// As in the forward, a workgroup walks the union of its rows' ranges in one order and each thread
// skips what its row must not see, so the loads of the other side's rows are uniform. Each entry point
// binds its own variables (an entry point's auto layout holds only what it uses; none binds more than
// 8 storage buffers, WebGPU's default per-stage limit). Requires D % 4 == 0 and D ≤ 128.

override D4: u32;
override HG: u32;   // query heads per dq thread (divides H/KV; see attention.ts)
override RS: u32;   // key rows per dkdv thread
const MAX_D4: u32 = 32u;
const WG: u32 = 64u;

struct Params { B: u32, T: u32, H: u32, KV: u32, W: u32, scale: f32, P: u32, pOff: u32 }

// ---- pass delta: bindings 0..3
@group(0) @binding(0) var<storage, read> eo: array<vec4<f32>>;        // o
@group(0) @binding(1) var<storage, read> edO: array<vec4<f32>>;       // dO
@group(0) @binding(2) var<storage, read_write> edelta: array<f32>;    // δ
@group(0) @binding(3) var<uniform> ep: Params;

@compute @workgroup_size(WG)
fn deltaMain(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let bh = wg.y;
  let b = bh / ep.H;
  let h = bh % ep.H;
  let t = wg.x * WG + li;
  if (t >= ep.T) { return; }
  let qBase = ((b * ep.T + t) * ep.H + h) * D4;
  var dlt = 0.0;
  for (var j = 0u; j < D4; j++) { dlt += dot(edO[qBase + j], eo[qBase + j]); }
  edelta[bh * ep.T + t] = dlt;
}

// ---- pass dq: bindings 0..8
@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dO: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> pkv: array<vec4<f32>>;
@group(0) @binding(8) var<uniform> p: Params;

fn firstKey(t: u32) -> u32 {
  if (p.W == 0u || t < p.W) { return 0u; }
  return t + 1u - p.W;
}

fn firstSlot(t: u32) -> u32 {
  if (p.W == 0u || p.P + t < p.W) { return 0u; }
  return min(p.P, p.P + t + 1u - p.W);
}

@compute @workgroup_size(WG)
fn dqMain(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let hgs = p.H / HG;                  // head blocks per batch row
  let b = wg.y / hgs;
  let h0 = (wg.y % hgs) * HG;          // this thread's heads h0 .. h0+HG−1 share kv head g
  let g = h0 / (p.H / p.KV);
  let t0 = wg.x * WG;
  let t = t0 + li;
  if (t >= p.T) { return; }
  let tEnd = min(p.T, t0 + WG) - 1u;
  let lo = firstKey(t);

  let qBase = ((b * p.T + t) * p.H + h0) * D4;   // head h0 + r at qBase + r·D4
  var qr: array<vec4<f32>, MAX_D4>;
  var dOr: array<vec4<f32>, MAX_D4>;
  var acc: array<vec4<f32>, MAX_D4>;
  var kr: array<vec4<f32>, MAX_D4>;    // the current key and value rows (read once, used by every head)
  var vr: array<vec4<f32>, MAX_D4>;
  var dlt: array<f32, 4>;
  var lseT: array<f32, 4>;
  for (var r = 0u; r < HG; r++) {
    for (var j = 0u; j < D4; j++) {
      qr[r * D4 + j] = q[qBase + r * D4 + j] * p.scale;
      dOr[r * D4 + j] = dO[qBase + r * D4 + j];
      acc[r * D4 + j] = vec4<f32>(0.0);
    }
    dlt[r] = delta[(b * p.H + h0 + r) * p.T + t];
    lseT[r] = lse[(b * p.H + h0 + r) * p.T + t];
  }

  // Prefix slots, then sequence keys: two loops with the same body, as in the forward (one merged loop
  // measured 2× slower on SwiftShader).
  let slotLo = firstSlot(t);
  let vOff = p.P * p.KV * D4;
  for (var s = firstSlot(t0); s < p.P; s++) {
    if (s < slotLo) { continue; }
    let kBase = p.pOff + (s * p.KV + g) * D4;
    for (var j = 0u; j < D4; j++) {
      kr[j] = pkv[kBase + j];
      vr[j] = pkv[kBase + vOff + j];
    }
    for (var r = 0u; r < HG; r++) {
      var sc = 0.0;
      var dp = 0.0;
      for (var j = 0u; j < D4; j++) {
        sc += dot(qr[r * D4 + j], kr[j]);
        dp += dot(dOr[r * D4 + j], vr[j]);
      }
      let ds = exp(sc - lseT[r]) * (dp - dlt[r]);
      for (var j = 0u; j < D4; j++) { acc[r * D4 + j] += ds * kr[j]; }
    }
  }
  for (var s = firstKey(t0); s <= tEnd; s++) {
    if (s < lo || s > t) { continue; }
    let kBase = ((b * p.T + s) * p.KV + g) * D4;
    for (var j = 0u; j < D4; j++) {
      kr[j] = k[kBase + j];
      vr[j] = v[kBase + j];
    }
    for (var r = 0u; r < HG; r++) {
      var sc = 0.0;
      var dp = 0.0;
      for (var j = 0u; j < D4; j++) {
        sc += dot(qr[r * D4 + j], kr[j]);
        dp += dot(dOr[r * D4 + j], vr[j]);
      }
      let ds = exp(sc - lseT[r]) * (dp - dlt[r]);
      for (var j = 0u; j < D4; j++) { acc[r * D4 + j] += ds * kr[j]; }
    }
  }
  for (var r = 0u; r < HG; r++) {
    for (var j = 0u; j < D4; j++) { dq[qBase + r * D4 + j] = acc[r * D4 + j] * p.scale; }
  }
}

// ---- pass dkdv: bindings 0..8 (its own variables; never used together with the dq pass's)
@group(0) @binding(0) var<storage, read> kq: array<vec4<f32>>;       // q
@group(0) @binding(1) var<storage, read> kk: array<vec4<f32>>;       // k
@group(0) @binding(2) var<storage, read> kv: array<vec4<f32>>;       // v
@group(0) @binding(3) var<storage, read> kdO: array<vec4<f32>>;      // dO
@group(0) @binding(4) var<storage, read> klse: array<f32>;           // lse
@group(0) @binding(5) var<storage, read> kdelta: array<f32>;         // δ from the delta pass
@group(0) @binding(6) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> dv: array<vec4<f32>>;
@group(0) @binding(8) var<uniform> kp: Params;

// One past the last query that sees key s.
fn queryEnd(s: u32) -> u32 {
  if (kp.W == 0u) { return kp.T; }
  return min(kp.T, s + kp.W);
}

@compute @workgroup_size(WG)
fn dkdvMain(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let bg = wg.y;                       // b·KV + g
  let b = bg / kp.KV;
  let g = bg % kp.KV;
  let group = kp.H / kp.KV;
  let s0 = wg.x * WG * RS;             // the workgroup's key rows s0 .. s0 + 64·RS − 1
  let sA = s0 + li * RS;               // this thread's: sA .. sA + RS − 1 (adjacent: nearly the same queries)
  if (sA >= kp.T) { return; }
  let sEnd = min(kp.T, s0 + WG * RS) - 1u;

  var kr: array<vec4<f32>, MAX_D4>;    // row c at c·D4
  var vr: array<vec4<f32>, MAX_D4>;
  var dkAcc: array<vec4<f32>, MAX_D4>;
  var dvAcc: array<vec4<f32>, MAX_D4>;
  var qt: array<vec4<f32>, MAX_D4>;    // the current query's q and dO rows (read once, used by every row)
  var dOt: array<vec4<f32>, MAX_D4>;
  var hiR: array<u32, 4>;              // one past the last query row c is seen by (T for rows past T: never
                                       // seen, as t ≥ sA + c ≥ T fails)
  for (var c = 0u; c < RS; c++) {
    let kBase = ((b * kp.T + min(sA + c, kp.T - 1u)) * kp.KV + g) * D4;
    hiR[c] = queryEnd(sA + c);
    for (var j = 0u; j < D4; j++) {
      kr[c * D4 + j] = kk[kBase + j] * kp.scale;
      vr[c * D4 + j] = kv[kBase + j];
      dkAcc[c * D4 + j] = vec4<f32>(0.0);
      dvAcc[c * D4 + j] = vec4<f32>(0.0);
    }
  }
  let hi = hiR[RS - 1u];               // queryEnd is non-decreasing in s

  for (var r = 0u; r < group; r++) {
    let h = g * group + r;
    let bh = b * kp.H + h;
    for (var t = s0; t < queryEnd(sEnd); t++) {
      if (t < sA || t >= hi) { continue; }
      let qBase = ((b * kp.T + t) * kp.H + h) * D4;
      for (var j = 0u; j < D4; j++) {
        qt[j] = kq[qBase + j];
        dOt[j] = kdO[qBase + j];
      }
      let lseT = klse[bh * kp.T + t];
      let dltT = kdelta[bh * kp.T + t];
      for (var c = 0u; c < RS; c++) {
        if (t >= sA + c && t < hiR[c]) {
          var sc = 0.0;
          var dp = 0.0;
          for (var j = 0u; j < D4; j++) {
            sc += dot(qt[j], kr[c * D4 + j]);
            dp += dot(dOt[j], vr[c * D4 + j]);
          }
          let pr = exp(sc - lseT);
          let ds = pr * (dp - dltT);
          for (var j = 0u; j < D4; j++) {
            dvAcc[c * D4 + j] += pr * dOt[j];
            dkAcc[c * D4 + j] += ds * qt[j];
          }
        }
      }
    }
  }
  for (var c = 0u; c < RS; c++) {
    if (sA + c < kp.T) {
      let kBase = ((b * kp.T + sA + c) * kp.KV + g) * D4;
      for (var j = 0u; j < D4; j++) {
        dk[kBase + j] = dkAcc[c * D4 + j] * kp.scale;
        dv[kBase + j] = dvAcc[c * D4 + j];
      }
    }
  }
}

// ---- pass dprefix: bindings 0..6
@group(0) @binding(0) var<storage, read> xq: array<vec4<f32>>;       // q
@group(0) @binding(1) var<storage, read> xdO: array<vec4<f32>>;      // dO
@group(0) @binding(2) var<storage, read> xlse: array<f32>;           // lse
@group(0) @binding(3) var<storage, read> xdelta: array<f32>;         // δ
@group(0) @binding(4) var<storage, read> xpkv: array<vec4<f32>>;     // prefix [L, 2, P, KV·D]
@group(0) @binding(5) var<storage, read_write> dpkv: array<vec4<f32>>; // its gradient, same layout (+=)
@group(0) @binding(6) var<uniform> xp: Params;

@compute @workgroup_size(WG)
fn dprefixMain(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = wg.y;
  let group = xp.H / xp.KV;
  let s = wg.x * WG + li;
  if (s >= xp.P) { return; }
  let kBase = xp.pOff + (s * xp.KV + g) * D4;
  let vOff = xp.P * xp.KV * D4;
  var kr: array<vec4<f32>, MAX_D4>;
  var vr: array<vec4<f32>, MAX_D4>;
  var dkAcc: array<vec4<f32>, MAX_D4>;
  var dvAcc: array<vec4<f32>, MAX_D4>;
  for (var j = 0u; j < D4; j++) {
    kr[j] = xpkv[kBase + j] * xp.scale;
    vr[j] = xpkv[kBase + vOff + j];
    dkAcc[j] = vec4<f32>(0.0);
    dvAcc[j] = vec4<f32>(0.0);
  }
  for (var b = 0u; b < xp.B; b++) {
    for (var r = 0u; r < group; r++) {
      let bh = b * xp.H + g * group + r;
      for (var t = 0u; t < xp.T; t++) {
        if (xp.W > 0u && s + xp.W <= xp.P + t) { continue; } // slot s is outside query t's window
        let qBase = ((b * xp.T + t) * xp.H + g * group + r) * D4;
        var sc = 0.0;
        var dp = 0.0;
        for (var j = 0u; j < D4; j++) {
          sc += dot(xq[qBase + j], kr[j]);
          dp += dot(xdO[qBase + j], vr[j]);
        }
        let pr = exp(sc - xlse[bh * xp.T + t]);
        let ds = pr * (dp - xdelta[bh * xp.T + t]);
        for (var j = 0u; j < D4; j++) {
          dvAcc[j] += pr * xdO[qBase + j];
          dkAcc[j] += ds * xq[qBase + j];
        }
      }
    }
  }
  for (var j = 0u; j < D4; j++) {
    dpkv[kBase + j] += dkAcc[j] * xp.scale;
    dpkv[kBase + vOff + j] += dvAcc[j];
  }
}
