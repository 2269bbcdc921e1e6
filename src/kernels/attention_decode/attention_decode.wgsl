// Causal GQA attention for inference against a KV cache (prefill and token-by-token decoding).
// q, o: [n, H·D] for n new tokens at positions pos0 .. pos0+n−1 (batch 1);
// kc, vc: the cache, [maxT, KV·D], rows 0 .. pos0+n−1 already written (this step's k, v included).
// Query i (position pos0+i) sees keys s ≤ pos0+i (and s > pos0+i−W with a sliding window W > 0).
// Thread mapping: one thread per (query i, head h); workgroup x covers 64 queries of head y. Each
// thread keeps its pre-scaled q row and output accumulator as D/4 vec4s and walks its keys with an
// online softmax (running max m and sum l). No barriers, no workgroup memory. D % 4 == 0, D ≤ 128.

override D4: u32;
const MAX_D4: u32 = 32u;
const WG: u32 = 64u;
const NEG_BIG: f32 = -3.0e38;

struct Params { n: u32, pos0: u32, H: u32, KV: u32, W: u32, scale: f32 }

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> kc: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> vc: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> o: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = wg.x * WG + li;
  let h = wg.y;
  if (i >= p.n) { return; }
  let g = h / (p.H / p.KV);
  let t = p.pos0 + i;
  var lo = 0u;
  if (p.W > 0u && t >= p.W) { lo = t + 1u - p.W; }

  let qBase = (i * p.H + h) * D4;
  var qr: array<vec4<f32>, MAX_D4>;
  var acc: array<vec4<f32>, MAX_D4>;
  for (var j = 0u; j < D4; j++) {
    qr[j] = q[qBase + j] * p.scale;
    acc[j] = vec4<f32>(0.0);
  }
  var m = NEG_BIG;
  var l = 0.0;
  for (var s = lo; s <= t; s++) {
    let kBase = (s * p.KV + g) * D4;
    var sc = 0.0;
    for (var j = 0u; j < D4; j++) { sc += dot(qr[j], kc[kBase + j]); }
    let mNew = max(m, sc);
    let corr = exp(m - mNew);
    let w = exp(sc - mNew);
    l = l * corr + w;
    for (var j = 0u; j < D4; j++) { acc[j] = acc[j] * corr + w * vc[kBase + j]; }
    m = mNew;
  }
  let inv = 1.0 / l;
  for (var j = 0u; j < D4; j++) { o[qBase + j] = acc[j] * inv; }
}
