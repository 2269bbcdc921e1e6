// The one place tabtune touches WebGPU objects: device creation with the adapter's maximum limits,
// buffers (the only createBuffer call site, with a live-byte count), compute pipelines cached by a
// shader key, out-of-memory error scopes and device loss, and compute passes (beginPass: timed per
// kernel while a profile is on, see ./timing.ts). Runs unchanged in a Web Worker, on the main thread
// and in Node (Dawn, see ./node.ts). It is not a tensor library: kernels own their maths.
import { KernelProfiler, type KernelTime } from './timing.ts';

export class GpuError extends Error {
  override name = 'GpuError';
}
export class GpuOutOfMemoryError extends Error {
  override name = 'GpuOutOfMemoryError';
}
export class NoAdapterError extends Error {
  override name = 'NoAdapterError';
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: Record<string, number>;
}

/** The limits that matter for tabtune, in the order `doctor` prints them. */
export const LIMIT_NAMES = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'minStorageBufferOffsetAlignment',
] as const;

export function describeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const limits: Record<string, number> = {};
  for (const k of LIMIT_NAMES) limits[k] = Number((adapter.limits as unknown as Record<string, number>)[k]);
  const vendor = info.vendor || 'unknown';
  const architecture = info.architecture || 'unknown';
  const device = info.device || '';
  const isFallbackAdapter = Boolean((info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const description = [vendor, architecture, device, info.description].filter((s) => s && s !== 'unknown').join(' / ') || 'unknown adapter';
  return { vendor, architecture, device, description, isFallbackAdapter, features: [...adapter.features].sort(), limits };
}

/** True for CPU-emulated adapters (SwiftShader, lavapipe, llvmpipe, or flagged fallback). */
export function isSoftwareAdapter(s: AdapterSummary): boolean {
  return s.isFallbackAdapter || /swiftshader|lavapipe|llvmpipe|software/i.test(`${s.vendor} ${s.architecture} ${s.device} ${s.description}`);
}

export interface BufferOptions {
  /** Extra usages on top of STORAGE | COPY_SRC | COPY_DST. */
  usage?: GPUBufferUsageFlags;
}

export type Pipeline = GPUComputePipeline;

export class Gpu {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly hasF16: boolean;
  readonly hasSubgroups: boolean;
  /** The device has 'timestamp-query' (per-kernel profiles). */
  readonly hasTimestamps: boolean;
  private profiler: KernelProfiler | null = null;
  private pipelines = new Map<string, GPUComputePipeline>();
  private live = new Map<GPUBuffer, number>();
  private liveBytesNow = 0;
  private peak = 0;
  /** Set once the device is lost; every later call fails with this reason. */
  lostReason: string | null = null;
  private lostListeners: ((reason: string) => void)[] = [];

  private constructor(device: GPUDevice, adapter: AdapterSummary) {
    this.device = device;
    this.adapter = adapter;
    this.hasF16 = device.features.has('shader-f16');
    this.hasSubgroups = device.features.has('subgroups');
    this.hasTimestamps = device.features.has('timestamp-query');
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
      for (const l of this.lostListeners) l(this.lostReason);
    });
  }

  /** Request a device from `gpu` (navigator.gpu, or Dawn's in Node) with the adapter's maximum limits. */
  static async create(gpu: GPU | undefined, opts: { powerPreference?: GPUPowerPreference } = {}): Promise<Gpu> {
    if (!gpu) throw new NoAdapterError('WebGPU is not available here (navigator.gpu is undefined)');
    const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
    if (!adapter) throw new NoAdapterError('WebGPU is present but no adapter was found');
    const requiredLimits: Record<string, number> = {};
    for (const k of LIMIT_NAMES) {
      const v = (adapter.limits as unknown as Record<string, number>)[k];
      if (typeof v === 'number' && k !== 'minStorageBufferOffsetAlignment') requiredLimits[k] = v;
    }
    const requiredFeatures: GPUFeatureName[] = [];
    for (const f of ['shader-f16', 'subgroups', 'timestamp-query'] as GPUFeatureName[]) if (adapter.features.has(f)) requiredFeatures.push(f);
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    return new Gpu(device, describeAdapter(adapter));
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  private checkAlive(): void {
    if (this.lostReason) throw new GpuError(`GPU device was lost (${this.lostReason})`);
  }

  get liveBytes(): number {
    return this.liveBytesNow;
  }
  get liveBufferCount(): number {
    return this.live.size;
  }
  get peakBytes(): number {
    return this.peak;
  }
  resetPeak(): void {
    this.peak = this.liveBytesNow;
  }

  /** The only createBuffer call site. Sizes are rounded up to 4 bytes (writeBuffer's granularity). */
  createBuffer(label: string, size: number, opts: BufferOptions = {}): GPUBuffer {
    this.checkAlive();
    const bytes = Math.max(4, Math.ceil(size / 4) * 4);
    if (bytes > this.device.limits.maxBufferSize) {
      throw new GpuOutOfMemoryError(`buffer "${label}" needs ${bytes} bytes, over this device's maxBufferSize ${this.device.limits.maxBufferSize}`);
    }
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | (opts.usage ?? 0);
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ label, size: bytes, usage });
    void this.device.popErrorScope().then((err) => {
      if (err) console.error(`tabtune: out of GPU memory creating "${label}" (${bytes} bytes): ${err.message}`);
    });
    this.live.set(buffer, bytes);
    this.liveBytesNow += bytes;
    this.peak = Math.max(this.peak, this.liveBytesNow);
    return buffer;
  }

  /** A storage buffer holding `data`. */
  upload(label: string, data: ArrayBufferView, opts: BufferOptions = {}): GPUBuffer {
    const buf = this.createBuffer(label, data.byteLength, opts);
    this.write(buf, data);
    return buf;
  }

  write(buf: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    this.checkAlive();
    const padded = data.byteLength % 4 === 0 ? data : padTo4(data);
    this.device.queue.writeBuffer(buf, offset, padded.buffer, padded.byteOffset, padded.byteLength);
  }

  /** A small uniform buffer of 32-bit params (u32 for integers, f32 for values given as { f: x }). */
  uniform(label: string, values: (number | { f: number })[]): GPUBuffer {
    const words = new ArrayBuffer(Math.max(16, Math.ceil((values.length * 4) / 16) * 16));
    const u = new Uint32Array(words);
    const f = new Float32Array(words);
    values.forEach((v, i) => {
      if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < 0) throw new GpuError(`uniform "${label}"[${i}] must be a non-negative integer, got ${v}`);
        u[i] = v;
      } else f[i] = v.f;
    });
    const buf = this.createBuffer(label, words.byteLength, { usage: GPUBufferUsage.UNIFORM });
    this.device.queue.writeBuffer(buf, 0, words);
    return buf;
  }

  destroy(buf: GPUBuffer): void {
    const bytes = this.live.get(buf);
    if (bytes === undefined) return;
    this.live.delete(buf);
    this.liveBytesNow -= bytes;
    buf.destroy();
  }

  destroyAll(bufs: Iterable<GPUBuffer>): void {
    for (const b of bufs) this.destroy(b);
  }

  /** Compute pipeline for `code`, cached by `key` (same key ⇒ same code). */
  pipeline(key: string, code: string, entryPoint = 'main', constants?: Record<string, number>): GPUComputePipeline {
    this.checkAlive();
    const cacheKey = constants ? `${key}|${JSON.stringify(constants)}` : key;
    let p = this.pipelines.get(cacheKey);
    if (!p) {
      const module = this.device.createShaderModule({ label: key, code });
      // Synchronous creation: createComputePipelineAsync crashed under Dawn-in-Node (see shared notes).
      p = this.device.createComputePipeline({ label: key, layout: 'auto', compute: { module, entryPoint, constants } });
      this.pipelines.set(cacheKey, p);
    }
    return p;
  }

  /** Bind `buffers` to @group(0) @binding(0..n-1) of `pipeline`. */
  bindGroup(pipeline: GPUComputePipeline, buffers: GPUBuffer[], label?: string): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  /** Record one dispatch into `pass`. */
  static dispatch(pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, group: GPUBindGroup, x: number, y = 1, z = 1): void {
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
  }

  /**
   * Begin a compute pass on `encoder` (every pass that records kernels starts here). While a kernel
   * profile is on, the pass records each dispatch in a timed pass of its own (see ./timing.ts).
   */
  beginPass(encoder: GPUCommandEncoder, label: string): GPUComputePassEncoder {
    return this.profiler ? this.profiler.pass(encoder, label) : encoder.beginComputePass({ label });
  }

  /** Time every dispatch from now on, until stopKernelProfile (needs hasTimestamps). */
  startKernelProfile(): void {
    if (!this.hasTimestamps) throw new GpuError("kernel profile: this device has no 'timestamp-query' feature");
    this.profiler ??= new KernelProfiler(this);
  }

  /** GPU time per kernel (pipeline label) since startKernelProfile, largest first; ends the profile. */
  async stopKernelProfile(): Promise<KernelTime[]> {
    const p = this.profiler;
    this.profiler = null;
    return p ? p.collect() : [];
  }

  /** Encode work with `record` in one compute pass and submit it. */
  run(record: (pass: GPUComputePassEncoder) => void, label = 'tabtune'): void {
    this.checkAlive();
    const enc = this.device.createCommandEncoder({ label });
    const pass = this.beginPass(enc, label);
    record(pass);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  /** Copy `size` bytes of `src` (from `offset`) back to the CPU. */
  async read(src: GPUBuffer, size = src.size, offset = 0): Promise<ArrayBuffer> {
    this.checkAlive();
    const bytes = Math.ceil(size / 4) * 4;
    const staging = this.device.createBuffer({ label: 'readback', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder({ label: 'readback' });
    enc.copyBufferToBuffer(src, offset, staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, size);
    staging.unmap();
    staging.destroy();
    return out;
  }

  async readF32(src: GPUBuffer, count?: number): Promise<Float32Array> {
    return new Float32Array(await this.read(src, count === undefined ? src.size : count * 4));
  }

  /** `count` floats of `src` starting at float `start`. */
  async readF32Range(src: GPUBuffer, start: number, count: number): Promise<Float32Array> {
    return new Float32Array(await this.read(src, count * 4, start * 4));
  }

  /** Run `fn`, turning a WebGPU validation or OOM error raised inside it into an exception. */
  async checked<T>(what: string, fn: () => T): Promise<T> {
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    const out = fn();
    const oom = await this.device.popErrorScope();
    const val = await this.device.popErrorScope();
    if (oom) throw new GpuOutOfMemoryError(`${what}: out of GPU memory (${oom.message})`);
    if (val) throw new GpuError(`${what}: ${val.message}`);
    return out;
  }

  dispose(): void {
    for (const b of [...this.live.keys()]) this.destroy(b);
    this.pipelines.clear();
    this.device.destroy();
  }
}

function padTo4(data: ArrayBufferView): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}

/** Number of workgroups to cover `n` items with groups of `size`. */
export function groups(n: number, size: number): number {
  return Math.max(1, Math.ceil(n / size));
}
