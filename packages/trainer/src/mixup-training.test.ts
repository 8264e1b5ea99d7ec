import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batches } from '@kd/data';
import { functionTeacher, layersModelTeacher } from '@kd/ensemble';
import { buildTeacherCache, openTeacherCache } from '@kd/ensemble/node';
import { buildModel, createDistiller, evaluate, trainModel } from '@kd/trainer';
import type { FitOptions } from '@kd/trainer';
import { expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { weightsOf } from '../../../test/weights';

// FitOptions.mixup in both training loops: seeded, trains, and the teacher of a distillation
// scores the mixed inputs the student sees (which a cache cannot serve).

const train = blobs(96, 1);
const validation = blobs(60, 2);
const options: FitOptions = { epochs: 6, batchSize: 16, seed: 4, optimizer: { kind: 'adam', learningRate: 0.02 }, mixup: { alpha: 0.4 }, progress: false };
const model = () => buildModel({ type: 'mlp', hidden: [16] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 2 });

describeBackends('training with mixup', (backend) => {
  it(`trains on mixed batches, the same way for the same seed (${backend})`, async () => {
    const [a, b, plain] = [model(), model(), model()];
    await trainModel(a, train, options);
    await trainModel(b, train, options);
    await trainModel(plain, train, { ...options, mixup: undefined });
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(weightsOf(a)).not.toEqual(weightsOf(plain));
    expect(evaluate(a, validation, { metrics: ['accuracy'] }).accuracy).toBeGreaterThan(0.9);
    [a, b, plain].forEach((m) => m.dispose());
  });

  it(`lets the teacher score the mixed inputs (${backend})`, async () => {
    const teacherModel = model();
    await trainModel(teacherModel, train, { ...options, mixup: undefined });
    const originals = new Set(Array.from({ length: train.size }, (_, i) => train.image(i)[0]!.toFixed(6)));
    let seen = 0;
    let mixedInputs = 0;
    const recording = functionTeacher(
      (x) => {
        const first = x.dataSync();
        for (let i = 0; i < x.shape[0]!; i++) if (!originals.has(first[i * 36]!.toFixed(6))) mixedInputs++;
        seen += x.shape[0]!;
        return layersModelTeacher(teacherModel).logits!(x);
      },
      { numClasses: 3, id: 'recording' },
    );
    const student = model();
    await createDistiller({ teacher: recording, student, loss: { key: 'distillation', options: { temperature: 2 } } }).fit(train.unlabeled(), { ...options, epochs: 2 });
    expect(seen).toBeGreaterThanOrEqual(2 * train.size);
    expect(mixedInputs).toBeGreaterThan(seen / 2);
    teacherModel.dispose();
    student.dispose();
  });
});

it('refuses a TeacherCache with mixup before the first step, and a bad alpha', async () => {
  await tf.setBackend('cpu');
  const dir = await mkdtemp(join(tmpdir(), 'kd-mixup-'));
  const teacherModel = model();
  const student = model();
  try {
    const teacher = layersModelTeacher(teacherModel);
    const path = join(dir, 'cache.safetensors');
    await buildTeacherCache({ teacher, batches: batches(train, { batchSize: 32, shuffle: false }), path, dataset: train });
    const cache = openTeacherCache({ path, teacher, dataset: train });
    await expect(createDistiller({ teacher: cache, student, loss: { key: 'distillation', options: { temperature: 2 } } }).fit(train, options)).rejects.toThrow(
      `options.mixup: makes new inputs every step, which the TeacherCache ${path} holds no outputs for`,
    );
    cache.close();
    await expect(trainModel(student, train, { ...options, mixup: { alpha: -1 } })).rejects.toThrow('options.mixup.alpha: expected a finite number > 0, got -1');
  } finally {
    teacherModel.dispose();
    student.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
