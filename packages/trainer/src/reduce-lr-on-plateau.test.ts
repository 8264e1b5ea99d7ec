import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, reduceLearningRateOnPlateau, trainModel } from '@kd/trainer';
import type { FitOptions } from '@kd/trainer';
import { checkpoints } from '@kd/trainer/node';
import { expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';

// A step so small that the validation loss cannot improve by minDelta: a plateau from epoch 2 on,
// so the rate is cut every `patience` epochs, and the epoch records show the rate each one used.

const train = blobs(60, 1);
const validation = blobs(30, 2);
const model = () => buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });
const options = (extra: Partial<FitOptions> = {}): FitOptions => ({
  epochs: 8,
  batchSize: 30,
  optimizer: { kind: 'sgd', learningRate: 1e-6, momentum: 0 },
  validation,
  metrics: ['nll'],
  progress: false,
  callbacks: [reduceLearningRateOnPlateau({ metric: 'nll', patience: 2, factor: 0.5, minDelta: 0.01 })],
  ...extra,
});

it('cuts the learning rate by factor after patience epochs without improvement', async () => {
  await tf.setBackend('cpu');
  const m = model();
  const result = await trainModel(m, train, options());
  expect(result.history.map((r) => r.learningRate)).toEqual([1e-6, 1e-6, 1e-6, 5e-7, 5e-7, 2.5e-7, 2.5e-7, 1.25e-7]);
  m.dispose();
});

it('never goes below minLearningRate', async () => {
  await tf.setBackend('cpu');
  const m = model();
  const floor = [reduceLearningRateOnPlateau({ metric: 'nll', patience: 1, factor: 0.1, minDelta: 0.01, minLearningRate: 3e-8 })];
  const result = await trainModel(m, train, options({ callbacks: floor }));
  expect(result.history.map((r) => r.learningRate)).toEqual([1e-6, 1e-6, 1e-7, 3e-8, 3e-8, 3e-8, 3e-8, 3e-8]);
  m.dispose();
});

it('keeps its cuts across a resume', async () => {
  await tf.setBackend('cpu');
  const dir = await mkdtemp(join(tmpdir(), 'kd-plateau-'));
  try {
    const first = model();
    await trainModel(first, train, options({ epochs: 5, callbacks: [...options().callbacks!, checkpoints({ dir })] }));
    first.dispose();
    const second = model();
    const resumed = await trainModel(second, train, options({ callbacks: [...options().callbacks!, checkpoints({ dir, resume: true })] }));
    expect(resumed.history.map((r) => [r.epoch, r.learningRate])).toEqual([
      [6, 2.5e-7],
      [7, 2.5e-7],
      [8, 1.25e-7],
    ]);
    second.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it.each([
  [{ metric: 'loss', patience: 2 }, "Argument 'options.metric' passed to 'reduceLearningRateOnPlateau' must be one of"],
  [{ metric: 'nll', patience: 0 }, "Argument 'options.patience' passed to 'reduceLearningRateOnPlateau' must be an integer >= 1, got 0"],
  [{ metric: 'nll', patience: 2, factor: 1 }, "Argument 'options.factor' passed to 'reduceLearningRateOnPlateau' must be a number in (0, 1), got 1"],
])('names a bad option: %j', (bad, message) => {
  expect(() => reduceLearningRateOnPlateau(bad as never)).toThrow(message);
});

it('refuses to watch a metric the run does not compute', async () => {
  await tf.setBackend('cpu');
  const m = model();
  await expect(trainModel(m, train, options({ metrics: ['accuracy'] }))).rejects.toThrow("reduceLearningRateOnPlateau watches validation 'nll', which the run does not compute");
  m.dispose();
});
