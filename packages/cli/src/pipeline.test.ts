// The pipeline a new user writes from the READMEs alone: two teachers, their ensemble, its outputs
// cached, a student distilled from the cache, stopped, resumed and evaluated; and the mistakes a
// newcomer makes on the way, each of which must fail before training with an Error that names the
// user's argument, never a TensorFlow.js internal.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batches, loadMnistDigits } from '@kd/data';
import type { Dataset } from '@kd/data';
import { ensemble, layersModelTeacher } from '@kd/ensemble';
import { buildTeacherCache, openTeacherCache } from '@kd/ensemble/node';
import { buildModel, createDistiller, evaluate, trainModel } from '@kd/trainer';
import type { DistillOptions } from '@kd/trainer';
import { checkpoints } from '@kd/trainer/node';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { tempDirEach } from '../../../test/temp-dir';
import { weightsOf } from '../../../test/weights';

// What a tfjs internal looks like in a message: layer names, its shape checks, its op names.
const tfjsInternals = /dense_Dense|conv2d_Conv2D|Error when checking|expected .* to have shape|Incompatible shapes|matMul|Operands could not be broadcast/i;

async function expectOwnError(promise: Promise<unknown> | (() => unknown), message: RegExp | string): Promise<void> {
  let error: Error | undefined;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (caught) {
    error = caught as Error;
  }
  expect(error, 'an Error').toBeInstanceOf(Error);
  expect(error!.message).not.toMatch(tfjsInternals);
  expect(error!.message).toMatch(typeof message === 'string' ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : message);
}

// Bit-identical resumption is promised on cpu.
describe.runIf(testBackends.includes('cpu'))('a new user\'s pipeline, from the READMEs [cpu]', () => {
  const folder = tempDirEach('kd-pipeline-');
  let train: Dataset;
  let test: Dataset;
  beforeAll(async () => {
    await activateBackend('cpu');
    const digits = await loadMnistDigits({ seed: 0 });
    train = digits.train.subsample({ fraction: 600 / digits.train.size, seed: 1 });
    test = digits.test.subsample({ fraction: 300 / digits.test.size, seed: 2 });
  });

  it('trains two teachers, caches their ensemble, distils, stops, resumes and evaluates', async () => {
    const dir = folder();
    const shape = { inputShape: [28, 28, 1], numClasses: 10 };
    const teachers = [1, 2].map((seed) => buildModel({ type: 'mlp', hidden: [48] }, { ...shape, seed }));
    for (const model of teachers) await trainModel(model, train, { epochs: 2, batchSize: 50, optimizer: { kind: 'adam', learningRate: 0.003 }, progress: false });
    const mean = ensemble(teachers.map((model) => layersModelTeacher(model)), { combine: 'arithmetic' });
    const path = join(dir, 'teacher.safetensors');
    await buildTeacherCache({ teacher: mean, batches: batches(train, { batchSize: 100, shuffle: false }), path, dataset: train, temperature: 4 });
    const cache = openTeacherCache({ path, teacher: mean, dataset: train });
    const loss = { key: 'distillation', options: { temperature: 4, hardWeight: 0.1 } } as const;
    const options: DistillOptions = { epochs: 3, batchSize: 50, optimizer: { kind: 'adam', learningRate: 0.003 }, progress: false };

    const whole = buildModel({ type: 'mlp', hidden: [16] }, { ...shape, seed: 3 });
    await createDistiller({ teacher: cache, student: whole, loss }).fit(train, options);

    const controller = new AbortController();
    const stopped = buildModel({ type: 'mlp', hidden: [16] }, { ...shape, seed: 3 });
    const first = await createDistiller({ teacher: cache, student: stopped, loss }).fit(train, {
      ...options,
      signal: controller.signal,
      callbacks: [checkpoints({ dir: join(dir, 'run') }), { onEpochEnd: (record) => void (record.epoch === 1 && controller.abort()) }],
    });
    expect(first.stopReason).toBe('aborted');
    const student = buildModel({ type: 'mlp', hidden: [16] }, { ...shape, seed: 99 });
    const resumed = await createDistiller({ teacher: cache, student, loss }).fit(train, {
      ...options,
      callbacks: [checkpoints({ dir: join(dir, 'run'), resume: true })],
    });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history.map((record) => record.epoch)).toEqual([2, 3]);
    expect(weightsOf(student)).toEqual(weightsOf(whole));

    const studentScore = evaluate(student, test, { metrics: ['accuracy', 'agreement'], teacher: mean });
    const ensembleScore = evaluate(mean, test, { metrics: ['accuracy'] });
    expect(ensembleScore.accuracy).toBeGreaterThan(0.6);
    expect(studentScore.accuracy).toBeGreaterThan(0.4);
    expect(studentScore.agreement).toBeGreaterThan(0.4);
    cache.close();
    for (const model of [...teachers, whole, stopped, student]) model.dispose();
  });

  it("meets every newcomer's mistake with an Error that names the argument before training", async () => {
    const dir = folder();
    const teacherModel = buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [28, 28, 1], numClasses: 10, seed: 4 });
    const teacher = layersModelTeacher(teacherModel);
    // A model of flat inputs a user built by hand, fed the images batches give: adapted, no error.
    const flat = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [784], units: 10 })] });
    const path = join(dir, 'flat.safetensors');
    await buildTeacherCache({ teacher: layersModelTeacher(flat), batches: batches(train, { batchSize: 100, shuffle: false }), path, dataset: train });
    const cache = openTeacherCache({ path, teacher: layersModelTeacher(flat), dataset: train });
    const student = buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [28, 28, 1], numClasses: 10, seed: 5 });
    const distill = createDistiller({ teacher: cache, student, loss: { key: 'distillation', options: { temperature: 2 } } });

    await expectOwnError(distill.fit(train.subsample({ fraction: 0.5, seed: 1 }), { epochs: 1, progress: false }), /transfer set being fitted has inputs fingerprint/);
    await expectOwnError(distill.fit(train, { epochs: 2, validation: test, metrics: ['agreement'], progress: false }), "options.metrics: 'agreement'");
    await expectOwnError(distill.fit(train, { epochs: 1, progress: false, callbacks: [checkpoints({ dir: join(dir, 'tyop'), resume: true })] }), 'found no folder');
    const wrongShape = buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [32, 32, 3], numClasses: 10 });
    await expectOwnError(trainModel(wrongShape, train, { epochs: 1, progress: false }), "data: holds 28x28x1 images (784 values each), but the model takes [batch, 32, 32, 3]");
    await expectOwnError(() => tf.tidy(() => teacher.probs(tf.zeros([1, 700]))), "Argument 'x' passed to 'layersModelTeacher.probs' must hold 784 values per example");
    await expectOwnError(() => createDistiller({ teacher, student, loss: { key: 'distillation', options: { temprature: 2 } } as never }), "has unknown option(s) 'temprature'");
    await expectOwnError(trainModel(student, train, { epochs: 1, checkpointDir: dir } as never), 'options.checkpointDir: no longer an option');
    cache.close();
    for (const model of [teacherModel, flat, student, wrongShape]) model.dispose();
  });
});
