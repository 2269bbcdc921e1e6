#!/usr/bin/env node
// `npx tabtune <command>`: runs the TypeScript CLI (src/cli/main.ts) through tsx, with a hook that
// imports `.wgsl?raw` files as text exactly as Vite does for the app.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./raw-loader.mjs', import.meta.url);
await import('../src/cli/main.ts');
