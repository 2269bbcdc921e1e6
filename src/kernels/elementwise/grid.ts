// Shared by the kernels in src/kernels/*: the 2-D workgroup grid for 1-D work, and argument checks.
//
// WebGPU caps every dispatch dimension at 65535 workgroups (maxComputeWorkgroupsPerDimension), and
// N·V or N·F elements (or N rows) can exceed 65535 workgroups. Kernels therefore linearise a 2-D grid:
//   linear workgroup id = workgroup_id.y * num_workgroups.x + workgroup_id.x
// and skip ids past the end. grid1d() chooses the grid; every kernel using it says so in its header.

import { type Gpu, isSoftwareAdapter } from '../../gpu/gpu.ts';

export const MAX_GROUPS_PER_DIM = 65535;

/** [x, y] workgroup counts covering `items` items with `perGroup` items per workgroup. */
export function grid1d(items: number, perGroup: number): [number, number] {
  const g = Math.max(1, Math.ceil(items / perGroup));
  if (g <= MAX_GROUPS_PER_DIM) return [g, 1];
  const y = Math.ceil(g / MAX_GROUPS_PER_DIM);
  if (y > MAX_GROUPS_PER_DIM) throw new RangeError(`grid1d: ${items} items need ${g} workgroups, over 65535²`);
  return [Math.ceil(g / y), y];
}

/** Throw unless `buf` holds at least `floats` 32-bit values (catches shape mix-ups before the GPU does). */
export function checkBuffer(op: string, name: string, buf: GPUBuffer, floats: number): void {
  if (buf.size < floats * 4) throw new RangeError(`${op}: buffer ${name} has ${buf.size} bytes, needs ${floats} × 4`);
}

/** Throw unless every value is a non-negative integer (sizes go into u32 uniforms). */
export function checkSizes(op: string, sizes: Record<string, number>): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${k} must be a non-negative integer, got ${v}`);
  }
}

/**
 * Threads per workgroup for the one-workgroup-per-row reductions (rmsnorm, cross_entropy): 256 on a
 * real GPU. On a software adapter, 4 (one SwiftShader subgroup): there a 256-thread workgroup with a
 * tree reduction cost ~0.9 ms per row against ~3 µs for 4 threads (rmsnorm, N=2000, C=3, measured
 * side by side in one run), because every barrier switches between all of the workgroup's subgroups.
 */
export function rowWorkgroupSize(gpu: Gpu): number {
  return isSoftwareAdapter(gpu.adapter) ? 4 : 256;
}

/** Throw unless `wg` can be a row workgroup size (a power of two in [1, 256], for the tree reduction). */
export function checkRowWorkgroupSize(op: string, wg: number): void {
  if (!Number.isInteger(wg) || wg < 1 || wg > 256 || (wg & (wg - 1)) !== 0) throw new RangeError(`${op}: workgroupSize must be a power of two in [1, 256], got ${wg}`);
}
