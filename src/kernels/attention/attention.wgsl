// Causal grouped-query attention, forward, with online softmax (flash-style: no T×T scores in memory),
// with an optional key/value prefix (prefix tuning) in front of the sequence.
//   o[b,t,h,:] = Σ_s softmax_s(scale · q[b,t,h,:]·k_s[g,:]) · v_s[g,:],   g = h / (H/KV),
// over the keys query t sees: the P prefix slots j (shared by every batch row; none when P = 0), then
// the sequence keys s ≤ t of its own batch row. Positions: slot j sits at position j and sequence row t
// at P + t, so a sliding window W > 0 keeps keys at positions > P + t − W (for the sequence: s > t − W).
// q, o: [N, H·D]; k, v: [N, KV·D] (N = B·T, row n = b·T + t, head h at columns h·D .. h·D+D−1).
// pkv: the prefix of every layer [L, 2, P, KV·D] (2 = keys, values); this layer's keys start at vec4
// index pOff, its values P·KV·D/4 vec4s later. With P = 0 any buffer may be bound there (never read).
// lse: [B·H·T], lse[(b·H + h)·T + t] = log Σ_s exp(score) over every key seen, prefix included.
// Thread mapping: one thread per query row t and HG query heads h0 .. h0+HG−1 of one kv group (HG
// divides H/KV; attention.ts picks it), so every k and v row read serves HG heads; workgroup (x, y)
// holds rows t = x·64 + lane of y = b·(H/HG) + h0/HG. A thread keeps its q rows (pre-scaled) and
// output accumulators in registers as HG·D/4 vec4s and walks the keys in order (prefix first) with a
// running max m and sum l per head. All threads of a workgroup walk the same key range (the union of
// what its rows see) and skip the keys their own row must not see, so at every step they read the same
// k/v row (a broadcast load on GPUs); no barriers, no workgroup memory (SwiftShader pays dearly for
// those). Loops over D/4 and HG are written out by attention.ts (unrollLoops) so that the register
// arrays are indexed by constants. Requires D % 4 == 0 and HG·D ≤ 128.

override D4: u32;            // D / 4, fixed per model (the loops over it are unrolled)
override HG: u32;            // query heads per thread
const MAX_D4: u32 = 32u;     // D ≤ 128
const WG: u32 = 64u;
const NEG_BIG: f32 = -3.0e38; // finite "−∞": exp(NEG_BIG − m) is 0 without relying on inf arithmetic

struct Params { B: u32, T: u32, H: u32, KV: u32, W: u32, scale: f32, P: u32, pOff: u32 }

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> o: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<storage, read> pkv: array<vec4<f32>>;
@group(0) @binding(6) var<uniform> p: Params;

// First sequence key query t sees.
fn firstKey(t: u32) -> u32 {
  if (p.W == 0u || t < p.W) { return 0u; }
  return t + 1u - p.W;
}

// First prefix slot query t sees (P when it sees none).
fn firstSlot(t: u32) -> u32 {
  if (p.W == 0u || p.P + t < p.W) { return 0u; }
  return min(p.P, p.P + t + 1u - p.W);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let hgs = p.H / HG;                  // head blocks per batch row
  let b = wg.y / hgs;
  let h0 = (wg.y % hgs) * HG;          // first head of this thread's block
  let g = h0 / (p.H / p.KV);           // kv head (shared by the block)
  let t0 = wg.x * WG;
  let t = t0 + li;
  if (t >= p.T) { return; }
  let tEnd = min(p.T, t0 + WG) - 1u;   // last row of this workgroup
  let lo = firstKey(t);

  let qBase = ((b * p.T + t) * p.H + h0) * D4;   // head h0 + r at qBase + r·D4
  var qr: array<vec4<f32>, MAX_D4>;
  var acc: array<vec4<f32>, MAX_D4>;
  var kr: array<vec4<f32>, MAX_D4>;
  var vr: array<vec4<f32>, MAX_D4>;
  var m: array<f32, 4>;
  var l: array<f32, 4>;
  for (var r = 0u; r < HG; r++) {
    for (var j = 0u; j < D4; j++) {
      qr[r * D4 + j] = q[qBase + r * D4 + j] * p.scale;
      acc[r * D4 + j] = vec4<f32>(0.0);
    }
    m[r] = NEG_BIG;
    l[r] = 0.0;
  }

  // prefix slots (keys at pOff, values P·KV·D4 further). The prefix loop and the sequence loop below
  // repeat one body on purpose: a single loop over both with a branch choosing the source measured 1.7× slower
  // (88 → 151 ms of attention forward per tiny bench step on SwiftShader; the dq pass likewise).
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
      for (var j = 0u; j < D4; j++) { sc += dot(qr[r * D4 + j], kr[j]); }
      if (sc > m[r]) {
        let corr = exp(m[r] - sc);
        l[r] *= corr;
        for (var j = 0u; j < D4; j++) { acc[r * D4 + j] *= corr; }
        m[r] = sc;
      }
      let e = exp(sc - m[r]);
      l[r] += e;
      for (var j = 0u; j < D4; j++) { acc[r * D4 + j] = fma(vec4<f32>(e), vr[j], acc[r * D4 + j]); }
    }
  }
  // sequence keys
  for (var s = firstKey(t0); s <= tEnd; s++) {
    if (s < lo || s > t) { continue; }
    let kBase = ((b * p.T + s) * p.KV + g) * D4;
    for (var j = 0u; j < D4; j++) {
      kr[j] = k[kBase + j];
      vr[j] = v[kBase + j];
    }
    for (var r = 0u; r < HG; r++) {
      var sc = 0.0;
      for (var j = 0u; j < D4; j++) { sc += dot(qr[r * D4 + j], kr[j]); }
      if (sc > m[r]) {
        // New running max: rescale what was accumulated under the old one. Rare after the first keys,
        // so the common path below is one exp and one fma per element.
        let corr = exp(m[r] - sc);
        l[r] *= corr;
        for (var j = 0u; j < D4; j++) { acc[r * D4 + j] *= corr; }
        m[r] = sc;
      }
      let e = exp(sc - m[r]);
      l[r] += e;
      for (var j = 0u; j < D4; j++) { acc[r * D4 + j] = fma(vec4<f32>(e), vr[j], acc[r * D4 + j]); }
    }
  }

  for (var r = 0u; r < HG; r++) {
    let inv = 1.0 / l[r];              // l ≥ 1: every row sees at least its own key
    for (var j = 0u; j < D4; j++) { o[qBase + r * D4 + j] = acc[r * D4 + j] * inv; }
    lse[(b * p.H + h0 + r) * p.T + t] = m[r] + log(l[r]);
  }
}
