// How tabtune launches Chromium for e2e tests, benchmarks and `tabtune browser-run`: the system browser
// (Playwright's own download cannot work on our machines) with the WebGPU flags checked in
// shared/notes/webgpu-without-a-gpu.md.
import { existsSync } from 'node:fs';

export function chromePath(): string {
  const p = process.env.CHROME_PATH ?? '/usr/bin/chromium';
  if (!existsSync(p)) {
    throw new Error(`Chromium not found at ${p}: install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROME_PATH`);
  }
  return p;
}

/** Everything but WebGPU: launching with only these is how the e2e tests get a browser without it. */
export const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', ...BASE_FLAGS];

/** Whether this Linux machine has a GPU device node (NVIDIA, or a DRM render node). */
export function hasGpuDevice(): boolean {
  return existsSync('/dev/nvidia0') || existsSync('/dev/dri/renderD128');
}

/**
 * WebGPU flags for this machine. Nothing here forces SwiftShader: without a GPU Chromium falls back to
 * it by itself. With one, Linux Chromium needs Vulkan enabled and the GPU blocklist ignored for WebGPU
 * to reach the real adapter instead of the software one.
 */
export function webgpuFlags(): string[] {
  return hasGpuDevice() && process.platform === 'linux' ? [...WEBGPU_FLAGS, '--enable-features=Vulkan', '--ignore-gpu-blocklist'] : WEBGPU_FLAGS;
}
