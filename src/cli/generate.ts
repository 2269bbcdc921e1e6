// `tabtune generate --model M [--adapter DIR] --prompt TEXT [--max-new-tokens N] [--temperature T]
//  [--top-p P] [--seed S] [--base-dtype ...] [--json]` → the text, or {"role_prompt","answer","text"}.
import { generate } from '../engine/generate.ts';
import { GpuModel } from '../engine/model.ts';
import { createNodeGpu } from '../gpu/node.ts';
import { splitRolePrompt } from '../train/metrics.ts';
import { DEFAULT_SEPARATOR } from '../data/template.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';
import { loadAdapterFromDir, loadModelFromPath, loadSoftPromptFromDir, parseBaseDtypeChoice } from './load.ts';

export async function generateCmd(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' }, adapter: { type: 'string' }, prompt: { type: 'string' },
    'max-new-tokens': { type: 'string', default: '96' }, temperature: { type: 'string', default: '0' }, 'top-p': { type: 'string', default: '1' },
    seed: { type: 'string', default: '0' }, 'base-dtype': { type: 'string' }, json: { type: 'boolean' }, debug: { type: 'boolean' }, 'hub-base': { type: 'string' },
  });
  if (!values.model) throw new UsageError('--model <path> is required');
  if (values.prompt === undefined) throw new UsageError('--prompt TEXT is required');
  const maxNew = Number(values['max-new-tokens']), temperature = Number(values.temperature), topP = Number(values['top-p']), seed = Number(values.seed);
  if (!Number.isInteger(maxNew) || maxNew < 1) throw new UsageError('--max-new-tokens must be a positive integer');
  if (!(temperature >= 0)) throw new UsageError('--temperature must be ≥ 0');
  if (!(topP > 0 && topP <= 1)) throw new UsageError('--top-p must be in (0, 1]');
  const m = await loadModelFromPath(values.model, { hubBase: values['hub-base'], baseDtype: parseBaseDtypeChoice(values['base-dtype']) });
  for (const w of m.warnings) process.stderr.write(`tabtune: warning: ${w}\n`);
  if (!m.tokenizer) throw new UsageError(`${values.model}: generating from text needs tokenizer.json beside the model`);
  // --adapter: a LoRA, prompt-tuning or prefix-tuning adapter (PEFT layout).
  const soft = values.adapter ? await loadSoftPromptFromDir(values.adapter, m.config) : null;
  const adapter = values.adapter ? soft ?? await loadAdapterFromDir(values.adapter, m.config) : null;
  const separator = typeof adapter?.meta?.separator === 'string' ? adapter.meta.separator : DEFAULT_SEPARATOR;
  const system = typeof adapter?.meta?.systemPrompt === 'string' ? adapter.meta.systemPrompt : null;
  const tok = m.tokenizer;
  const messages = [...(system ? [{ role: 'system', content: system }] : []), { role: 'user', content: values.prompt }];
  const prompt = tok.encode(tok.applyChatTemplate(messages, { addGenerationPrompt: true }), { addSpecialTokens: true });
  const gpu = await createNodeGpu();
  const lora = adapter && 'params' in adapter ? { config: adapter.config, params: adapter.params } : null;
  const model = GpuModel.create(gpu, m.config, m.weights, { baseDtype: m.baseDtype, lora, softPrompt: soft ? { config: soft.config, values: soft.values } : null });
  const ids = await generate(model, prompt, {
    maxNewTokens: maxNew, temperature, topP, seed, stopIds: [...tok.eosIds],
    onToken: values.json ? undefined : (id) => process.stdout.write(tok.decode([id], { skipSpecialTokens: true })),
  });
  model.dispose();
  gpu.dispose();
  const text = tok.decode(ids, { skipSpecialTokens: true }).trim();
  if (values.json) {
    const split = splitRolePrompt(text, separator);
    process.stdout.write(`${JSON.stringify({ role_prompt: split?.rolePrompt ?? null, answer: split?.answer ?? text, text })}\n`);
  } else process.stdout.write('\n');
  return 0;
}
