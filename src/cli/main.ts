// The `tabtune` command line: the product's second face. Each command lives in its own module.
import { reportError, UsageError } from './errors.ts';

const HELP = `usage: tabtune <command> [options]

commands:
  doctor [--json]      show the WebGPU adapter Node can use (vendor, architecture, limits, features)
  logits --model PATH --tokens 1,2,3 [--adapter DIR] [--base-dtype native|f32|f16|int8|int4]
         [--backend webgpu|reference] [--positions all|last]
                       print {"vocab": V, "logits": [[V floats] per position]} as JSON
  train --model M --data FILE --out DIR
        [--recipe self-prompt|sft|rolebench|s3ft-discriminator|s3ft-filter|s3ft-sft]
        [--profiles desc.json] [--system-template T]
        [--steps N | --epochs E]
        [--batch B] [--seq-len T] [--lr X] [--rank R] [--alpha A] [--targets q_proj,v_proj|all-linear]
        [--base-dtype native|f32|f16|int8|int4] [--eval-every N] [--seed S] [--resume DIR]
        [--engine auto|webgpu|wasm|cpu] [--method lora|prompt|prefix] [--virtual-tokens N]
        [--prompt-init random|text:"..."]
                       LoRA-train (or prompt / prefix tuning with --method) on a dataset; writes a PEFT
                       adapter, tabtune.json, metrics.jsonl, checkpoints
                       rolebench: RoleBench JSONL + --profiles (role -> description); ROUGE-L per role,
                       CUS / SPE / RAW, before and after
                       S3FT (docs/recipes.md), three stages with the same engine:
                         s3ft-discriminator  A: train the discriminator on labelled records (writes s3ft.json)
                         s3ft-filter --adapter DIR --out KEPT.jsonl [--labelled FILE] [--threshold P]
                             [--threshold-metric f1|accuracy] [--score first-token|sequence]
                                             B: keep candidates with P(excellent) >= threshold (trains nothing;
                                                --out is a file)
                         s3ft-sft [--loss-on final|all-assistant]
                                             C: SFT on the kept records with their system prompts
  generate --model M [--adapter DIR] --prompt TEXT [--max-new-tokens N] [--temperature T] [--json]
                       answer a prompt (splits the role prompt from the answer with --json); DIR: a LoRA,
                       prompt-tuning or prefix-tuning adapter
  merge --model M --adapter DIR --out PATH [--format safetensors|gguf-f16|gguf-q8_0]
                       fold an adapter into the base and write a merged model
  browser-run --config run.json --report out.json [--chrome PATH] [--headed]
                       one training run of the app in Chromium (built and served from dist/), driven by
                       the URL automation contract; writes a JSON report; exit 1 when a threshold is missed
  bench [--shape tiny|tiny-t64|smollm2-135m|all] [--json FILE] [--rounds N] [--steps N] [--no-reference] [--no-checkpointing]
                       one training step: our engine vs tfjs-webgpu, side by side in headless Chromium
  help                 this text

--model takes a directory (config.json + *.safetensors), a .gguf file, a Hub id (owner/name[@rev]) or
a URL; --hub-base URL (or TABTUNE_HUB_BASE) points at a mirror. --base-dtype stores the frozen linear
weights as given while the model is read (never whole in f32); native (the default) follows the file:
F16/BF16 -> f16; GGUF with any Q4_0/Q4_K -> int4, else Q8_0/Q6_K -> int8 (Q8_0, Q4_0 repacked exactly).

options common to all commands:
  --debug              print stack traces on errors
`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  doctor: async () => (await import('./doctor.ts')).doctor,
  logits: async () => (await import('./logits.ts')).logits,
  bench: async () => (await import('./bench.ts')).bench,
  train: async () => (await import('./train.ts')).train,
  generate: async () => (await import('./generate.ts')).generateCmd,
  merge: async () => (await import('./merge.ts')).merge,
  'browser-run': async () => (await import('./browser-run.ts')).browserRun,
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  const load = COMMANDS[cmd];
  if (!load) throw new UsageError(`unknown command "${cmd}" (see: tabtune help)`);
  return (await load())(rest);
}

const argv = process.argv.slice(2);
const debug = argv.includes('--debug');
main(argv).then(
  (code) => process.exit(code),
  (e) => process.exit(reportError(e, debug)),
);
