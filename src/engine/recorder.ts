// A Recorder collects the dispatches of one unit of work (a forward, a training step) into a single
// command encoder and compute pass, and owns the small uniform buffers those dispatches create, so
// they are freed right after submit. One submit per step: dispatch overhead dominates on small models.
import type { Gpu } from '../gpu/gpu.ts';

export class Recorder {
  readonly pass: GPUComputePassEncoder;
  private readonly encoder: GPUCommandEncoder;
  private temps: GPUBuffer[] = [];
  private done = false;

  constructor(readonly gpu: Gpu, label = 'step') {
    this.encoder = gpu.device.createCommandEncoder({ label });
    this.pass = gpu.beginPass(this.encoder, label);
  }

  /** Keep temporary buffers (kernel params) alive until submit, then free them. */
  keep(b: GPUBuffer | GPUBuffer[]): void {
    if (Array.isArray(b)) this.temps.push(...b);
    else this.temps.push(b);
  }

  /** End the pass, optionally record buffer copies after it, submit, and free the temporaries. */
  submit(after?: (enc: GPUCommandEncoder) => void): void {
    if (this.done) throw new Error('Recorder already submitted');
    this.done = true;
    this.pass.end();
    after?.(this.encoder);
    this.gpu.device.queue.submit([this.encoder.finish()]);
    this.gpu.destroyAll(this.temps);
    this.temps = [];
  }
}
