import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, trainModel } from '@kd/trainer';
import type { EpochRecord, FitOptions } from '@kd/trainer';
import { checkpoints, latestCheckpoint } from '@kd/trainer/node';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { weightsOf } from '../../../test/weights';

// Early stopping ends with the weights of the best validation epoch, not of the last one. The
// validation labels are shuffled, so the validation loss rises once the model fits the training
// set: the best epoch comes early and the run goes on past it.

const train = blobs(90, 1);
const shuffledValidation = () => {
  const data = blobs(60, 2);
  return data.withLabels({ labels: Int32Array.from(data.labels!, (label) => (label + 1) % 3) });
};

/** A small model, and a callback that records its weights after every epoch. */
function setup(): { model: LayersModel; seen: Map<number, number[][]>; options: FitOptions } {
  const model = buildModel({ type: 'mlp', hidden: [12] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 3 });
  const seen = new Map<number, number[][]>();
  const options: FitOptions = {
    epochs: 25,
    batchSize: 16,
    seed: 0,
    optimizer: { kind: 'adam', learningRate: 0.05 },
    validation: shuffledValidation(),
    metrics: ['nll'],
    earlyStopping: { metric: 'nll', patience: 4 },
    progress: false,
    callbacks: [{ onEpochEnd: (r: EpochRecord) => void seen.set(r.epoch, weightsOf(model)) }],
  };
  return { model, seen, options };
}

describeBackends('early stopping', (backend) => {
  it(`ends with the best epoch's weights by default (${backend})`, async () => {
    const { model, seen, options } = setup();
    const result = await trainModel(model, train, options);
    expect(result.best!.epoch).toBeLessThan(result.epochs);
    expect(result.best!.inModel).toBe(true);
    expect(weightsOf(model)).toEqual(seen.get(result.best!.epoch));
    expect(weightsOf(model)).not.toEqual(seen.get(result.epochs));
    model.dispose();
  });

  it(`keeps the last epoch's weights with restoreBestWeights: false (${backend})`, async () => {
    const { model, seen, options } = setup();
    const result = await trainModel(model, train, { ...options, earlyStopping: { ...options.earlyStopping!, restoreBestWeights: false } });
    expect(result.best!.epoch).toBeLessThan(result.epochs);
    expect(result.best!.inModel).toBe(false);
    expect(weightsOf(model)).toEqual(seen.get(result.epochs));
    model.dispose();
  });
});

it('restores a best epoch from before a resume: the checkpoint keeps its weights', async () => {
  await tf.setBackend('cpu');
  const dir = await mkdtemp(join(tmpdir(), 'kd-early-stopping-'));
  try {
    const first = setup();
    const whole = await trainModel(first.model, train, first.options);
    const best = whole.best!;
    expect(best.epoch).toBeLessThan(whole.epochs);
    // Stop right after the best epoch with a checkpoint, then resume to the end in a new process's place.
    const stopped = setup();
    await trainModel(stopped.model, train, { ...stopped.options, epochs: best.epoch + 1, callbacks: [checkpoints({ dir })], earlyStopping: { ...stopped.options.earlyStopping!, patience: 100 } });
    stopped.model.dispose();
    const resumed = setup();
    const result = await trainModel(resumed.model, train, { ...resumed.options, callbacks: [checkpoints({ dir, resume: true })] });
    expect(result.resumedFromEpoch).toBe(best.epoch + 1);
    expect(result.epochs).toBe(whole.epochs);
    expect(result.best).toEqual(best);
    expect(best.inModel).toBe(true);
    expect(weightsOf(resumed.model)).toEqual(weightsOf(first.model));
    // A checkpoint written without the copy (as before checkpoints kept it) cannot restore it, and says so.
    const dropped = setup();
    await trainModel(dropped.model, train, { ...dropped.options, epochs: best.epoch + 1, callbacks: [checkpoints({ dir: join(dir, 'dropped') })], earlyStopping: { ...dropped.options.earlyStopping!, patience: 100 } });
    const checkpoint = await latestCheckpoint(join(dir, 'dropped'));
    await rm(join(checkpoint!, 'weights-earlyStopping.bin'));
    const without = setup();
    expect((await trainModel(without.model, train, { ...without.options, callbacks: [checkpoints({ dir: join(dir, 'dropped'), resume: true })] })).best!.inModel).toBe(false);
    for (const m of [first.model, resumed.model, dropped.model, without.model]) m.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('names a restoreBestWeights that is not a boolean', async () => {
  const { model, options } = setup();
  await expect(trainModel(model, train, { ...options, earlyStopping: { ...options.earlyStopping!, restoreBestWeights: 'yes' as never } })).rejects.toThrow(
    "options.earlyStopping.restoreBestWeights: expected a boolean, got 'yes'",
  );
  model.dispose();
});
