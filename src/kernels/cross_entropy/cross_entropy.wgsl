// Cross-entropy over the vocabulary, per row n of logits [N, V], with targets [N] (u32 token ids) and
// mask [N] (1 = a trained position, 0 = prompt / padding):
//   loss[n]    = mask[n] · (logsumexp(logits[n, :]) − logits[n, target[n]])
//   dlogits[n] = mask[n] · invCount · (softmax(logits[n, :]) − onehot(target[n]))   (WRITE_GRAD only)
// WRITE_GRAD = true is the fused forward+backward: dlogits is written IN PLACE over logits, which
// saves an [N, V] buffer (V can be 50k+). WRITE_GRAD = false only writes loss and keeps logits.
// Rows with mask 0, or a target ≥ V, get exactly 0 loss and 0 gradient (the caller masks them and
// leaves them out of invCount = 1 / Σ mask).
// Thread mapping: one workgroup of WG threads (256 on GPUs, 4 on SwiftShader; see rowWorkgroupSize
// in elementwise/grid.ts) per row, rows on a 2-D workgroup grid (n = wg.y * num_workgroups.x + wg.x).
// Thread l walks columns j = l, l+WG, ... once keeping a running (max, Σ exp(x − max)); the WG pairs
// are merged by a tree reduction in workgroup memory; then each thread writes the gradient of its
// own columns. A thread only ever writes columns it alone read, except the target's logit, which
// its reader copies to workgroup memory before the reduction's barriers.

override WG: u32 = 256u;
override WRITE_GRAD: bool = true;
const NEG_BIG: f32 = -3.0e38; // finite "−∞"

struct Params { N: u32, V: u32, invCount: f32 }

@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> redMax: array<f32, WG>;
var<workgroup> redSum: array<f32, WG>;
var<workgroup> xTarget: f32;
var<workgroup> liveRow: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = wg.y * nwg.x + wg.x;
  if (n >= p.N) { return; } // uniform: the whole workgroup leaves
  let base = n * p.V;
  let tgt = targets[n];

  if (li == 0u) { liveRow = select(0u, 1u, mask[n] != 0.0 && tgt < p.V); }
  if (workgroupUniformLoad(&liveRow) == 0u) {
    if (li == 0u) { loss[n] = 0.0; }
    if (WRITE_GRAD) {
      for (var j = li; j < p.V; j += WG) { logits[base + j] = 0.0; }
    }
    return;
  }

  var m = NEG_BIG;
  var s = 0.0;
  for (var j = li; j < p.V; j += WG) {
    let x = logits[base + j];
    if (j == tgt) { xTarget = x; }
    if (x > m) {
      s = s * exp(m - x) + 1.0;
      m = x;
    } else {
      s += exp(x - m);
    }
  }
  redMax[li] = m;
  redSum[li] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    if (li < half) {
      let m1 = redMax[li];
      let m2 = redMax[li + half];
      let mm = max(m1, m2);
      redSum[li] = redSum[li] * exp(m1 - mm) + redSum[li + half] * exp(m2 - mm);
      redMax[li] = mm;
    }
    workgroupBarrier();
  }
  let rowMax = redMax[0];
  let rowSum = redSum[0];
  let w = mask[n];

  if (li == 0u) { loss[n] = w * (log(rowSum) + rowMax - xTarget); }
  if (WRITE_GRAD) {
    let scale = w * p.invCount;
    let invSum = 1.0 / rowSum;
    for (var j = li; j < p.V; j += WG) {
      let prob = exp(logits[base + j] - rowMax) * invSum;
      logits[base + j] = scale * (prob - select(0.0, 1.0, j == tgt));
    }
  }
}
