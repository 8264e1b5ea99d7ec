import * as tf from '@tensorflow/tfjs-core';
import { layersModelTeacher } from '@kd/ensemble';
import { buildModel, createDistiller, evaluate, trainModel, tuneClassBias } from '@kd/trainer';
import { expect, it } from 'vitest';
import { noisyBands as bands } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';

describeBackends('tuneClassBias', () => {

  it('raises the bias of a class the transfer set left out, choosing on validation data', async () => {
    // The paper's experiment: the teacher knows every class; the student is distilled on a transfer
    // set without class 3, so it learns 3 only from the teacher's soft scores on other digits and
    // under-predicts it.
    const teacher = buildModel({ type: 'mlp', hidden: [16] }, { inputShape: [8, 8, 1], numClasses: 4, seed: 3 });
    await trainModel(teacher, bands(200, 1), { epochs: 5, batchSize: 25, optimizer: { kind: 'adam', learningRate: 0.02 }, progress: false });
    const model = buildModel({ type: 'mlp', hidden: [16] }, { inputShape: [8, 8, 1], numClasses: 4, seed: 1 });
    await createDistiller({ teacher: layersModelTeacher(teacher), student: model, loss: { key: 'distillation', options: { temperature: 4, hardWeight: 0.1 } } }).fit(
      bands(200, 4).withoutClasses([3]),
      { epochs: 5, batchSize: 25, optimizer: { kind: 'adam', learningRate: 0.02 }, progress: false },
    );
    teacher.dispose();
    const validation = bands(80, 2);
    const choice = tuneClassBias(model, validation, 3);
    // Measured: 20 errors (every 3 missed) before, 3 after an offset of 3.25, on cpu and wasm.
    expect(choice.errorsBefore).toBeGreaterThanOrEqual(15);
    expect(choice.offset).toBeGreaterThan(1);
    expect(choice.errorsAfter).toBeLessThan(choice.errorsBefore / 2);
    expect(evaluate(model, validation, { metrics: ['errorCount'] }).errorCount).toBe(choice.errorsAfter);
    model.dispose();
  });

  it('only chooses with apply: false, and keeps offset 0 when nothing beats it', async () => {
    const model = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [8, 8, 1], numClasses: 4, seed: 2 });
    const before = tf.tidy(() => Array.from(model.getWeights().at(-1)!.dataSync()));
    const choice = tuneClassBias(model, bands(40, 3), 0, { apply: false, offsets: [0, -100] });
    expect(tf.tidy(() => Array.from(model.getWeights().at(-1)!.dataSync()))).toEqual(before);
    expect(choice.offset).toBe(0);
    expect(choice.errorsAfter).toBe(choice.errorsBefore);
    expect(() => tuneClassBias(model, bands(4, 3), 4)).toThrow(/'classIndex' passed to 'tuneClassBias' must be an integer in \[0, 4\), got 4/);
    expect(() => tuneClassBias(model, bands(4, 3).unlabeled(), 1)).toThrow(/must be fully labelled/);
    model.dispose();
  });
});
