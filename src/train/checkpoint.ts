// Checkpoint (de)serialization: a JSON part (position in the data order, step history, run config) and
// a safetensors part (LoRA A/B or the soft prompt `soft_prompt/values`, AdamW m/v). Storage-agnostic: the CLI writes a directory, the app OPFS.
import type { LoraParams } from '../engine/weights.ts';
import { FormatError } from '../formats/errors.ts';
import { openSafetensors, writeSafetensors } from '../formats/safetensors.ts';
import { bytesSource } from '../formats/source.ts';
import type { Checkpoint } from './trainer.ts';

export const CHECKPOINT_JSON = 'checkpoint.json';
export const CHECKPOINT_TENSORS = 'state.safetensors';

export interface CheckpointMeta {
  format: 'tabtune-checkpoint-1';
  step: number;
  epoch: number;
  batchIndex: number;
  optimizerStep: number;
  history: Checkpoint['history'];
  /** Whatever the caller needs to check a resume is the same run (config, data hash, model). */
  run: Record<string, unknown>;
}

export function encodeCheckpoint(c: Checkpoint, run: Record<string, unknown>): { json: string; tensors: Uint8Array } {
  const tensors = [];
  for (const [path, p] of c.lora) {
    tensors.push({ name: `lora/${path}.lora_A`, dtype: 'F32' as const, shape: [p.A.length], data: p.A });
    tensors.push({ name: `lora/${path}.lora_B`, dtype: 'F32' as const, shape: [p.B.length], data: p.B });
  }
  if (c.softPrompt) tensors.push({ name: 'soft_prompt/values', dtype: 'F32' as const, shape: [c.softPrompt.length], data: c.softPrompt });
  for (const [k, a] of Object.entries(c.optimizer.m)) tensors.push({ name: `adam_m/${k}`, dtype: 'F32' as const, shape: [a.length], data: a });
  for (const [k, a] of Object.entries(c.optimizer.v)) tensors.push({ name: `adam_v/${k}`, dtype: 'F32' as const, shape: [a.length], data: a });
  const meta: CheckpointMeta = { format: 'tabtune-checkpoint-1', step: c.step, epoch: c.epoch, batchIndex: c.batchIndex, optimizerStep: c.optimizer.step, history: c.history, run };
  return { json: JSON.stringify(meta), tensors: writeSafetensors(tensors, { format: 'tabtune' }) };
}

export async function decodeCheckpoint(json: string, tensors: Uint8Array, name = 'checkpoint'): Promise<{ checkpoint: Checkpoint; run: Record<string, unknown> }> {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(json);
  } catch {
    throw new FormatError(`${name}/${CHECKPOINT_JSON}`, 'not valid JSON');
  }
  if (meta?.format !== 'tabtune-checkpoint-1') throw new FormatError(`${name}/${CHECKPOINT_JSON}`, 'not a tabtune checkpoint');
  const store = await openSafetensors(bytesSource(tensors, `${name}/${CHECKPOINT_TENSORS}`));
  const lora: LoraParams = new Map();
  const m: Record<string, Float32Array> = {}, v: Record<string, Float32Array> = {};
  let softPrompt: Float32Array | undefined;
  for (const t of store.tensors) {
    const data = await store.readTensor(t.name);
    const [kind, rest] = [t.name.slice(0, t.name.indexOf('/')), t.name.slice(t.name.indexOf('/') + 1)];
    if (kind === 'lora') {
      const which = rest.endsWith('.lora_A') ? 'A' : rest.endsWith('.lora_B') ? 'B' : null;
      if (!which) throw new FormatError(store.name, `unexpected tensor ${t.name}`);
      const path = rest.slice(0, -'.lora_A'.length);
      const cur = lora.get(path) ?? { A: new Float32Array(), B: new Float32Array() };
      cur[which] = data;
      lora.set(path, cur);
    } else if (t.name === 'soft_prompt/values') softPrompt = data;
    else if (kind === 'adam_m') m[rest] = data;
    else if (kind === 'adam_v') v[rest] = data;
    else throw new FormatError(store.name, `unexpected tensor ${t.name}`);
  }
  return {
    checkpoint: { step: meta.step, epoch: meta.epoch, batchIndex: meta.batchIndex, lora, ...(softPrompt ? { softPrompt } : {}), optimizer: { step: meta.optimizerStep, m, v }, history: meta.history },
    run: meta.run,
  };
}
