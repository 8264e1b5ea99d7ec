import * as tf from '@tensorflow/tfjs-core';
import { Dataset, createRng, jitter } from '@kd/data';
import { buildModel, fileSystem, latestCheckpoint, trainModel } from '@kd/trainer';
import type { Architecture, EpochRecord, FitOptions } from '@kd/trainer';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

/** A small seeded 3-class problem: each class lights up its own rows of a 6x6 image, plus noise. */
function blobs(size: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = new Float32Array(size * 36);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let p = 0; p < 36; p++) {
      const row = Math.floor(p / 6);
      const on = Math.floor(row / 2) === label;
      images[i * 36 + p] = Math.min(1, Math.max(0, (on ? 0.7 : 0.2) + (rng.next() - 0.5) * 0.6));
    }
  }
  return new Dataset({ images, imageShape: [6, 6, 1], labels, numClasses: 3, source: 'blobs' });
}

const mlp: Architecture = { type: 'mlp', hidden: [16] };
const weightsOf = (model: tfl.LayersModel) => tf.tidy(() => model.getWeights().map((w) => Array.from(w.dataSync())));

describeBackends('trainModel', (backend) => {
  const train = blobs(120, 1);
  const validation = blobs(60, 2);
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kd-train-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('learns a separable problem, logs every epoch as JSON lines, and keeps tensor counts flat', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });
    const counts: number[] = [];
    const logPath = join(dir, 'log.jsonl');
    const result = await trainModel(model, train, {
      epochs: 4,
      batchSize: 16,
      optimizer: { kind: 'adam', learningRate: { kind: 'step', initial: 0.05, factor: 0.5, every: 2 } },
      validation,
      metrics: ['accuracy', 'nll', 'errorCount'],
      logPath,
      progress: false,
      onEpochEnd: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(result.stopReason).toBe('completed');
    expect(result.epochs).toBe(4);
    expect(result.steps).toBe(4 * Math.ceil(120 / 16));
    expect(counts).toEqual(counts.map(() => counts[0]));
    const last = result.history.at(-1)!;
    expect(last.validation!.accuracy).toBeGreaterThan(0.9);
    expect(last.loss.total).toBeLessThan(result.history[0]!.loss.total!);
    expect(last.loss.hard).toBeCloseTo(last.loss.total!, 6);
    const lines = (await readFile(logPath, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as EpochRecord);
    expect(lines.map((l) => l.epoch)).toEqual([0, 1, 2, 3]);
    expect(lines.map((l) => l.learningRate)).toEqual([0.05, 0.05, 0.025, 0.025]);
    expect(lines[3]!.validation).toEqual(last.validation);
    model.dispose();
  });

  it('draws a progress bar with the loss and the last validation metrics on a terminal', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });
    const writes: string[] = [];
    await trainModel(model, train, {
      epochs: 2,
      batchSize: 60,
      validation,
      metrics: ['accuracy'],
      progress: { isTTY: true, columns: 200, write: (text: string) => writes.push(text) },
    });
    const lines = writes.filter((w) => w.startsWith('\r'));
    expect(lines[0]).toMatch(/^\repoch 1\/2 \[.*\] \d\/2 [\d.]+ steps\/s ETA \S+ loss \d+\.\d{4}\s*$/);
    expect(lines.at(-1)).toMatch(/^\repoch 2\/2 \[=+\] 2\/2 .* loss \d+\.\d{4} val accuracy \d/);
    model.dispose();
  });

  it('applies the max-norm constraint to every unit after each step', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3, seed: 2 });
    await trainModel(model, train, { epochs: 1, batchSize: 32, maxNorm: 0.5, optimizer: { kind: 'sgd', learningRate: 1 }, progress: false });
    const norms = tf.tidy(() =>
      model.trainableWeights
        .filter((w) => w.originalName.endsWith('kernel'))
        .flatMap((w) => Array.from(tf.sqrt(tf.sum(tf.square(w.read()), 0)).dataSync())),
    );
    expect(Math.max(...norms)).toBeLessThanOrEqual(0.5 + 1e-5);
    expect(Math.max(...norms)).toBeGreaterThan(0.4);
    model.dispose();
  });

  it('stops early when the validation metric stops improving', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3, seed: 3 });
    const result = await trainModel(model, train, {
      epochs: 10,
      batchSize: 60,
      optimizer: { kind: 'sgd', learningRate: 0 },
      validation,
      earlyStopping: { metric: 'nll', patience: 2 },
      progress: false,
    });
    expect(result.stopReason).toBe('earlyStopping');
    expect(result.epochs).toBe(3);
    expect(result.best).toEqual({ metric: 'nll', value: result.history[0]!.validation!.nll, epoch: 0 });
    model.dispose();
  });

  it('stops cleanly at the next step when the signal aborts', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3, seed: 4 });
    const controller = new AbortController();
    const result = await trainModel(model, train, {
      epochs: 5,
      batchSize: 40,
      signal: controller.signal,
      progress: false,
      onEpochEnd: (record) => {
        if (record.epoch === 1) controller.abort();
      },
    });
    expect(result.stopReason).toBe('aborted');
    expect(result.epochs).toBe(2);
    expect(result.steps).toBe(6);
    model.dispose();
  });

  it('reports every bad option with its path', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3 });
    await expect(
      trainModel(model, train, {
        epochs: 0,
        batchSize: 2.5,
        optimizer: { kind: 'adam', learningRate: -1, beta1: 2 },
        earlyStopping: { metric: 'accuracy', patience: 1 },
        resume: true,
      } as FitOptions),
    ).rejects.toThrow(
      /'trainModel': options\.epochs: expected an integer >= 1, got 0; options\.batchSize: expected an integer >= 1, got 2\.5; options\.optimizer\.beta1: expected a number in \[0, 1\), got 2; options\.earlyStopping: needs options\.validation, got none; options\.resume: needs options\.checkpointDir/,
    );
    await expect(trainModel(model, train.unlabeled(), { epochs: 1 })).rejects.toThrow(/'data' passed to 'trainModel' must have labels/);
    model.dispose();
  });

  if (backend !== 'cpu') return;

  it('resumes a stopped run from its last checkpoint and ends with the same weights as an uninterrupted run', async () => {
    const arch: Architecture = { type: 'mlp', hidden: [12], dropout: 0.3 };
    const options: FitOptions = {
      epochs: 4,
      batchSize: 16,
      seed: 7,
      augment: jitter({ maxShift: 1 }),
      optimizer: { kind: 'adam', learningRate: { kind: 'exponential', initial: 0.02, decay: 0.7 } },
      progress: false,
    };
    const whole = buildModel(arch, { inputShape: [6, 6, 1], numClasses: 3, seed: 5 });
    await trainModel(whole, train, { ...options, checkpointDir: join(dir, 'whole') });

    // The first attempt is stopped partway through epoch 3 (after the checkpoint of epoch 2).
    const controller = new AbortController();
    let steps = 0;
    const first = buildModel(arch, { inputShape: [6, 6, 1], numClasses: 3, seed: 5 });
    const stopped = await trainModel(first, train, {
      ...options,
      checkpointDir: join(dir, 'run'),
      signal: controller.signal,
      onEpochEnd: (record) => {
        steps = record.step;
        if (record.epoch === 1) setTimeout(() => controller.abort(), 0);
      },
    });
    expect(stopped.epochs).toBe(2);
    expect(steps).toBe(16);
    first.dispose();

    const second = buildModel(arch, { inputShape: [6, 6, 1], numClasses: 3, seed: 99 });
    const resumed = await trainModel(second, train, { ...options, checkpointDir: join(dir, 'run'), resume: true });
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(resumed.history.map((r) => r.epoch)).toEqual([2, 3]);
    expect(resumed.steps).toBe(32);
    expect(weightsOf(second)).toEqual(weightsOf(whole));
    const saved = await tfl.loadLayersModel(fileSystem((await latestCheckpoint(join(dir, 'run')))!));
    expect(weightsOf(saved)).toEqual(weightsOf(whole));
    for (const m of [whole, second, saved]) m.dispose();
  });

  it('gives different dropout masks each step but the same run for the same seed', async () => {
    const arch: Architecture = { type: 'mlp', hidden: [12], dropout: 0.5 };
    const run = async (seed: number) => {
      const model = buildModel(arch, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });
      const result = await trainModel(model, train, { epochs: 1, batchSize: 30, seed, progress: false });
      const weights = weightsOf(model);
      model.dispose();
      return { weights, loss: result.history[0]!.loss.total };
    };
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(b).toEqual(a);
    expect(c.weights).not.toEqual(a.weights);
  });
});
