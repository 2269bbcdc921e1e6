// Node side of browser runs (bench, browser-run): serve the app's sources with Vite on localhost and
// drive the system Chromium with WebGPU flags through Playwright.
import { chromium, type Browser, type Page } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { chromePath, WEBGPU_FLAGS } from '../../e2e/chromium.ts';

export interface BrowserSession {
  page: Page;
  url: string;
  close(): Promise<void>;
}

export async function openPage(path: string, opts: { chrome?: string; headed?: boolean; log?: (line: string) => void; extraArgs?: string[] } = {}): Promise<BrowserSession> {
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await createServer({ server: { port: 0, host: '127.0.0.1' }, logLevel: 'error', clearScreen: false });
    await server.listen();
    const addr = server.httpServer?.address();
    if (!addr || typeof addr === 'string') throw new Error('vite server has no port');
    const url = `http://localhost:${addr.port}${path}`;
    browser = await chromium.launch({ executablePath: opts.chrome ?? chromePath(), args: [...WEBGPU_FLAGS, ...(opts.extraArgs ?? [])], headless: !opts.headed });
    const page = await browser.newPage();
    page.on('console', (m) => opts.log?.(`[page] ${m.text()}`));
    page.on('pageerror', (e) => opts.log?.(`[page error] ${e.message}`));
    await page.goto(url);
    const b = browser, s = server;
    return { page, url, close: async () => { await b.close(); await s.close(); } };
  } catch (e) {
    await browser?.close();
    await server?.close();
    throw e;
  }
}
