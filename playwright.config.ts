import { defineConfig } from '@playwright/test';
import { chromePath, webgpuFlags } from './e2e/chromium.ts';

// e2e tests run against the production build (`vite build`, then `vite preview` on localhost: WebGPU
// needs a secure context) in the system Chromium with WebGPU on whatever adapter the machine has
// (SwiftShader on our GPU-less machines; with a GPU, webgpuFlags() adds what Linux Chromium needs to use it).
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 180_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: 'http://localhost:4173',
    launchOptions: { executablePath: chromePath(), args: webgpuFlags() },
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'npx vite preview --port 4173 --strictPort',
    url: 'http://localhost:4173',
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
