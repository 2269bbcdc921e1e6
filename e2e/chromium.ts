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

export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
