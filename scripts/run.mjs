#!/usr/bin/env node
// Run a TypeScript script with the same loaders as the CLI (tsx, and `.wgsl?raw` imports as text):
//   node scripts/run.mjs scripts/demo-eval.ts [args…]
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../bin/raw-loader.mjs', import.meta.url);
const [script, ...rest] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node scripts/run.mjs SCRIPT.ts [args…]\n');
  process.exit(2);
}
process.argv = [process.argv[0], resolve(script), ...rest];
await import(pathToFileURL(resolve(script)).href);
