// Writes a tiny random Llama-family model in every on-disk form tabtune reads, for CLI and e2e tests:
//
//   OUTDIR/config.json + OUTDIR/model.safetensors   HF layout (F32)
//   OUTDIR/tiny-{f32,f16,q8_0,q4_0}.gguf            llama GGUF (q/k permuted as convert_hf_to_gguf does)
//   OUTDIR/manifest.json                            seed, config and file list
//
// Usage: npx tsx scripts/make-fixtures.ts OUTDIR [--seed N]
// Deterministic: the same seed gives byte-identical files. All matrix rows are multiples of 32, so
// every matrix in the Q8_0/Q4_0 files is really quantized (no F16 fallback).

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ModelConfig } from '../src/engine/config.ts';
import { randomWeights, tinyConfig } from '../src/engine/weights.ts';
import { modelToGguf, type GgufModelType } from '../src/formats/gguf.ts';
import { hfConfigJson, weightsToSafetensors } from '../src/formats/safetensors.ts';

export const FIXTURE_CONFIG: ModelConfig = tinyConfig({
  hiddenSize: 64,
  intermediateSize: 128,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  vocabSize: 256,
  bosTokenId: 1,
  eosTokenIds: [2],
});

export const FIXTURE_GGUF_TYPES: GgufModelType[] = ['F32', 'F16', 'Q8_0', 'Q4_0'];

export interface FixtureManifest {
  seed: number;
  config: ModelConfig;
  hf: { config: string; weights: string };
  gguf: Record<GgufModelType, string>;
}

export async function makeFixtures(outDir: string, seed = 1234): Promise<FixtureManifest> {
  await mkdir(outDir, { recursive: true });
  const cfg = FIXTURE_CONFIG;
  const weights = randomWeights(cfg, seed);
  await writeFile(join(outDir, 'config.json'), JSON.stringify(hfConfigJson(cfg), null, 2) + '\n');
  await writeFile(join(outDir, 'model.safetensors'), weightsToSafetensors(cfg, weights, 'F32'));
  const gguf = {} as Record<GgufModelType, string>;
  for (const t of FIXTURE_GGUF_TYPES) {
    gguf[t] = `tiny-${t.toLowerCase()}.gguf`;
    await writeFile(join(outDir, gguf[t]), modelToGguf(cfg, weights, t, { name: `tabtune-tiny-${t.toLowerCase()}` }));
  }
  const manifest: FixtureManifest = { seed, config: cfg, hf: { config: 'config.json', weights: 'model.safetensors' }, gguf };
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  const si = args.indexOf('--seed');
  let seed = 1234;
  if (si >= 0) {
    seed = Number(args[si + 1]);
    if (!Number.isInteger(seed)) throw new Error('--seed needs an integer');
    args.splice(si, 2);
  }
  if (args.length !== 1) {
    console.error('usage: npx tsx scripts/make-fixtures.ts OUTDIR [--seed N]');
    process.exit(2);
  }
  const out = resolve(args[0]);
  const m = await makeFixtures(out, seed);
  console.log(`wrote ${out}: config.json, model.safetensors, ${Object.values(m.gguf).join(', ')}, manifest.json (seed ${seed})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
