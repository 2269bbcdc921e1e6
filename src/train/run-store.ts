// Where the app keeps runs and checkpoints: OPFS (origin-private file system) in the browser, so a
// reload can resume an interrupted run; an in-memory store where OPFS is missing. Layout:
//   runs/<id>/run.json           SavedRun (state, step, model, data, settings)
//   runs/<id>/checkpoint.json    checkpoint meta  (see checkpoint.ts)
//   runs/<id>/state.safetensors  LoRA + optimizer moments
// Writes go to a temporary name first and are then moved into place, so a crash mid-write never
// replaces a good checkpoint with half a file.
import type { SavedRun } from '../protocol.ts';
import { CHECKPOINT_JSON, CHECKPOINT_TENSORS } from './checkpoint.ts';

export interface StoredRun extends SavedRun {
  settings: unknown;
}

export interface RunStore {
  readonly persistent: boolean;
  saveRun(run: StoredRun): Promise<void>;
  saveCheckpoint(id: string, json: string, tensors: Uint8Array): Promise<void>;
  loadCheckpoint(id: string): Promise<{ json: string; tensors: Uint8Array } | null>;
  getRun(id: string): Promise<StoredRun | null>;
  list(): Promise<StoredRun[]>;
}

export class MemoryRunStore implements RunStore {
  readonly persistent = false;
  private runs = new Map<string, StoredRun>();
  private cks = new Map<string, { json: string; tensors: Uint8Array }>();
  async saveRun(run: StoredRun) { this.runs.set(run.id, structuredClone(run)); }
  async saveCheckpoint(id: string, json: string, tensors: Uint8Array) { this.cks.set(id, { json, tensors: tensors.slice() }); }
  async loadCheckpoint(id: string) { return this.cks.get(id) ?? null; }
  async getRun(id: string) { return this.runs.get(id) ?? null; }
  async list() { return [...this.runs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)); }
}

type Dir = FileSystemDirectoryHandle;

async function writeFileAtomic(dir: Dir, name: string, data: string | Uint8Array): Promise<void> {
  const tmp = await dir.getFileHandle(`${name}.tmp`, { create: true });
  const w = await tmp.createWritable();
  await w.write(data as unknown as FileSystemWriteChunkType);
  await w.close();
  const move = (tmp as unknown as { move?: (d: Dir, n: string) => Promise<void> }).move;
  if (move) {
    await move.call(tmp, dir, name);
  } else {
    const f = await dir.getFileHandle(name, { create: true });
    const w2 = await f.createWritable();
    await w2.write(data as unknown as FileSystemWriteChunkType);
    await w2.close();
    await dir.removeEntry(`${name}.tmp`);
  }
}

async function readFile(dir: Dir, name: string): Promise<Uint8Array | null> {
  try {
    const f = await (await dir.getFileHandle(name)).getFile();
    return new Uint8Array(await f.arrayBuffer());
  } catch {
    return null;
  }
}

export class OpfsRunStore implements RunStore {
  readonly persistent = true;
  private constructor(private readonly root: Dir) {}

  static async open(): Promise<OpfsRunStore | null> {
    try {
      const storage = (globalThis.navigator as Navigator | undefined)?.storage;
      if (!storage?.getDirectory) return null;
      const root = await storage.getDirectory();
      return new OpfsRunStore(await root.getDirectoryHandle('runs', { create: true }));
    } catch {
      return null;
    }
  }

  private dir(id: string): Promise<Dir> {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`bad run id ${id}`);
    return this.root.getDirectoryHandle(id, { create: true });
  }
  async saveRun(run: StoredRun) { await writeFileAtomic(await this.dir(run.id), 'run.json', JSON.stringify(run)); }
  async saveCheckpoint(id: string, json: string, tensors: Uint8Array) {
    const d = await this.dir(id);
    await writeFileAtomic(d, CHECKPOINT_TENSORS, tensors);
    await writeFileAtomic(d, CHECKPOINT_JSON, json);
  }
  async loadCheckpoint(id: string) {
    const d = await this.dir(id);
    const json = await readFile(d, CHECKPOINT_JSON), tensors = await readFile(d, CHECKPOINT_TENSORS);
    return json && tensors ? { json: new TextDecoder().decode(json), tensors } : null;
  }
  async getRun(id: string) {
    const b = await readFile(await this.dir(id), 'run.json');
    try {
      return b ? (JSON.parse(new TextDecoder().decode(b)) as StoredRun) : null;
    } catch {
      return null;
    }
  }
  async list() {
    const out: StoredRun[] = [];
    for await (const [name] of (this.root as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      const r = await this.getRun(name).catch(() => null);
      if (r) out.push(r);
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
