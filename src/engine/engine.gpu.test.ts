// The worker-side Engine (EngineApi) driven directly in Node on Dawn: load a model and a dataset from
// File objects, train with events, pause/resume, generate with and without the adapter, export the
// adapter zip, and recover from a GPU device loss mid-run.
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { byteLevelTokenizerJson, configJson, SMOLLM2_TEMPLATE } from '../data/test-fixtures.ts';
import { hfConfigJson, weightsToSafetensors } from '../formats/safetensors.ts';
import { nodeGpu } from '../gpu/node.ts';
import type { TrainEvent, TrainSettings } from '../protocol.ts';
import { Engine } from './engine.ts';
import { randomWeights, tinyConfig } from './weights.ts';

const cfg = tinyConfig({ vocabSize: 3 + 256 + 9, hiddenSize: 32, numLayers: 1, tieWordEmbeddings: true, eosTokenIds: [2] });

function modelFiles(): File[] {
  const tok = byteLevelTokenizerJson();
  return [
    new File([JSON.stringify(hfConfigJson(cfg))], 'config.json'),
    new File([weightsToSafetensors(cfg, randomWeights(cfg, 3)) as BlobPart], 'model.safetensors'),
    new File([tok], 'tokenizer.json'),
    new File([configJson({ chat_template: SMOLLM2_TEMPLATE, eos_token: '<|im_end|>', bos_token: null, pad_token: '<|endoftext|>' })], 'tokenizer_config.json'),
  ];
}

function dataFile(): File {
  const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ question: `Q${i}?`, role_prompt: `As a tester ${i % 3},`, answer: `A${i}.` }));
  lines.splice(4, 0, '{not json');
  return new File([lines.join('\n')], 'tiny.jsonl');
}

const SETTINGS: TrainSettings = { recipe: 'self-prompt', targets: ['q_proj', 'v_proj'], rank: 4, alpha: 8, dropout: 0, lr: 1e-2, warmupRatio: 0, steps: 6, batchSize: 2, gradAccum: 1, seqLen: 160, evalEvery: 3, seed: 1, separator: '\n\n', evalSamples: 1, maxNewTokens: 4 };

function collector() {
  const events: TrainEvent[] = [];
  let resolveDone: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const t0 = performance.now();
  const on = (e: TrainEvent) => {
    if (process.env.TABTUNE_TRACE) console.log(`${((performance.now() - t0) / 1000).toFixed(1)}s ${e.type} ${e.type === 'step' ? e.step.step : e.type === 'state' ? e.state : ''}`);
    events.push(e);
    if (e.type === 'state' && (e.state === 'done' || e.state === 'error')) resolveDone();
  };
  return { events, on, done };
}

describe('Engine (worker API) in Node', () => {
  it('loads, trains with events, generates, exports; rejected lines are reported', async () => {
    const engine = new Engine(nodeGpu);
    expect((await engine.gpuStatus()).available).toBe(true);
    expect((await engine.selectEngine('webgpu')).name).toBe('webgpu');
    const info = await engine.loadModel({ kind: 'files', files: modelFiles() }, 'f32', () => {});
    expect(info.hasTokenizer && info.hasChatTemplate).toBe(true);
    expect(info.parameters).toBeGreaterThan(1000);
    const data = await engine.loadData({ kind: 'file', file: dataFile() });
    expect(data.kept).toBe(12);
    expect(data.rejections[0]).toMatchObject({ line: 5 });
    const mem = await engine.estimateMemory(SETTINGS);
    expect(mem.fits).toBe(true);
    expect(mem.totalBytes).toBeGreaterThan(mem.baseBytes);

    const c = collector();
    await engine.startTraining(SETTINGS, c.on);
    await c.done;
    const steps = c.events.filter((e) => e.type === 'step');
    expect(steps.map((e) => (e.type === 'step' ? e.step.step : 0))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c.events.some((e) => e.type === 'baseline')).toBe(true);
    expect(c.events.filter((e) => e.type === 'eval').map((e) => (e.type === 'eval' ? e.eval.step : -1))).toEqual([0, 3, 6]);
    expect(c.events.at(-1)).toEqual({ type: 'state', state: 'done' });

    let streamed = '';
    const a = await engine.generate('Q1?', { useAdapter: true, maxNewTokens: 5 }, (t) => (streamed += t));
    expect(streamed.trim()).toBe(a.text);
    const zip = unzipSync((await engine.exportAdapter()).bytes);
    expect(Object.keys(zip).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'tabtune.json']);
    expect(JSON.parse(new TextDecoder().decode(zip['adapter_config.json'])).r).toBe(4);
    expect((await engine.listRuns())[0]).toMatchObject({ step: 6, state: 'done' });
  });

  it('pause and resume continue the run; a device loss mid-run is recovered from the last checkpoint', async () => {
    const engine = new Engine(nodeGpu);
    await engine.selectEngine('webgpu');
    await engine.loadModel({ kind: 'files', files: modelFiles() }, 'int8', () => {});
    await engine.loadData({ kind: 'file', file: dataFile() });
    const c = collector();
    let paused = false, lost = false;
    await engine.startTraining({ ...SETTINGS, steps: 8, evalEvery: 4 }, (e) => {
      c.on(e);
      if (e.type === 'step' && e.step.step === 2 && !paused) {
        paused = true;
        void engine.pause().then(() => setTimeout(() => void engine.resume(), 200));
      }
      if (e.type === 'step' && e.step.step === 5 && !lost) {
        lost = true;
        void engine.simulateDeviceLoss();
      }
    });
    await c.done;
    // 'paused' is reported once the step under way has finished: no step event until 'training' again.
    const p = c.events.findIndex((e) => e.type === 'state' && e.state === 'paused');
    const r = c.events.findIndex((e, i) => i > p && e.type === 'state' && e.state === 'training');
    expect(p).toBeGreaterThan(0);
    expect(r).toBeGreaterThan(p);
    expect(c.events.slice(p, r).filter((e) => e.type === 'step')).toEqual([]);
    const rec = c.events.find((e) => e.type === 'recovered');
    expect(rec, JSON.stringify(c.events.filter((e) => e.type === 'error'))).toBeDefined();
    if (rec?.type === 'recovered') expect(rec.fromStep).toBe(4); // checkpoints every evalEvery = 4 steps
    expect(c.events.at(-1)).toEqual({ type: 'state', state: 'done' });
    const last = c.events.filter((e) => e.type === 'step').at(-1);
    expect(last?.type === 'step' && last.step.step).toBe(8);
  });

  it('S3FT pipeline: pause and stop between stages (no trainer running) take effect at the next stage boundary', async () => {
    const labels = ['excellent', 'incoherent', 'ignores_system', 'excellent', 'both', 'not_applicable', 'excellent', 'incoherent'];
    const labelled = labels.map((label, i) => JSON.stringify({ system: 'Be brief.', prompt: `Q${i}?`, response: `A${i}.`, label })).join('\n');
    const candidates = Array.from({ length: 4 }, (_, i) => JSON.stringify({ system: 'Be brief.', prompt: `C${i}?`, response: `R${i}.` })).join('\n');
    const s3ft: TrainSettings = { ...SETTINGS, recipe: 's3ft', steps: 2, evalEvery: 0, evalSamples: 0, seqLen: 1024 };
    const pipeline = async (onEvent: (engine: Engine, e: TrainEvent) => void) => {
      const engine = new Engine(nodeGpu);
      await engine.selectEngine('webgpu');
      await engine.loadModel({ kind: 'files', files: modelFiles() }, 'f32', () => {});
      await engine.loadS3ft({ kind: 'file', file: new File([candidates], 'cand.jsonl') }, { kind: 'file', file: new File([labelled], 'lab.jsonl') });
      const events: TrainEvent[] = [];
      let end: () => void;
      const ended = new Promise<void>((r) => (end = r));
      await engine.runS3ft(s3ft, {}, (e) => {
        events.push(e);
        onEvent(engine, e);
        if (e.type === 'state' && ['done', 'error', 'idle'].includes(e.state)) end();
      });
      await ended;
      return events;
    };
    const stageEvents = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 's3ft-stage' ? [`${e.stage} ${e.state}`] : e.type === 'state' && e.state === 'paused' ? [`paused: ${e.message}`] : []));

    // Pause once stage A's trainer has finished: the pipeline stops before stage B until Resume.
    let resumedAt = -1;
    const paused = await pipeline((engine, e) => {
      if (e.type === 's3ft-stage' && e.stage === 'discriminator' && e.state === 'done') void engine.pause();
      if (e.type === 'state' && e.state === 'paused') setTimeout(() => void engine.resume().then(() => (resumedAt = Date.now())), 300);
    });
    expect(paused.filter((e) => e.type === 'error')).toEqual([]);
    expect(stageEvents(paused)).toEqual(['discriminator running', 'discriminator done', 'paused: paused before stage B (filter)', 'filter running', 'filter done', 'sft running', 'sft done']);
    expect(resumedAt).toBeGreaterThan(0);
    expect(paused.at(-1)).toEqual({ type: 'state', state: 'done' });

    // Stop while stage B scores the candidates: stage C never starts and the run ends idle.
    const stopped = await pipeline((engine, e) => {
      if (e.type === 's3ft-stage' && e.stage === 'filter' && e.state === 'running') void engine.stop();
    });
    expect(stopped.filter((e) => e.type === 'error')).toEqual([]);
    expect(stageEvents(stopped)).toEqual(['discriminator running', 'discriminator done', 'filter running', 'filter done']);
    expect(stopped.filter((e) => e.type === 'step')).toEqual([]); // stage C's steps are the run's 'step' events
    expect(stopped.at(-1)).toEqual({ type: 'state', state: 'idle' });
  });
});
