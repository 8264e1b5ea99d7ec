import * as tf from '@tensorflow/tfjs-core';
import { buildModel, trainModel } from '@kd/trainer';
import type { FitOptions } from '@kd/trainer';
import { checkpoints } from '@kd/trainer/node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { tempDirEach } from '../../../test/temp-dir';

const model = () => buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });

/** Makes `m` always answer class 0, whatever its input: its last layer's kernel 0, its bias [5, 0, 0]. */
function breakIntoClassZero(m: ReturnType<typeof model>): void {
  const last = m.layers.at(-1)!;
  tf.tidy(() => last.setWeights([tf.zerosLike(last.getWeights()[0]!), tf.tensor1d([5, 0, 0])]));
}

describeBackends('the divergence guard', () => {
  const train = blobs(90, 1);
  const validation = blobs(60, 2);
  const folder = tempDirEach('kd-divergence-');

  // Epoch 1 at a sensible learning rate, then 1e6: the loss explodes without becoming NaN.
  const exploding: FitOptions = {
    epochs: 4,
    batchSize: 30,
    optimizer: { kind: 'sgd', learningRate: { kind: 'piecewise', boundaries: [1], values: [0.05, 1e6] }, momentum: 0 },
    validation,
    progress: false,
  };

  it('stops a run whose loss explodes, naming the checkpoint from before that epoch', async () => {
    const m = model();
    const run = trainModel(m, train, { ...exploding, callbacks: [checkpoints({ dir: folder() })] });
    await expect(run).rejects.toThrow(
      new RegExp(
        `^'trainModel': training diverged in epoch 2: its mean loss, [\\d.e+]+, is more than 100 times the loss of the first step \\([\\d.]+\\); the last checkpoint, from before this epoch, is ${join(folder(), 'checkpoint-000001').replaceAll('/', '\\/')} \\(the divergence guard: options\\.divergence tunes it, false turns it off\\)$`,
      ),
    );
    // The first step's loss is kept for a resumed run.
    const state = JSON.parse(await readFile(join(folder(), 'checkpoint-000001', 'state.json'), 'utf8'));
    expect(state.callbacks.divergenceGuard.firstLoss).toBeGreaterThan(1);
    m.dispose();
  });

  it('lets the same run finish when turned off, or when the loss stays under its factor', async () => {
    const m = model();
    const result = await trainModel(m, train, { ...exploding, divergence: false });
    expect(result.epochs).toBe(4);
    expect(result.history.at(-1)!.loss.total!).toBeGreaterThan(100 * result.history[0]!.loss.total!);
    m.dispose();
    const calm = model();
    expect((await trainModel(calm, train, { ...exploding, optimizer: { kind: 'sgd', learningRate: 0.05 } })).epochs).toBe(4);
    calm.dispose();
  });

  it('stops a run whose validation accuracy falls to chance for chanceEpochs epochs, not one that has yet to rise above it', async () => {
    // Three epochs of learning, then the model is broken into one that always answers class 0
    // (accuracy 1/3, the share of the balanced validation set's most common class) and, at a
    // learning rate of 0, stays so.
    const options: FitOptions = {
      epochs: 7,
      batchSize: 30,
      optimizer: { kind: 'adam', learningRate: { kind: 'piecewise', boundaries: [3], values: [0.05, 0] } },
      validation,
      progress: false,
      callbacks: [{ onEpochEnd: (record, context) => void (record.epoch === 3 && breakIntoClassZero(context.model)) }],
    };
    const m = model();
    await expect(trainModel(m, train, options)).rejects.toThrow(
      /^'trainModel': training diverged in epoch 6: validation accuracy has fallen to no better than always answering the most common class \(0\.3333\) for 3 epochs in a row \(0\.3333, 0\.3333, 0\.3333; it reached [\d.]+ before\) \(the divergence guard: options\.divergence tunes it, false turns it off\)$/,
    );
    m.dispose();
    const patient = model();
    expect((await trainModel(patient, train, { ...options, divergence: { chanceEpochs: 5 } })).epochs).toBe(7);
    patient.dispose();
    // Never above chance: left to learn, however long it takes.
    const slow = model();
    breakIntoClassZero(slow);
    expect((await trainModel(slow, train, { ...options, callbacks: [], optimizer: { kind: 'sgd', learningRate: 0 } })).epochs).toBe(7);
    slow.dispose();
  });

  it('checks its options', async () => {
    const m = model();
    await expect(trainModel(m, train, { epochs: 1, divergence: { lossFactor: 1, chanceEpochs: 0 } })).rejects.toThrow(
      "'trainModel': options.divergence.lossFactor: expected a finite number > 1, got 1; options.divergence.chanceEpochs: expected an integer >= 1, got 0",
    );
    await expect(trainModel(m, train, { epochs: 1, divergence: true } as unknown as FitOptions)).rejects.toThrow(
      "'trainModel': options.divergence: expected false or an object { lossFactor?, chanceEpochs? }, got true",
    );
    m.dispose();
  });
});
