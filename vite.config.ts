import { defineConfig } from 'vite';

export default defineConfig({
  // Multi-page: unknown paths are 404s, never index.html (the model loader probes optional files such
  // as chat_template.jinja and must not receive the app's HTML instead).
  appType: 'mpa',
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: {
    // Cross-origin isolation lets tfjs-wasm use threads (SharedArrayBuffer) for the fallback engine.
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
  preview: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
