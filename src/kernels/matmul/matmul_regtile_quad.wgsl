// Quad variant of the register-tiled matmul: compiled as `enable subgroups;` + a diagnostic directive +
// matmul_regtile.wgsl + this file (see matmul.ts), so it reuses that file's bindings, Tile, loads and
// stores; only for devices with the `subgroups` feature.
//
// Thread mapping: the 4 lanes of a quad (subgroup lanes 4i..4i+3) share one 16-row block of C and
// own 8 adjacent columns each, so a quad covers 16 × 32. Thread g (numbered as in matmul_regtile.wgsl)
// is lane g % 4 of quad q = g / 4; quad column q % tilesN, row q / tilesN (here tilesN = ceil(N/32)).
// Every k step each lane loads only 4 of the 16 rows of A (rows 4·lane .. 4·lane+3) and receives the
// other 12 from its quad-mates with quadBroadcast, so A's loads drop from 16 to 4 per k per lane (B's
// 8 are unchanged). On SwiftShader (subgroups of 4 SIMD lanes) a load with a computed index is a
// masked gather; a broadcast is cheaper but not free (measured ~0.6 of a gather per value), so the
// gain is 1.0–1.6× (typically ~1.15×) 'regtile' rather than the 1.5× that counting loads suggests.
// WGSL does not promise how invocations map to subgroups, so the kernel checks at run time that the
// quads are the threads 4q..4q+3 in lane order (true on every implementation we know) and otherwise
// runs all of K through matmul_regtile.wgsl's `step1` (slow, small, correct).
// Quads past the last tile keep running with clamped indices (quad operations need all 4 lanes) and
// store nothing.

// Tile += op(A)[m0..m0+15, k..k+3] · op(B)[k..k+3, n0..n0+7]; `own`: starts of rows 4·lane..4·lane+3.
fn stepQuad(t: Tile, own: vec4<u32>, cb: ColIdx, k: u32) -> Tile {
  let b = BTile(loadB4(cb.lo, k), loadB4(cb.hi, k));
  let a0 = loadA(own.x, k);
  let a1 = loadA(own.y, k);
  let a2 = loadA(own.z, k);
  let a3 = loadA(own.w, k);
  return Tile(
    madd(t.r0, quadBroadcast(a0, 0u), b), madd(t.r1, quadBroadcast(a1, 0u), b),
    madd(t.r2, quadBroadcast(a2, 0u), b), madd(t.r3, quadBroadcast(a3, 0u), b),
    madd(t.r4, quadBroadcast(a0, 1u), b), madd(t.r5, quadBroadcast(a1, 1u), b),
    madd(t.r6, quadBroadcast(a2, 1u), b), madd(t.r7, quadBroadcast(a3, 1u), b),
    madd(t.r8, quadBroadcast(a0, 2u), b), madd(t.r9, quadBroadcast(a1, 2u), b),
    madd(t.r10, quadBroadcast(a2, 2u), b), madd(t.r11, quadBroadcast(a3, 2u), b),
    madd(t.r12, quadBroadcast(a0, 3u), b), madd(t.r13, quadBroadcast(a1, 3u), b),
    madd(t.r14, quadBroadcast(a2, 3u), b), madd(t.r15, quadBroadcast(a3, 3u), b));
}

@compute @workgroup_size(WG)
fn main_quad(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(subgroup_invocation_id) sid: u32) {
  let g = (wg.y * nwg.x + wg.x) * WG + lid.x;
  let lane = g % 4u;
  let q = g / 4u;
  let inRange = q / p.tilesN < p.tilesM;
  let m0 = min(q / p.tilesN, p.tilesM - 1u) * TM;
  let n0 = ((q % p.tilesN) * 4u + lane) * TN;
  let ra = RowIdx(rowStarts(vec4<u32>(m0) + K4), rowStarts(vec4<u32>(m0 + 4u) + K4),
                  rowStarts(vec4<u32>(m0 + 8u) + K4), rowStarts(vec4<u32>(m0 + 12u) + K4));
  let own = rowStarts(vec4<u32>(m0 + 4u * lane) + K4);
  let cb = ColIdx(colStarts(vec4<u32>(n0) + K4), colStarts(vec4<u32>(n0 + 4u) + K4));
  let z = Row(vec4<f32>(0.0), vec4<f32>(0.0));
  var t = Tile(z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z);
  let kFull = p.K & ~3u;
  // Uniform over the subgroup: every quad is threads 4q'..4q'+3 with lane j at quad position j.
  let quads = subgroupAll(sid % 4u == lane && quadBroadcast(g, 0u) + lane == g);
  var k = 0u;
  if (quads) {
    for (; k < kFull; k += 4u) { t = stepQuad(t, own, cb, k); }
  }
  // The K % 4 tail, or all of K (slowly, one k at a time) when the quads are not as expected.
  for (; k < p.K; k++) { t = step1(t, ra, cb, k); }
  if (!inRange) { return; }

  storeRow(m0, n0, t.r0); storeRow(m0 + 1u, n0, t.r1); storeRow(m0 + 2u, n0, t.r2); storeRow(m0 + 3u, n0, t.r3);
  storeRow(m0 + 4u, n0, t.r4); storeRow(m0 + 5u, n0, t.r5); storeRow(m0 + 6u, n0, t.r6); storeRow(m0 + 7u, n0, t.r7);
  storeRow(m0 + 8u, n0, t.r8); storeRow(m0 + 9u, n0, t.r9); storeRow(m0 + 10u, n0, t.r10); storeRow(m0 + 11u, n0, t.r11);
  storeRow(m0 + 12u, n0, t.r12); storeRow(m0 + 13u, n0, t.r13); storeRow(m0 + 14u, n0, t.r14); storeRow(m0 + 15u, n0, t.r15);
}
