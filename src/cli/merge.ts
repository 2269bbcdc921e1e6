// `tabtune merge --model M --adapter DIR --out PATH [--format safetensors|gguf-f16|gguf-q8_0]
//  [--base-dtype native|f32|f16|int8|int4]`: fold a LoRA adapter into the base (W' = W + s·B·A) and write an
// HF-layout directory (config.json, model.safetensors, tokenizer files) or a single GGUF file.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { effectiveWeights } from '../engine/weights.ts';
import { modelToGguf } from '../formats/gguf.ts';
import { hfConfigJson, weightsToSafetensors } from '../formats/safetensors.ts';
import { mergeLora } from '../train/merge.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';
import { loadAdapterFromDir, loadModelFromPath, parseBaseDtypeChoice } from './load.ts';

export async function merge(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' }, adapter: { type: 'string' }, out: { type: 'string' },
    format: { type: 'string', default: 'safetensors' }, 'base-dtype': { type: 'string', default: 'f32' }, 'hub-base': { type: 'string' }, debug: { type: 'boolean' },
  });
  if (!values.model || !values.adapter || !values.out) throw new UsageError('--model, --adapter and --out are required');
  const fmt = values.format!;
  if (!['safetensors', 'gguf-f16', 'gguf-q8_0'].includes(fmt)) throw new UsageError(`--format must be safetensors, gguf-f16 or gguf-q8_0 (got "${fmt}")`);
  const m = await loadModelFromPath(values.model, { hubBase: values['hub-base'], baseDtype: parseBaseDtypeChoice(values['base-dtype']) });
  const a = await loadAdapterFromDir(values.adapter, m.config);
  // Merge into the weights the adapter was trained against (dequantized when it was an int8/int4 base).
  const base = effectiveWeights(m.config, m.weights, m.baseDtype);
  const merged = mergeLora(m.config, base, a.config, a.params);
  if (fmt === 'safetensors') {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, 'config.json'), `${JSON.stringify(hfConfigJson(m.config), null, 2)}\n`);
    writeFileSync(join(values.out, 'model.safetensors'), weightsToSafetensors(m.config, merged, 'F32'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja']) {
      const src = join(values.model, f);
      if (existsSync(src)) copyFileSync(src, join(values.out, f));
    }
  } else {
    writeFileSync(values.out, modelToGguf(m.config, merged, fmt === 'gguf-f16' ? 'F16' : 'Q8_0'));
  }
  process.stderr.write(`merged ${a.config.targets.length} target(s) × ${m.config.numLayers} layers (r=${a.config.rank}) into ${values.out}\n`);
  return 0;
}
