// Reading the shipped sample data for the tiny model's tokenizer and pretraining.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage, TabTokenizer } from '../../src/formats/tokenizer.ts';

export const DATA_DIR = new URL('../../public/data/', import.meta.url).pathname;
export const MODEL_DIR = new URL('../../public/models/tabtune-tiny/', import.meta.url).pathname;

export function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** ChatML exactly as the shipped chat template renders it (no default system line). */
export function renderChatMl(messages: readonly ChatMessage[], addGenerationPrompt = false): string {
  let s = '';
  for (const m of messages) s += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  if (addGenerationPrompt) s += '<|im_start|>assistant\n';
  return s;
}

function strings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
}

/**
 * The tokenizer's training text: every *.jsonl file in public/data, in file-name order. Records with
 * `messages` are rendered as ChatML (so the role headers become tokens); self-prompt records as a
 * ChatML user/assistant pair with `role_prompt + "\n\n" + answer`; any other record contributes each
 * of its string values as one text.
 */
export function tokenizerTexts(dir = DATA_DIR): { texts: string[]; files: string[] } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  const texts: string[] = [];
  for (const f of files) {
    for (const r of readJsonl(join(dir, f))) {
      if (Array.isArray(r.messages)) texts.push(renderChatMl(r.messages as ChatMessage[]));
      else if (typeof r.question === 'string' && typeof r.role_prompt === 'string' && typeof r.answer === 'string') {
        texts.push(renderChatMl([{ role: 'user', content: r.question }, { role: 'assistant', content: `${r.role_prompt}\n\n${r.answer}` }]));
      } else strings(r, texts);
    }
  }
  return { texts, files };
}

/** pretrain.jsonl conversations. */
export function pretrainConversations(dir = DATA_DIR): ChatMessage[][] {
  return readJsonl(join(dir, 'pretrain.jsonl')).map((r) => r.messages as ChatMessage[]);
}

export interface EncodedConversation {
  ids: number[];
  /** 1 where ids[i] is in an assistant turn's content or its closing <|im_end|> (used for the eval metric). */
  assistant: Uint8Array;
}

/**
 * Tokenize a conversation through the tokenizer's chat template, turn by turn, marking assistant
 * content (+ <|im_end|>). Turn-by-turn encoding equals encoding the whole rendering because every turn
 * boundary is a special token (checked in the test).
 */
export function encodeConversation(tok: TabTokenizer, messages: readonly ChatMessage[]): EncodedConversation {
  const ids: number[] = [];
  const assistant: number[] = [];
  const imStart = tok.specialTokenId('<|im_start|>')!;
  const imEnd = tok.specialTokenId('<|im_end|>')!;
  const nl = tok.encode('\n', { addSpecialTokens: false });
  for (const m of messages) {
    const head = [imStart, ...tok.encode(`${m.role}\n`, { addSpecialTokens: false })];
    const body = [...tok.encode(m.content, { addSpecialTokens: false }), imEnd];
    ids.push(...head, ...body, ...nl);
    const a = m.role === 'assistant' ? 1 : 0;
    assistant.push(...head.map(() => 0), ...body.map(() => a), ...nl.map(() => 0));
  }
  return { ids, assistant: Uint8Array.from(assistant) };
}

export interface PackedRow {
  T: number;
  ids: number[];
  /** Per token: 1 inside an assistant turn (content + <|im_end|>). */
  assistant: number[];
}

/**
 * Pack whole conversations (each starts a row or follows another one; never split) into rows of
 * `shortT` or `longT` tokens: each conversation longer than shortT opens a longT row, whose free space
 * is filled first-fit with short conversations; the remaining short ones are packed first-fit into
 * shortT rows. `order` is the epoch's conversation order.
 */
export function packRows(convs: readonly EncodedConversation[], order: readonly number[], shortT: number, longT: number): PackedRow[] {
  const long: PackedRow[] = [];
  const short: number[] = [];
  for (const i of order) {
    const c = convs[i];
    if (c.ids.length > longT) throw new Error(`conversation ${i} has ${c.ids.length} tokens (> ${longT})`);
    if (c.ids.length > shortT) long.push({ T: longT, ids: [...c.ids], assistant: [...c.assistant] });
    else short.push(i);
  }
  const place = (rows: PackedRow[], i: number): boolean => {
    const c = convs[i];
    for (const r of rows) {
      if (r.ids.length + c.ids.length <= r.T) {
        r.ids.push(...c.ids);
        r.assistant.push(...c.assistant);
        return true;
      }
    }
    return false;
  };
  const rest: PackedRow[] = [];
  for (const i of short) {
    if (place(long, i)) continue;
    if (!place(rest, i)) rest.push({ T: shortT, ids: [...convs[i].ids], assistant: [...convs[i].assistant] });
  }
  return [...long, ...rest];
}

export interface RowsBatch {
  tokens: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  B: number;
  T: number;
}

/**
 * Rows of one length T as a batch: tokens padded with `padId`; position t predicts token t+1 of the
 * row. lossOn 'all': every real next token (user and assistant turns, role headers, <|im_end|>);
 * 'assistant': only next tokens inside assistant turns.
 */
export function rowsToBatch(rows: readonly PackedRow[], padId: number, lossOn: 'all' | 'assistant'): RowsBatch {
  const T = rows[0].T, B = rows.length;
  const tokens = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  rows.forEach((r, b) => {
    if (r.T !== T) throw new Error('rowsToBatch: mixed row lengths');
    for (let t = 0; t < r.ids.length; t++) {
      tokens[b * T + t] = r.ids[t];
      if (t + 1 < r.ids.length && (lossOn === 'all' || r.assistant[t + 1] === 1)) {
        targets[b * T + t] = r.ids[t + 1];
        mask[b * T + t] = 1;
      }
    }
  });
  return { tokens, targets, mask, B, T };
}
