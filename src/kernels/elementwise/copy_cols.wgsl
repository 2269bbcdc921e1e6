// A block of columns from one row-major matrix to another (no arithmetic):
//   dst[n, dstCol + j] = src[n, srcCol + j]   for n < rows, j < cols
// with row strides srcLd and dstLd (elements). Used by a weight split into row chunks
// (engine/linear.ts): the chunk's y_c [N, rows_c] goes into columns r0.. of y [N, OUT], and the
// backward takes dy's columns r0.. out as dy_c.
// Thread mapping: one thread per copied element, 256 threads per workgroup on a 2-D workgroup grid
// (see grid.ts): i = (wg.y * num_workgroups.x + wg.x) * 256 + local index, n = i / cols, j = i % cols.

struct Params { rows: u32, cols: u32, srcLd: u32, srcCol: u32, dstLd: u32, dstCol: u32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + li;
  if (i >= p.rows * p.cols) { return; }
  let n = i / p.cols;
  let j = i % p.cols;
  dst[n * p.dstLd + p.dstCol + j] = src[n * p.srcLd + p.srcCol + j];
}
