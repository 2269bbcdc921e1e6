// safetensors: reader (streaming, bounds-checked), writer, sharded checkpoints, and loading an HF
// checkpoint (config.json + *.safetensors) into the engine's BaseWeightMap (linear weights converted to
// the requested base storage type one tensor at a time, as they are read).
//
// Layout [huggingface/safetensors]: u64 LE N | N bytes of UTF-8 JSON header | data buffer.
// Header: { name: {dtype, shape, data_offsets:[begin,end]} , "__metadata__"?: {string: string} },
// offsets relative to the data buffer, end exclusive; data little-endian, row-major, no strides.
//
// Is: header parse + validation (every offset, size and overlap checked before any tensor is read),
// per-tensor reads converted to float32. Is not: a memory-mapped view; tensors are read one at a time.

import { ConfigError, configFromHf, type ModelConfig } from '../engine/config.ts';
import type { BaseDtype, BaseDtypeChoice } from '../engine/quant.ts';
import { expectedTensors, linearWeightNames, storeLinear, type BaseWeightMap, type WeightMap } from '../engine/weights.ts';
import { FormatError, quote } from './errors.ts';
import { decodeBf16, decodeF16, decodeF32, encodeBf16, encodeF16, encodeF32 } from './half.ts';
import { readRange, type ByteSource } from './source.ts';

/** The safetensors spec caps the JSON header at 100 MB (safetensors/src/tensor.rs MAX_HEADER_SIZE). */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

// Bits per element of every dtype the spec names. Those outside SUPPORTED are listed (so offsets of a
// file holding them can still be checked) but refused by name when read.
const DTYPE_BITS: Record<string, number> = {
  BOOL: 8, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8, F4: 4, F6_E2M3: 6, F6_E3M2: 6,
  I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32, F64: 64, I64: 64, U64: 64, C64: 64,
};
export const SAFETENSORS_READ_DTYPES = ['F32', 'F16', 'BF16', 'I8', 'U8'] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_READ_DTYPES)[number];

export interface SafetensorsTensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  numElements: number;
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

/** What both a single file and a sharded checkpoint offer: a listing and per-tensor float32 reads. */
export interface TensorStore {
  readonly name: string;
  readonly tensors: readonly SafetensorsTensorInfo[];
  get(name: string): SafetensorsTensorInfo | undefined;
  /** Read one tensor, converted to float32 (a fresh array the caller owns). */
  readTensor(name: string): Promise<Float32Array>;
}

export interface SafetensorsFile extends TensorStore {
  readonly source: ByteSource;
  readonly metadata: Record<string, string>;
  /** Absolute file offset of the data buffer (8 + N). */
  readonly dataStart: number;
  /** The tensor's raw little-endian bytes (a view that may alias the source — copy to keep). */
  readRaw(name: string): Promise<Uint8Array>;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function safeProduct(file: string, what: string, dims: number[]): number {
  let n = 1;
  for (const d of dims) {
    n *= d;
    if (!Number.isSafeInteger(n)) throw new FormatError(file, `${what}: element count of shape [${dims.join(', ')}] overflows`);
  }
  return n;
}

/** Parse and validate the header of a safetensors file. Reads only the header bytes. */
export async function openSafetensors(src: ByteSource): Promise<SafetensorsFile> {
  const file = src.name;
  if (src.size < 8) throw new FormatError(file, `not a safetensors file: ${src.size} bytes is shorter than the 8-byte header length`);
  const lenBytes = await readRange(src, 0, 8, 'header length');
  const lenBig = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (lenBig > BigInt(SAFETENSORS_MAX_HEADER)) {
    throw new FormatError(file, `header length ${lenBig} exceeds the safetensors limit of ${SAFETENSORS_MAX_HEADER} bytes (not a safetensors file, or corrupt)`);
  }
  const n = Number(lenBig);
  if (8 + n > src.size) throw new FormatError(file, `header length ${n} lies beyond the end of the file (${src.size} bytes); truncated or not a safetensors file`);
  if (n < 2) throw new FormatError(file, `header length ${n} is too short for a JSON object`);
  const headerBytes = await readRange(src, 8, n, 'header');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new FormatError(file, 'header is not valid UTF-8 (not a safetensors file, or corrupt)');
  }
  if (text[0] !== '{') throw new FormatError(file, 'header does not start with "{" (not a safetensors file)');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `header is not valid JSON (${e instanceof Error ? e.message.slice(0, 120) : 'parse error'})`);
  }
  if (!isObj(header)) throw new FormatError(file, 'header JSON is not an object');

  const dataStart = 8 + n;
  const dataSize = src.size - dataStart;
  let metadata: Record<string, string> = {};
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObj(v)) throw new FormatError(file, '"__metadata__" is not an object of strings');
      for (const [k, mv] of Object.entries(v)) {
        if (typeof mv !== 'string') throw new FormatError(file, `"__metadata__" value ${quote(k)} is not a string`);
      }
      metadata = v as Record<string, string>;
      continue;
    }
    const what = `tensor ${quote(name)}`;
    if (!isObj(v)) throw new FormatError(file, `${what}: entry is not an object`);
    const { dtype, shape, data_offsets: offs } = v;
    if (typeof dtype !== 'string') throw new FormatError(file, `${what}: "dtype" is not a string`);
    const bits = DTYPE_BITS[dtype];
    if (bits === undefined || !Object.hasOwn(DTYPE_BITS, dtype)) throw new FormatError(file, `${what}: unknown dtype ${quote(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new FormatError(file, `${what}: "shape" must be an array of non-negative integers`);
    }
    if (shape.length > 8) throw new FormatError(file, `${what}: ${shape.length} dimensions is more than this reader accepts (8)`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new FormatError(file, `${what}: "data_offsets" must be [begin, end] with non-negative integers`);
    }
    const [b, e] = offs as [number, number];
    if (b > e) throw new FormatError(file, `${what}: data_offsets [${b}, ${e}] end before they begin`);
    if (e > dataSize) throw new FormatError(file, `${what}: data_offsets [${b}, ${e}] lie beyond the data buffer (${dataSize} bytes); truncated or corrupt`);
    const numElements = safeProduct(file, what, shape as number[]);
    const bytes = (numElements * bits) / 8;
    if (bytes !== e - b) {
      throw new FormatError(file, `${what}: shape [${shape.join(', ')}] of ${dtype} needs ${bytes} bytes but data_offsets span ${e - b}`);
    }
    tensors.push({ name, dtype, shape: shape as number[], numElements, begin: dataStart + b, end: dataStart + e });
  }
  // JSON.parse keeps the last of duplicate keys, so duplicates are caught by counting entries in the text.
  checkNoDuplicateKeys(file, text, tensors.length + (Object.hasOwn(header, '__metadata__') ? 1 : 0));
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw new FormatError(file, `tensors ${quote(sorted[i - 1].name)} and ${quote(sorted[i].name)} overlap in the data buffer`);
    }
  }
  const byName = new Map(tensors.map((t) => [t.name, t]));

  const info = (name: string): SafetensorsTensorInfo => {
    const t = byName.get(name);
    if (!t) throw new FormatError(file, `tensor ${quote(name)} is not in this file`);
    return t;
  };
  const readRaw = (name: string) => {
    const t = info(name);
    return readRange(src, t.begin, t.end - t.begin, `tensor ${quote(name)}`);
  };
  return {
    source: src,
    name: file,
    metadata,
    dataStart,
    tensors,
    get: (name) => byName.get(name),
    readRaw,
    async readTensor(name) {
      const t = info(name);
      if (!(SAFETENSORS_READ_DTYPES as readonly string[]).includes(t.dtype)) {
        throw new FormatError(file, `tensor ${quote(name)}: dtype ${t.dtype} is not supported (supported: ${SAFETENSORS_READ_DTYPES.join(', ')})`);
      }
      return decodeSafetensorsData(t.dtype as SafetensorsDtype, await readRaw(name), t.numElements);
    },
  };
}

/**
 * Count top-level keys of the header JSON text (a small scanner: strings and nesting only) and refuse
 * the file if it has more keys than JSON.parse kept, i.e. a tensor name appears twice.
 */
function checkNoDuplicateKeys(file: string, text: string, kept: number): void {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (seen.has(key)) throw new FormatError(file, `duplicate tensor name ${quote(key)} in the header`);
        seen.add(key);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  if (seen.size !== kept) throw new FormatError(file, 'header has duplicate keys');
}

function decodeSafetensorsData(dtype: SafetensorsDtype, bytes: Uint8Array, n: number): Float32Array {
  switch (dtype) {
    case 'F32': return decodeF32(bytes, n);
    case 'F16': return decodeF16(bytes, n);
    case 'BF16': return decodeBf16(bytes, n);
    case 'I8': return Float32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, n));
    case 'U8': return Float32Array.from(bytes.subarray(0, n));
  }
}

// --- writer ---------------------------------------------------------------------------------------

export interface SafetensorsWriteTensor {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  data: Float32Array;
}

const WRITE_BYTES = { F32: 4, F16: 2, BF16: 2 } as const;

/**
 * Serialize tensors (in the given order) into one safetensors file. The header is padded with spaces
 * so that the data buffer starts at a multiple of 8. F16/BF16 round to nearest even.
 * PEFT adapters pass metadata {format: "pt"}.
 */
export function writeSafetensors(tensors: SafetensorsWriteTensor[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (!t.name || t.name === '__metadata__') throw new FormatError('<safetensors writer>', `invalid tensor name ${quote(t.name)}`);
    if (seen.has(t.name)) throw new FormatError('<safetensors writer>', `duplicate tensor name ${quote(t.name)}`);
    seen.add(t.name);
    if (!(t.dtype in WRITE_BYTES)) throw new FormatError('<safetensors writer>', `tensor ${quote(t.name)}: cannot write dtype ${quote(String(t.dtype))}`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new FormatError('<safetensors writer>', `tensor ${quote(t.name)}: shape [${t.shape}] has ${n} elements but data has ${t.data.length}`);
    const bytes = n * WRITE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const t of tensors) {
    const dst = out.subarray(pos, pos + t.data.length * WRITE_BYTES[t.dtype]);
    if (t.dtype === 'F32') encodeF32(t.data, dst);
    else if (t.dtype === 'F16') encodeF16(t.data, dst);
    else encodeBf16(t.data, dst);
    pos += dst.length;
  }
  return out;
}

// --- sharded checkpoints --------------------------------------------------------------------------

export interface ShardedSafetensors extends TensorStore {
  readonly shards: ReadonlyMap<string, SafetensorsFile>;
  readonly metadata: Record<string, unknown>;
}

/**
 * Open a sharded checkpoint from the text of `model.safetensors.index.json`
 * (`{"metadata":{...},"weight_map":{tensor: shardFile}}`) and a function that opens a shard by its file
 * name. Each shard is opened once; every tensor of the weight map must be in its shard.
 */
export async function openShardedSafetensors(
  indexJson: string,
  openShard: (file: string) => Promise<ByteSource>,
  indexName = 'model.safetensors.index.json',
): Promise<ShardedSafetensors> {
  let idx: unknown;
  try {
    idx = JSON.parse(indexJson);
  } catch {
    throw new FormatError(indexName, 'not valid JSON');
  }
  if (!isObj(idx) || !isObj(idx.weight_map)) throw new FormatError(indexName, 'missing "weight_map" object');
  const wm = idx.weight_map;
  const shardNames = new Set<string>();
  for (const [t, f] of Object.entries(wm)) {
    if (typeof f !== 'string' || f === '') throw new FormatError(indexName, `weight_map entry ${quote(t)} is not a file name`);
    if (f.startsWith('/') || f.includes('\\') || f.split('/').includes('..')) {
      throw new FormatError(indexName, `weight_map entry ${quote(t)} names an unsafe path ${quote(f)}`);
    }
    shardNames.add(f);
  }
  const shards = new Map<string, SafetensorsFile>();
  for (const f of shardNames) shards.set(f, await openSafetensors(await openShard(f)));
  const where = new Map<string, SafetensorsFile>();
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [t, f] of Object.entries(wm) as [string, string][]) {
    const shard = shards.get(f)!;
    const info = shard.get(t);
    if (!info) throw new FormatError(shard.name, `tensor ${quote(t)} is listed in ${indexName} but not present in this shard`);
    where.set(t, shard);
    tensors.push(info);
  }
  return {
    name: indexName,
    shards,
    metadata: isObj(idx.metadata) ? idx.metadata : {},
    tensors,
    get: (name) => where.get(name)?.get(name),
    readTensor(name) {
      const s = where.get(name);
      if (!s) throw new FormatError(indexName, `tensor ${quote(name)} is not in the weight map`);
      return s.readTensor(name);
    },
  };
}

// --- HF checkpoint <-> engine weights ----------------------------------------------------------------

const HF_ARCH = { llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' } as const;

/** An HF config.json object for `cfg` (configFromHf(hfConfigJson(cfg)) gives `cfg` back). */
export function hfConfigJson(cfg: ModelConfig): Record<string, unknown> {
  const o: Record<string, unknown> = {
    architectures: [HF_ARCH[cfg.modelType]],
    model_type: cfg.modelType,
    hidden_act: 'silu',
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numLayers,
    num_attention_heads: cfg.numHeads,
    num_key_value_heads: cfg.numKvHeads,
    head_dim: cfg.headDim,
    vocab_size: cfg.vocabSize,
    rope_theta: cfg.ropeTheta,
    rope_scaling: cfg.ropeScaling ? { ...cfg.ropeScaling } : null,
    rms_norm_eps: cfg.rmsNormEps,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    max_position_embeddings: cfg.maxPositionEmbeddings,
    torch_dtype: 'float32',
  };
  if (cfg.modelType !== 'qwen2') o.attention_bias = cfg.attentionBias;
  if (cfg.modelType === 'mistral') o.sliding_window = cfg.slidingWindow;
  if (cfg.modelType === 'qwen2' && cfg.slidingWindow !== null) {
    o.use_sliding_window = true;
    o.sliding_window = cfg.slidingWindow;
  }
  if (cfg.bosTokenId !== null) o.bos_token_id = cfg.bosTokenId;
  if (cfg.eosTokenIds.length > 0) o.eos_token_id = cfg.eosTokenIds.length === 1 ? cfg.eosTokenIds[0] : [...cfg.eosTokenIds];
  return o;
}

/** Serialize HF-named weights (in expectedTensors order) as one safetensors file. */
export function weightsToSafetensors(cfg: ModelConfig, weights: WeightMap, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): Uint8Array {
  return writeSafetensors(
    expectedTensors(cfg).map(([name, shape]) => {
      const t = weights.get(name);
      if (!t) throw new FormatError('<safetensors writer>', `tensor ${quote(name)} is missing from the weights`);
      return { name, dtype, shape, data: t.data };
    }),
    { format: 'pt' },
  );
}

export interface HfModel<W extends BaseWeightMap = BaseWeightMap> {
  config: ModelConfig;
  /** Linear weights in `baseDtype` (f32 arrays when it is f32), everything else f32. */
  weights: W;
  /** What `native` means here: f16 when every linear weight is stored F16 or BF16, else f32. */
  nativeDtype: BaseDtype;
  /** The storage type the linear weights were converted to (the request, `native` resolved). */
  baseDtype: BaseDtype;
}

/**
 * Parse config.json (text or object) and load every tensor the config implies from `store`, one tensor
 * at a time: each is read as float32 and a linear weight is converted to the requested base type
 * (default f32) before the next is read, so a model loaded as int4 never exists whole in f32 (BF16 → f16
 * is exact for every BF16 value in f16's normal range; smaller ones lose bits or flush to zero).
 * Tensors the engine does not use (e.g. rotary inv_freq, or lm_head when embeddings are tied) are
 * ignored. Missing tensors and shapes that contradict the config are FormatErrors.
 */
export function loadHfModel(configJson: string | unknown, store: TensorStore, baseDtype?: 'f32'): Promise<HfModel<WeightMap>>;
export function loadHfModel(configJson: string | unknown, store: TensorStore, baseDtype: BaseDtypeChoice): Promise<HfModel>;
export async function loadHfModel(configJson: string | unknown, store: TensorStore, baseDtype: BaseDtypeChoice = 'f32'): Promise<HfModel> {
  let raw = configJson;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new FormatError('config.json', 'not valid JSON');
    }
  }
  let config: ModelConfig;
  try {
    config = configFromHf(raw);
  } catch (e) {
    if (e instanceof ConfigError) throw new FormatError('config.json', e.message.replace(/^config\.json: /, ''));
    throw e;
  }
  const expected = expectedTensors(config);
  for (const [name, shape] of expected) {
    const t = store.get(name);
    if (!t) throw new FormatError(store.name, `tensor ${quote(name)} is missing (required by config.json)`);
    if (t.shape.join(',') !== shape.join(',')) {
      throw new FormatError(store.name, `tensor ${quote(name)} has shape [${t.shape.join(', ')}] but config.json implies [${shape.join(', ')}]`);
    }
  }
  const linear = linearWeightNames(config);
  const isHalf = (name: string) => ['F16', 'BF16'].includes(store.get(name)!.dtype);
  const nativeDtype: BaseDtype = [...linear].every(isHalf) ? 'f16' : 'f32';
  const dtype = baseDtype === 'native' ? nativeDtype : baseDtype;
  const weights: BaseWeightMap = new Map();
  for (const [name, shape] of expected) {
    const data = await store.readTensor(name);
    weights.set(name, linear.has(name) ? storeLinear(data, shape[0], shape[1], dtype) : { shape: [...shape], data });
  }
  return { config, weights, nativeDtype, baseDtype: dtype };
}
