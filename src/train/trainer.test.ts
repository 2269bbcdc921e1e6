// The training loop on the fallback engine (tfjs reference, cpu backend): loss falls, resuming from a
// checkpoint continues the uninterrupted trajectory exactly, and a NaN stops the run with a message.
import { beforeAll, describe, expect, it } from 'vitest';
import type { LoraConfig } from '../engine/config.ts';
import { Rng } from '../engine/rng.ts';
import { initLora, randomWeights, tinyConfig } from '../engine/weights.ts';
import type { Example } from '../data/template.ts';
import { useBackend } from '../reference/backend.ts';
import { ReferenceModel } from '../reference/model.ts';
import { ReferenceTrainBackend } from '../reference/train-backend.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';
import { NonFiniteError, Trainer, type Checkpoint, type TrainConfig } from './trainer.ts';

const cfg = tinyConfig({ numLayers: 1, vocabSize: 40 });
const LORA: LoraConfig = { rank: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj', 'down_proj'], useRslora: false };
const HYPER = { lr: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

function examples(n: number): Example[] {
  const rng = new Rng(3);
  return Array.from({ length: n }, (_, i) => {
    const len = 6 + rng.int(6);
    const ids = Int32Array.from({ length: len }, (_, t) => (t < 3 ? rng.int(40) : (i * 7 + t * 3) % 40));
    const lossMask = Uint8Array.from({ length: len }, (_, t) => (t >= 3 ? 1 : 0));
    return { id: `ex${i}`, ids, lossMask, promptTokens: 3, truncated: false, separateTokenization: false };
  });
}

const TRAIN: TrainConfig = { steps: 6, batchSize: 2, gradAccum: 2, lr: 2e-2, warmupSteps: 1, minLrRatio: 0.1, evalEvery: 0, checkpointEvery: 3, seed: 5, buckets: [8, 16], padId: 0 };

function backend(): ReferenceTrainBackend {
  const model = new ReferenceModel(cfg, randomWeights(cfg, 1), { config: LORA, params: initLora(cfg, LORA, 2) });
  return new ReferenceTrainBackend(model, HYPER, 1);
}

/** The reference trajectory: TRAIN on a fresh backend, start to end. */
async function uninterruptedRun(data: Example[]) {
  const a = backend();
  const h = await new Trainer(a, data, TRAIN).run();
  a.model.dispose();
  return h;
}

describe('Trainer (fallback engine: tfjs reference)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the loss falls on a small memorisation task', async () => {
    const b = backend();
    const t = new Trainer(b, examples(4), { ...TRAIN, steps: 20, lr: 5e-2, checkpointEvery: 0 });
    const h = await t.run();
    expect(h).toHaveLength(20);
    const first = (h[0].loss + h[1].loss) / 2, last = (h[18].loss + h[19].loss) / 2;
    expect(last).toBeLessThan(0.7 * first);
    expect(h.every((e) => Number.isFinite(e.gradNorm) && e.tokens > 0)).toBe(true);
    b.model.dispose();
  });

  it('resuming from a checkpoint gives the same losses as an uninterrupted run', async () => {
    const data = examples(6);
    const full = await uninterruptedRun(data);

    const b = backend();
    let saved: Checkpoint | null = null;
    // same config (the schedule depends on the total steps); interrupted after the step-3 checkpoint
    const first: Trainer = new Trainer(b, data, TRAIN, { onCheckpoint: async (c) => { saved = c; first.stop(); } });
    expect(await first.run()).toHaveLength(3);
    b.model.dispose();
    expect(saved!.step).toBe(3);

    const c = backend(); // fresh model with the original init: the checkpoint must carry everything
    const second = new Trainer(c, data, TRAIN);
    second.resume(saved!);
    const resumed = await second.run();
    expect(resumed.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expectClose(resumed.map((e) => e.loss), full.map((e) => e.loss), TOL.exact, 'loss trajectory');
    const la = await c.getLora();
    c.model.dispose();
    expect(la.size).toBeGreaterThan(0);
  });

  it('a NaN loss stops the run naming the step and keeps the last good checkpoint', async () => {
    const b = backend();
    let calls = 0;
    const orig = b.forwardBackward.bind(b);
    b.forwardBackward = async (batch) => (++calls === 9 ? NaN : orig(batch)); // step 5's first micro-batch
    const t = new Trainer(b, examples(6), TRAIN);
    await expect(t.run()).rejects.toThrow(NonFiniteError);
    await expect(new Trainer(backend(), examples(6), TRAIN).run()).resolves.toHaveLength(6);
    expect(t.step).toBe(4);
    expect(t.lastGoodCheckpoint?.step).toBe(3);
    try {
      b.forwardBackward = async () => NaN;
      await new Trainer(b, examples(2), TRAIN).run();
    } catch (e) {
      expect((e as Error).message).toMatch(/^step 1: loss is NaN/);
    }
    b.model.dispose();
  });

  it('a pause requested mid-step takes effect after that step: onPause reports it, no step follows until resume, and the run equals an unpaused one', async () => {
    const data = examples(6);
    const full = await uninterruptedRun(data);

    const b = backend();
    const log: string[] = [];
    let fb = 0;
    const orig = b.forwardBackward.bind(b);
    const t: Trainer = new Trainer(b, data, TRAIN, {
      onStep: (e) => log.push(`step ${e.step}`),
      onCheckpoint: async (c) => void log.push(`checkpoint ${c.step}`),
      onPause: (step) => {
        log.push(`paused ${step}`);
        setTimeout(() => { log.push('resume'); t.resumeRun(); }, 20);
      },
    });
    // The pause arrives during step 2's second micro-batch (forward-backward call 4).
    b.forwardBackward = async (batch) => {
      if (++fb === 4) t.pause();
      return orig(batch);
    };
    const h = await t.run();
    b.model.dispose();
    expect(log).toEqual(['step 1', 'step 2', 'checkpoint 2', 'paused 2', 'resume', 'step 3', 'checkpoint 3', 'step 4', 'step 5', 'step 6', 'checkpoint 6']);
    expectClose(h.map((e) => e.loss), full.map((e) => e.loss), TOL.exact, 'loss trajectory with a pause');
  });

  it('a pause withdrawn before it takes effect does not report a pause; stop while paused ends the run', async () => {
    const b = backend();
    const log: string[] = [];
    const t: Trainer = new Trainer(b, examples(6), TRAIN, {
      onStep: (e) => {
        log.push(`step ${e.step}`);
        if (e.step === 1) { t.pause(); t.resumeRun(); }
        if (e.step === 4) t.pause();
      },
      onPause: (step) => {
        log.push(`paused ${step}`);
        t.stop();
      },
    });
    const h = await t.run();
    b.model.dispose();
    expect(log).toEqual(['step 1', 'step 2', 'step 3', 'step 4', 'paused 4']);
    expect(h).toHaveLength(4);
  });
});
