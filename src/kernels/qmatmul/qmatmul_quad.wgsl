// Quad variant of the qmatmul forward: compiled as `enable subgroups;` + a diagnostic directive +
// qmatmul.common.wgsl + qmatmul.wgsl + this file (see qmatmul.ts), so it reuses their bindings, Tile,
// dequantization and stores; only for devices with the `subgroups` feature. matmul_regtile_quad.wgsl's
// idea applied to x:
// Thread mapping: the 4 lanes of a quad (subgroup lanes 4i..4i+3) share one 16-row block of y and own 8
// adjacent outputs each, so a quad covers 16 rows × 32 outputs. Thread g (numbered as in qmatmul.wgsl)
// is lane g % 4 of quad q = g / 4; quad column q % tilesO, row q / tilesO (here tilesO = ceil(OUT/32)).
// Each step a lane loads x for only 4 of the 16 rows (rows 4·lane .. 4·lane+3) and receives the other
// 12 from its quad-mates with quadBroadcast, so x's loads drop from 128 to 32 per step per lane (W's are
// unchanged: each lane dequantizes its own 8 outputs).
// WGSL does not promise how invocations map to subgroups, so the kernel checks at run time that the
// quads are the threads 4q..4q+3 in lane order and otherwise runs all of IN through qmatmul.wgsl's
// `step1` (slow, small, correct). Quads past the last tile keep running with clamped indices (quad
// operations need all 4 lanes) and store nothing.

// Row j of lane i's 4 rows, broadcast from lane i (quadBroadcast wants a constant lane).
fn from0(h: Half8) -> Half8 { return Half8(quadBroadcast(h.lo, 0u), quadBroadcast(h.hi, 0u)); }
fn from1(h: Half8) -> Half8 { return Half8(quadBroadcast(h.lo, 1u), quadBroadcast(h.hi, 1u)); }
fn from2(h: Half8) -> Half8 { return Half8(quadBroadcast(h.lo, 2u), quadBroadcast(h.hi, 2u)); }
fn from3(h: Half8) -> Half8 { return Half8(quadBroadcast(h.lo, 3u), quadBroadcast(h.hi, 3u)); }

// Tile += x[n0..n0+15, step] · W-step; `own`: starts of rows 4·lane..4·lane+3 in x.
fn step_quad(t: Tile, own: vec4<u32>, k: u32, w: WTile) -> Tile {
  let x0 = load_x8(own.x, k);
  let x1 = load_x8(own.y, k);
  let x2 = load_x8(own.z, k);
  let x3 = load_x8(own.w, k);
  return Tile(
    fma8(t.r0, from0(x0), w), fma8(t.r1, from0(x1), w), fma8(t.r2, from0(x2), w), fma8(t.r3, from0(x3), w),
    fma8(t.r4, from1(x0), w), fma8(t.r5, from1(x1), w), fma8(t.r6, from1(x2), w), fma8(t.r7, from1(x3), w),
    fma8(t.r8, from2(x0), w), fma8(t.r9, from2(x1), w), fma8(t.r10, from2(x2), w), fma8(t.r11, from2(x3), w),
    fma8(t.r12, from3(x0), w), fma8(t.r13, from3(x1), w), fma8(t.r14, from3(x2), w), fma8(t.r15, from3(x3), w));
}

@compute @workgroup_size(WG)
fn main_quad(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(subgroup_invocation_id) sid: u32) {
  let g = (wg.y * nwg.x + wg.x) * WG + lid.x;
  let lane = g % 4u;
  let q = g / 4u;
  let inRange = q / p.tilesO < p.tilesN;
  let n0 = min(q / p.tilesO, p.tilesN - 1u) * TM;
  let o0 = ((q % p.tilesO) * 4u + lane) * TO;
  let ra = RowIdx(row_starts(vec4<u32>(n0) + K4), row_starts(vec4<u32>(n0 + 4u) + K4),
                  row_starts(vec4<u32>(n0 + 8u) + K4), row_starts(vec4<u32>(n0 + 12u) + K4));
  let own = row_starts(vec4<u32>(n0 + 4u * lane) + K4);
  let bA = block_rows(o0);
  let bB = block_rows(o0 + 4u);
  let wpb = words_per_block();
  let z = Acc(vec4<f32>(0.0), vec4<f32>(0.0));
  var t = Tile(z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z);
  // Uniform over the subgroup: every quad is threads 4q'..4q'+3 with lane j at quad position j.
  let quads = subgroupAll(sid % 4u == lane && quadBroadcast(g, 0u) + lane == g);
  var k = 0u;
  if (quads) {
    let nbFull = p.IN / 32u;
    for (var b = 0u; b < nbFull; b++) {
      let cA = bA + vec4<u32>(b);
      let cB = bB + vec4<u32>(b);
      let dA = block_scales(cA);
      let dB = block_scales(cB);
      for (var w = 0u; w < 4u; w++) {
        t = step_quad(t, own, b * 32u + 4u * w, load_tile(cA * wpb, cB * wpb, w, dA, dB));
      }
    }
    k = nbFull * 32u;
  }
  // The partial last block, or all of IN (slowly, one k at a time) when the quads are not as expected.
  for (; k < p.IN; k++) {
    t = step1(t, ra, k, load_w1(bA + vec4<u32>(k / 32u), bB + vec4<u32>(k / 32u), k % 32u));
  }
  if (!inRange) { return; }
  store_tile(n0, o0, t);
}
