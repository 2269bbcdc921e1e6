// `tabtune logits --model <path> --tokens 1,2,3 [--adapter DIR] [--base-dtype native|f32|f16|int8|int4]
//  [--backend webgpu|reference] [--positions all|last]` → JSON {"vocab": V, "logits": [[V floats] per position]}.
import { GpuModel } from '../engine/model.ts';
import { effectiveWeights } from '../engine/weights.ts';
import { createNodeGpu } from '../gpu/node.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';
import { loadAdapterFromDir, loadModelFromPath, parseBaseDtypeChoice } from './load.ts';

export async function logits(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' },
    tokens: { type: 'string' },
    adapter: { type: 'string' },
    'base-dtype': { type: 'string' },
    backend: { type: 'string', default: 'webgpu' },
    positions: { type: 'string', default: 'all' },
    'hub-base': { type: 'string' },
    debug: { type: 'boolean' },
  });
  if (!values.model) throw new UsageError('--model <path> is required (a .gguf file or an HF model directory)');
  if (!values.tokens) throw new UsageError('--tokens is required, e.g. --tokens 1,2,3');
  if (values.backend !== 'webgpu' && values.backend !== 'reference') throw new UsageError(`--backend must be webgpu or reference (got "${values.backend}")`);
  if (values.positions !== 'all' && values.positions !== 'last') throw new UsageError(`--positions must be all or last (got "${values.positions}")`);
  const ids = values.tokens.split(',').map((s) => s.trim());
  if (ids.some((s) => !/^\d+$/.test(s))) throw new UsageError(`--tokens must be comma-separated non-negative integers (got "${values.tokens}")`);
  const tokens = Int32Array.from(ids.map(Number));

  const m = await loadModelFromPath(values.model, { hubBase: values['hub-base'], baseDtype: parseBaseDtypeChoice(values['base-dtype']) });
  for (const w of m.warnings) process.stderr.write(`tabtune: warning: ${w}\n`);
  const V = m.config.vocabSize;
  const bad = tokens.find((t) => t >= V);
  if (bad !== undefined) throw new UsageError(`--tokens: id ${bad} is outside the vocabulary of ${values.model} (0..${V - 1})`);
  const dtype = m.baseDtype;
  const adapter = values.adapter ? await loadAdapterFromDir(values.adapter, m.config) : null;
  const lora = adapter ? { config: adapter.config, params: adapter.params } : null;
  const T = tokens.length;

  let out: Float32Array;
  if (values.backend === 'reference') {
    const { useBackend } = await import('../reference/backend.ts');
    const { ReferenceModel } = await import('../reference/model.ts');
    await useBackend('cpu');
    const ref = new ReferenceModel(m.config, effectiveWeights(m.config, m.weights, dtype), lora ?? undefined);
    out = ref.logits(tokens, 1, T);
    ref.dispose();
  } else {
    const gpu = await createNodeGpu();
    const model = GpuModel.create(gpu, m.config, m.weights, { baseDtype: dtype, lora });
    out = await model.logits(tokens, 1, T);
    model.dispose();
    gpu.dispose();
  }
  const rows: number[][] = [];
  for (let t = values.positions === 'last' ? T - 1 : 0; t < T; t++) rows.push(Array.from(out.subarray(t * V, (t + 1) * V)));
  process.stdout.write(`${JSON.stringify({ vocab: V, logits: rows })}\n`);
  return 0;
}
