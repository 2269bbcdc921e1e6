// The `tabtune` command line: the product's second face. Each command lives in its own module.
import { reportError, UsageError } from './errors.ts';

const HELP = `usage: tabtune <command> [options]

commands:
  doctor [--json]      show the WebGPU adapter Node can use (vendor, architecture, limits, features)
  logits --model PATH --tokens 1,2,3 [--adapter DIR] [--base-dtype native|f32|int8|int4]
         [--backend webgpu|reference] [--positions all|last]
                       print {"vocab": V, "logits": [[V floats] per position]} as JSON
  train --model M --data FILE --out DIR [--recipe self-prompt|sft|rolebench] [--profiles desc.json]
        [--steps N | --epochs E]
        [--batch B] [--seq-len T] [--lr X] [--rank R] [--alpha A] [--targets q_proj,v_proj|all-linear]
        [--base-dtype native|f32|int8|int4] [--eval-every N] [--seed S] [--resume DIR]
        [--engine auto|webgpu|wasm|cpu] [--method lora|prompt|prefix] [--virtual-tokens N]
        [--prompt-init random|text:"..."]
                       LoRA-train (or prompt / prefix tuning with --method) on a dataset; writes a PEFT
                       adapter, tabtune.json, metrics.jsonl, checkpoints
  generate --model M [--adapter DIR] --prompt TEXT [--max-new-tokens N] [--temperature T] [--json]
                       answer a prompt (splits the role prompt from the answer with --json); DIR: a LoRA,
                       prompt-tuning or prefix-tuning adapter
  merge --model M --adapter DIR --out PATH [--format safetensors|gguf-f16|gguf-q8_0]
                       fold an adapter into the base and write a merged model
  browser-run --config run.json --report out.json [--chrome PATH] [--headed]
                       one training run of the app in Chromium (built and served from dist/), driven by
                       the URL automation contract; writes a JSON report; exit 1 when a threshold is missed
  bench [--shape tiny|smollm2-135m|all] [--json FILE] [--rounds N]
                       one training step: our engine vs tfjs-webgpu, side by side in headless Chromium
  help                 this text

--model takes a directory (config.json + *.safetensors), a .gguf file, a Hub id (owner/name[@rev]) or
a URL; --hub-base URL (or TABTUNE_HUB_BASE) points at a mirror.

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
