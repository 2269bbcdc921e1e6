// Quad variant of the qmatmul backward: compiled as `enable subgroups;` + a diagnostic directive +
// qmatmul.common.wgsl + qmatmul.backward.wgsl + this file (see qmatmul.ts); only for devices with the
// `subgroups` feature. matmul_regtile_quad.wgsl's idea applied to dy:
// Thread mapping: the 4 lanes of a quad (subgroup lanes 4i..4i+3) share one 16-row block of dx and own
// the 4 steps of one block b of W (lane = w), so a quad covers 16 rows × 32 columns of dx. Thread g
// (numbered as in qmatmul.backward.wgsl) is lane g % 4 of quad q = g / 4; block q % NB, row tile q / NB
// (tilesC = 4·NB is a whole number of quads). Each step a lane loads dy[·, o..o+3] for only 4 of the 16
// rows (rows 4·lane .. 4·lane+3) and receives the other 12 from its quad-mates with quadBroadcast.
// As in qmatmul_quad.wgsl, the kernel checks at run time that quads are the threads 4q..4q+3 in lane
// order and otherwise runs all of OUT one row of W at a time (`step1`); quads past the last row tile
// keep running with clamped rows (quad operations need all 4 lanes) and store nothing.

// Tile += dy[n0..n0+15, o..o+3] · W[o..o+3, columns]; `own`: starts of rows 4·lane..4·lane+3 in dy.
fn step_quad(t: Tile, own: vec4<u32>, o: u32, w: WTile) -> Tile {
  let g0 = load_dy4(own.x, o);
  let g1 = load_dy4(own.y, o);
  let g2 = load_dy4(own.z, o);
  let g3 = load_dy4(own.w, o);
  return Tile(
    fma4(t.r0, quadBroadcast(g0, 0u), w), fma4(t.r1, quadBroadcast(g1, 0u), w), fma4(t.r2, quadBroadcast(g2, 0u), w), fma4(t.r3, quadBroadcast(g3, 0u), w),
    fma4(t.r4, quadBroadcast(g0, 1u), w), fma4(t.r5, quadBroadcast(g1, 1u), w), fma4(t.r6, quadBroadcast(g2, 1u), w), fma4(t.r7, quadBroadcast(g3, 1u), w),
    fma4(t.r8, quadBroadcast(g0, 2u), w), fma4(t.r9, quadBroadcast(g1, 2u), w), fma4(t.r10, quadBroadcast(g2, 2u), w), fma4(t.r11, quadBroadcast(g3, 2u), w),
    fma4(t.r12, quadBroadcast(g0, 3u), w), fma4(t.r13, quadBroadcast(g1, 3u), w), fma4(t.r14, quadBroadcast(g2, 3u), w), fma4(t.r15, quadBroadcast(g3, 3u), w));
}

@compute @workgroup_size(WG)
fn main_quad(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(subgroup_invocation_id) sid: u32) {
  let g = (wg.y * nwg.x + wg.x) * WG + lid.x;
  let w = g % 4u;
  let q = g / 4u;
  let inRange = q / p.NB < p.tilesN;
  let n0 = min(q / p.NB, p.tilesN - 1u) * TM;
  let b = q % p.NB;
  let ra = RowIdx(row_starts(vec4<u32>(n0) + K4), row_starts(vec4<u32>(n0 + 4u) + K4),
                  row_starts(vec4<u32>(n0 + 8u) + K4), row_starts(vec4<u32>(n0 + 12u) + K4));
  let own = row_starts(vec4<u32>(n0 + 4u * w) + K4);
  let wpb = words_per_block();
  let z = Acc(vec4<f32>(0.0), vec4<f32>(0.0));
  var t = Tile(z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z);
  // Uniform over the subgroup: every quad is threads 4q'..4q'+3 with lane j at quad position j.
  let quads = subgroupAll(sid % 4u == w && quadBroadcast(g, 0u) + w == g);
  var o = 0u;
  if (quads) {
    let oFull = p.OUT & ~3u;
    for (; o < oFull; o += 4u) {
      let blk = (vec4<u32>(o) + K4) * p.NB + vec4<u32>(b); // block b of rows o..o+3
      t = step_quad(t, own, o, load_tile(blk * wpb, w, block_scales(blk)));
    }
  }
  // The OUT % 4 tail, or all of OUT (one row of W at a time) when the quads are not as expected.
  for (; o < p.OUT; o++) {
    let blk = o * p.NB + b;
    t = step1(t, ra, o, dequant8(blk * wpb, w, block_scale(blk)));
  }
  if (!inRange) { return; }
  store_tile(n0, b * 32u + 4u * w, t);
}
