// Per-kernel GPU time from timestamp queries (a developer and benchmark aid, off by default). WebGPU
// writes timestamps only at the beginning and end of a pass, so while a profile is on, Gpu.beginPass
// hands out a TimedPass: it looks like a compute pass to the kernels (setPipeline, setBindGroup,
// dispatchWorkgroups, end) but records every dispatch in a pass of its own with timestampWrites, and
// at end() resolves the queries into a buffer. KernelProfiler.collect() reads them back and groups the
// time by pipeline label (the kernel's key in Gpu.pipeline). One pass per dispatch adds overhead, so
// time steps with the profile off and use a profiled step only for the split.
// Not here: CPU-side timing, or anything that changes what the kernels compute.

export interface KernelTime {
  /** Pipeline label (Gpu.pipeline's key), e.g. 'qmatmul.forward.main_quad'. */
  name: string;
  /** Sum of the dispatches' GPU time, ms. */
  ms: number;
  calls: number;
}

/** What KernelProfiler needs from Gpu: its buffer allocator (the only createBuffer site) and reads. */
export interface ProfilerHost {
  readonly device: GPUDevice;
  createBuffer(label: string, size: number, opts?: { usage?: GPUBufferUsageFlags }): GPUBuffer;
  read(src: GPUBuffer, size?: number): Promise<ArrayBuffer>;
  destroy(buf: GPUBuffer): void;
}

/** Queries per query set (WebGPU's maximum): 2048 dispatches. */
const QUERIES = 4096;

interface Chunk {
  set: GPUQuerySet;
  names: string[];
  resolved: GPUBuffer | null;
}

export class KernelProfiler {
  private chunks: Chunk[] = [];

  constructor(private readonly host: ProfilerHost) {}

  /** A pass on `encoder` that times each dispatch recorded into it. */
  pass(encoder: GPUCommandEncoder, label: string): GPUComputePassEncoder {
    return new TimedPass(this, encoder, label) as unknown as GPUComputePassEncoder;
  }

  /** Query indices (begin, begin + 1) for one dispatch of kernel `name`. */
  slot(name: string): { set: GPUQuerySet; begin: number } {
    let c = this.chunks.at(-1);
    if (!c || c.resolved || c.names.length * 2 >= QUERIES) {
      c = { set: this.host.device.createQuerySet({ type: 'timestamp', count: QUERIES }), names: [], resolved: null };
      this.chunks.push(c);
    }
    c.names.push(name);
    return { set: c.set, begin: (c.names.length - 1) * 2 };
  }

  /** Resolve every unresolved chunk into a buffer, recorded on `encoder` (at a TimedPass's end). */
  resolve(encoder: GPUCommandEncoder): void {
    for (const c of this.chunks) {
      if (c.resolved || !c.names.length) continue;
      const n = c.names.length * 2;
      c.resolved = this.host.createBuffer('kernel-timestamps', n * 8, { usage: GPUBufferUsage.QUERY_RESOLVE });
      encoder.resolveQuerySet(c.set, 0, n, c.resolved, 0);
    }
  }

  /** Read back every resolved chunk, free everything, and return the time per kernel, largest first. */
  async collect(): Promise<KernelTime[]> {
    const by = new Map<string, KernelTime>();
    for (const c of this.chunks) {
      if (c.resolved) {
        const ts = new BigUint64Array(await this.host.read(c.resolved));
        c.names.forEach((name, i) => {
          const ns = ts[2 * i + 1] > ts[2 * i] ? Number(ts[2 * i + 1] - ts[2 * i]) : 0;
          const k = by.get(name) ?? { name, ms: 0, calls: 0 };
          k.ms += ns / 1e6;
          k.calls++;
          by.set(name, k);
        });
        this.host.destroy(c.resolved);
      }
      c.set.destroy();
    }
    this.chunks = [];
    return [...by.values()].sort((a, b) => b.ms - a.ms);
  }
}

/** The subset of GPUComputePassEncoder the kernels use (see Gpu.dispatch), one timed pass per dispatch. */
class TimedPass {
  private pipeline: GPUComputePipeline | null = null;
  private groups = new Map<number, GPUBindGroup>();

  constructor(private readonly prof: KernelProfiler, private readonly encoder: GPUCommandEncoder, readonly label: string) {}

  setPipeline(p: GPUComputePipeline): void {
    this.pipeline = p;
  }
  setBindGroup(index: number, group: GPUBindGroup): void {
    this.groups.set(index, group);
  }
  dispatchWorkgroups(x: number, y = 1, z = 1): void {
    if (!this.pipeline) throw new Error('TimedPass: dispatch before setPipeline');
    const { set, begin } = this.prof.slot(this.pipeline.label);
    const pass = this.encoder.beginComputePass({ label: this.label, timestampWrites: { querySet: set, beginningOfPassWriteIndex: begin, endOfPassWriteIndex: begin + 1 } });
    pass.setPipeline(this.pipeline);
    for (const [i, g] of this.groups) pass.setBindGroup(i, g);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
  }
  end(): void {
    this.prof.resolve(this.encoder);
  }
}
