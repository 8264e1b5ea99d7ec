import * as tf from '@tensorflow/tfjs-core';
import { jitter } from '@kd/data';
import { fileSystem } from '@kd/core/node';
import { buildModel, trainModel } from '@kd/trainer';
import type { Architecture, EpochRecord, FitOptions } from '@kd/trainer';
import { checkpoints, jsonlLogger, latestCheckpoint } from '@kd/trainer/node';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { weightsOf } from '../../../test/weights';

const mlp: Architecture = { type: 'mlp', hidden: [16] };

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
      progress: false,
      callbacks: [jsonlLogger(logPath), { onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
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
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3, 4]);
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
    expect(result.best).toEqual({ metric: 'nll', value: result.history[0]!.validation!.nll, epoch: 1, inModel: true });
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
      callbacks: [{ onEpochEnd: (record) => void (record.epoch === 2 && controller.abort()) }],
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
        callbacks: [{ onEpochEnd: 'log' }],
      } as unknown as FitOptions),
    ).rejects.toThrow(
      /'trainModel': options\.epochs: expected an integer >= 1, got 0; options\.batchSize: expected an integer >= 1, got 2\.5; options\.optimizer\.beta1: expected a number in \[0, 1\), got 2; options\.earlyStopping: needs options\.validation, got none; options\.callbacks\[0\]\.onEpochEnd: expected a function, got 'log'/,
    );
    await expect(trainModel(model, train.unlabeled(), { epochs: 1 })).rejects.toThrow(/^'trainModel': data: has no labels \(.*\), and trainModel learns from labels$/);
    model.dispose();
  });

  it('refuses before the first step what would fail later: data of another shape, a metric it cannot compute', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3 });
    const before = weightsOf(model);
    const wide = buildModel(mlp, { inputShape: [28, 28, 1], numClasses: 3 });
    await expect(trainModel(wide, train, { epochs: 1, progress: false })).rejects.toThrow(
      "'trainModel': data: holds 6x6x1 images (36 values each), but the model takes [batch, 28, 28, 1]",
    );
    await expect(trainModel(model, train, { epochs: 2, validation, metrics: ['accuracy', 'agreement'], progress: false })).rejects.toThrow(
      /options\.metrics: 'agreement' compares the model with a teacher on the validation set; trainModel has no teacher/,
    );
    // Was "must have labels", and a learning rate below 0 failed in its epoch, after the others.
    await expect(trainModel(model, train.withoutClasses([0, 1, 2]), { epochs: 1 })).rejects.toThrow(/^'trainModel': data: has no examples \(.*\)$/);
    await expect(
      trainModel(model, train, { epochs: 5, progress: false, optimizer: { kind: 'sgd', learningRate: { kind: 'step', initial: 0.1, factor: -1, every: 4 } } }),
    ).rejects.toThrow("'trainModel': options.optimizer.learningRate: must stay >= 0 in every epoch, got -0.1 in epoch 5");
    expect(weightsOf(model)).toEqual(before);
    wide.dispose();
    model.dispose();
  });

  it('calls its callbacks in order with epochs numbered from 1, and stops when one asks', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3, seed: 6 });
    const heard: string[] = [];
    const result = await trainModel(model, train, {
      epochs: 5,
      batchSize: 60,
      progress: false,
      callbacks: [
        {
          onTrainBegin: (context) => void heard.push(`begin ${context.fn} ${context.epochs}x${context.stepsPerEpoch}`),
          onEpochBegin: (epoch) => void heard.push(`epoch ${epoch}`),
          onBatchEnd: ({ epoch, batch, step }) => void heard.push(`batch ${epoch}.${batch} step ${step}`),
          onEpochEnd: (record, context) => {
            heard.push(`end ${record.epoch}`);
            if (record.epoch === 2) context.stop();
          },
          onTrainEnd: (fit) => void heard.push(`done ${fit.stopReason} ${fit.epochs}`),
        },
      ],
    });
    expect(heard).toEqual([
      'begin trainModel 5x2',
      'epoch 1',
      'batch 1.1 step 1',
      'batch 1.2 step 2',
      'end 1',
      'epoch 2',
      'batch 2.1 step 3',
      'batch 2.2 step 4',
      'end 2',
      'done stopped 2',
    ]);
    expect(result.history.map((r) => r.epoch)).toEqual([1, 2]);
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
      earlyStopping: { metric: 'nll', patience: 3 },
      validation,
      progress: false,
    };
    const whole = buildModel(arch, { inputShape: [6, 6, 1], numClasses: 3, seed: 5 });
    const wholeFit = await trainModel(whole, train, { ...options, callbacks: [checkpoints({ dir: join(dir, 'whole') })] });

    // The first attempt is stopped partway through epoch 3 (after the checkpoint of epoch 2).
    const controller = new AbortController();
    let steps = 0;
    const first = buildModel(arch, { inputShape: [6, 6, 1], numClasses: 3, seed: 5 });
    const stopped = await trainModel(first, train, {
      ...options,
      signal: controller.signal,
      callbacks: [
        checkpoints({ dir: join(dir, 'run') }),
        {
          onEpochEnd: (record) => {
            steps = record.step;
            if (record.epoch === 2) setTimeout(() => controller.abort(), 0);
          },
        },
      ],
    });
    expect(stopped.epochs).toBe(2);
    expect(steps).toBe(16);
    first.dispose();

    const second = buildModel(arch, { inputShape: [6, 6, 1], numClasses: 3, seed: 99 });
    const resumed = await trainModel(second, train, { ...options, callbacks: [checkpoints({ dir: join(dir, 'run'), resume: true })] });
    // One numbering everywhere: the run resumed after epoch 2 and went on with epoch 3.
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(resumed.history.map((r) => r.epoch)).toEqual([3, 4]);
    expect(resumed.steps).toBe(32);
    expect(resumed.best).toEqual(wholeFit.best);
    expect(weightsOf(second)).toEqual(weightsOf(whole));
    const saved = await tfl.loadLayersModel(fileSystem((await latestCheckpoint(join(dir, 'run')))!));
    expect(weightsOf(saved)).toEqual(weightsOf(whole));
    for (const m of [whole, second, saved]) m.dispose();
  });

  it('refuses to resume from a missing or empty folder, and starts afresh there only when told to', async () => {
    const model = buildModel(mlp, { inputShape: [6, 6, 1], numClasses: 3, seed: 8 });
    const before = weightsOf(model);
    const missing = join(dir, 'typo');
    await expect(trainModel(model, train, { epochs: 1, progress: false, callbacks: [checkpoints({ dir: missing, resume: true })] })).rejects.toThrow(
      `'trainModel': checkpoints({ resume: true }) found no folder ${missing}: nothing to continue`,
    );
    expect(weightsOf(model)).toEqual(before);
    const fresh = await trainModel(model, train, { epochs: 1, progress: false, callbacks: [checkpoints({ dir: missing, resume: 'auto' })] });
    expect(fresh.resumedFromEpoch).toBeNull();
    expect(await latestCheckpoint(missing)).toBe(join(missing, 'checkpoint-000001'));
    model.dispose();
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
