import * as tf from '@tensorflow/tfjs-core';
import { Dataset, batches, createRng, jitter } from '@kd/data';
import { buildTeacherCache, layersModelTeacher, openTeacherCache } from '@kd/ensemble';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import { buildModel, createDistiller, fileSystem, latestCheckpoint, trainModel } from '@kd/trainer';
import type { Architecture } from '@kd/trainer';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, rm } from 'node:fs/promises';
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
    labels[i] = i % 3;
    for (let p = 0; p < 36; p++) {
      const on = Math.floor(Math.floor(p / 6) / 2) === i % 3;
      images[i * 36 + p] = Math.min(1, Math.max(0, (on ? 0.7 : 0.2) + (rng.next() - 0.5) * 0.6));
    }
  }
  return new Dataset({ images, imageShape: [6, 6, 1], labels, numClasses: 3, source: 'blobs' });
}

const student: Architecture = { type: 'mlp', hidden: [8] };
const shape = [6, 6, 1];
const weightsOf = (model: tfl.LayersModel) => tf.tidy(() => model.getWeights().map((w) => Array.from(w.dataSync())));

/** A teacher over fixed logits that turns to NaN from its `nanFrom`-th call on. */
function scriptedTeacher(nanFrom = Infinity): Teacher & { calls: number } {
  const t = {
    numClasses: 3,
    calls: 0,
    logits(x: tf.Tensor): tf.Tensor2D {
      t.calls++;
      return tf.tidy(() => {
        const flat = tf.reshape(x, [x.shape[0]!, 6, 6]);
        const rows = tf.mean(tf.reshape(flat, [x.shape[0]!, 3, 12]), 2);
        return tf.mul(rows, t.calls >= nanFrom ? Number.NaN : 10) as tf.Tensor2D;
      });
    },
    probs(x: tf.Tensor, temperature = 1): tf.Tensor2D {
      return tf.tidy(() => tf.softmax(tf.div(t.logits(x), temperature)) as tf.Tensor2D);
    },
    fingerprint: () => 'scripted',
  };
  return t;
}

/** A loss that is finite (0) while its gradient is not: sqrt at 0. */
function rootLoss({ studentLogits }: { studentLogits?: tf.Tensor }) {
  const total = tf.sum(tf.sqrt(tf.mul(tf.abs(studentLogits!), 0))) as tf.Scalar;
  return { total, terms: { root: tf.clone(total) } };
}

describeBackends('createDistiller', (backend) => {
  const transfer = blobs(90, 11);
  const validation = blobs(30, 12);
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kd-distill-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('changes only the student: the teacher model is bit-identical after fit', async () => {
    const teacherModel = buildModel({ type: 'mlp', hidden: [16], dropout: 0.2 }, { inputShape: shape, numClasses: 3, seed: 1 });
    await trainModel(teacherModel, transfer, { epochs: 2, batchSize: 30, progress: false });
    const before = weightsOf(teacherModel);
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 2 });
    const initial = weightsOf(model);
    const distiller = createDistiller({
      teacher: layersModelTeacher(teacherModel),
      student: model,
      loss: { key: 'distillation', options: { temperature: 4, hardWeight: 0.1 } },
    });
    const result = await distiller.fit(transfer, {
      epochs: 2,
      batchSize: 30,
      optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0.9 },
      validation,
      metrics: ['accuracy', 'agreement'],
      schedules: { temperature: { kind: 'linear', from: 4, to: 2, epochs: 1 } },
      progress: false,
    });
    expect(weightsOf(teacherModel)).toEqual(before);
    expect(weightsOf(model)).not.toEqual(initial);
    const [first, second] = result.history;
    expect(Object.keys(first!.loss).toSorted()).toEqual(['hard', 'soft', 'total']);
    expect(first!.loss.total).toBeCloseTo(first!.loss.soft! + first!.loss.hard!, 5);
    expect([first!.temperature, second!.temperature]).toEqual([4, 2]);
    expect([first!.hardWeight, first!.softWeight]).toEqual([0.1, undefined]);
    expect(second!.validation!.agreement).toBeGreaterThanOrEqual(0);
    teacherModel.dispose();
    model.dispose();
  });

  it('reads cached teacher outputs by example index and augmentation, as the live teacher gave them', async () => {
    const teacher = scriptedTeacher();
    const augment = jitter({ maxShift: 1 });
    const options = { epochs: 2, batchSize: 32, augment, seed: 5, progress: false };
    const path = join(dir, 'teacher.safetensors');
    // What the loop will meet: every epoch's batches, with their augmentation.
    const epochs = [0, 1].map((epoch) => batches(transfer, { batchSize: 32, augment, seed: 5, epoch, flatten: true }));
    await buildTeacherCache(teacher, (function* () {
      for (const epoch of epochs) yield* epoch;
    })(), { path, dataset: transfer });
    const cache = openTeacherCache(path, { teacher, dataset: transfer });
    const run = async (source: Teacher | TeacherCache) => {
      const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 3 });
      await createDistiller({ teacher: source, student: model, loss: { key: 'distillation', options: { temperature: 2 } } }).fit(transfer, options);
      const weights = weightsOf(model);
      model.dispose();
      return weights;
    };
    const live = await run(teacher);
    const callsLive = teacher.calls;
    const cached = await run(cache);
    cache.close();
    expect(teacher.calls).toBe(callsLive);
    cached.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(live[i]![j]!, 5)));
  });

  it('distils on an unlabeled transfer set with the soft term only', async () => {
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 4 });
    const distiller = createDistiller({ teacher: scriptedTeacher(), student: model, loss: { key: 'distillation', options: { temperature: 3 } } });
    const result = await distiller.fit(transfer.unlabeled(), { epochs: 1, batchSize: 45, progress: false });
    expect(Object.keys(result.history[0]!.loss).toSorted()).toEqual(['soft', 'total']);
    const withHard = createDistiller({
      teacher: scriptedTeacher(),
      student: model,
      loss: { key: 'distillation', options: { temperature: 3, hardWeight: 0.5 } },
    });
    await expect(withHard.fit(transfer.unlabeled(), { epochs: 1, progress: false })).rejects.toThrow(
      /'hardWeight' .* must be 0 when no 'labels' are given/,
    );
    model.dispose();
  });

  it('distils on a partly labelled transfer set, the hard term over the labelled examples only', async () => {
    const labels = Int32Array.from(transfer.labels, (label, i) => (i % 3 === 0 ? label : -1));
    const images = new Float32Array(transfer.size * 36);
    for (let i = 0; i < transfer.size; i++) images.set(transfer.image(i), i * 36);
    const partly = new Dataset({ images, imageShape: [6, 6, 1], labels, numClasses: 3 });
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 5 });
    const checkpointDir = join(dir, 'every2');
    const result = await createDistiller({
      teacher: scriptedTeacher(),
      student: model,
      loss: { key: 'distillation', options: { temperature: 2, hardWeight: 0.5 } },
    }).fit(partly, { epochs: 3, batchSize: 30, checkpointDir, checkpointEvery: 2, progress: false });
    const { hard, soft, total } = result.history[0]!.loss;
    expect(hard).toBeGreaterThan(0);
    expect(total).toBeCloseTo(soft! + hard!, 5);
    // Every 2 epochs, and after the last.
    expect(await latestCheckpoint(checkpointDir)).toBe(join(checkpointDir, 'checkpoint-000003'));
    model.dispose();
  });

  it('stops at a NaN loss naming the step, without touching the weights or the last good checkpoint', async () => {
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 6 });
    // One call checks the loss before training, then 3 steps per epoch: call 9 is step 8, the
    // second of epoch 3.
    const distiller = createDistiller({ teacher: scriptedTeacher(9), student: model, loss: { key: 'distillation', options: { temperature: 2 } } });
    const checkpointDir = join(dir, 'ckpt');
    let good: number[][] = [];
    await expect(
      distiller.fit(transfer, {
        epochs: 5,
        batchSize: 30,
        checkpointDir,
        progress: false,
        onEpochEnd: () => {
          good = weightsOf(model);
        },
      }),
    ).rejects.toThrow(
      /'Distiller\.fit': training diverged at step 8 \(epoch 3, batch 2\): the loss term 'total' is NaN; the weights were not updated, and the last good checkpoint is .*checkpoint-000002/,
    );
    const afterFirstStepOfEpoch3 = weightsOf(model);
    expect(afterFirstStepOfEpoch3.flat().every(Number.isFinite)).toBe(true);
    const saved = await tfl.loadLayersModel(fileSystem((await latestCheckpoint(checkpointDir))!));
    expect(weightsOf(saved)).toEqual(good);
    saved.dispose();
    model.dispose();
  });

  it('stops when a gradient is not finite although the loss is', async () => {
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 7 });
    const before = weightsOf(model);
    await expect(createDistiller({ teacher: scriptedTeacher(), student: model, loss: rootLoss }).fit(transfer, { epochs: 1, progress: false })).rejects.toThrow(
      /training diverged at step 1 \(epoch 1, batch 1\): the gradient has a NaN or infinite entry; the weights were not updated$/,
    );
    expect(weightsOf(model)).toEqual(before);
    model.dispose();
  });

  it('rejects mismatched teacher and student, bad teachers and bad schedules', async () => {
    const model = buildModel(student, { inputShape: shape, numClasses: 3 });
    const four = { ...scriptedTeacher(), numClasses: 4 };
    expect(() => createDistiller({ teacher: four, student: model, loss: { key: 'distillation', options: { temperature: 2 } } })).toThrow(
      /'teacher' and 'student' passed to 'createDistiller' must have the same number of classes, got 4 and 3/,
    );
    expect(() => createDistiller({ teacher: {} as Teacher, student: model, loss: { key: 'distillation' } })).toThrow(
      /'teacher' passed to 'createDistiller' must be a Teacher/,
    );
    const distiller = createDistiller({ teacher: scriptedTeacher(), student: model, loss: { key: 'distillation', options: { temperature: 2 } } });
    await expect(
      distiller.fit(transfer, { epochs: 1, schedules: { temperature: { kind: 'step', initial: 1, factor: 0.5, every: 0 } } }),
    ).rejects.toThrow(/options\.schedules\.temperature\.every: expected an integer >= 1, got 0/);
    model.dispose();
  });

  if (backend !== 'cpu') return;

  const run = async (name: string, stopAfter?: number) => {
    const model = buildModel({ type: 'mlp', hidden: [8], dropout: 0.2 }, { inputShape: shape, numClasses: 3, seed: 8 });
    const controller = new AbortController();
    const result = await createDistiller({
      teacher: scriptedTeacher(),
      student: model,
      loss: { key: 'distillation', options: { temperature: 3, hardWeight: 0.2 } },
    }).fit(transfer, {
      epochs: 3,
      batchSize: 20,
      augment: jitter({ maxShift: 1 }),
      schedules: { softWeight: { kind: 'linear', from: 1, to: 0.5, epochs: 2 } },
      checkpointDir: join(dir, name),
      resume: true,
      signal: controller.signal,
      progress: false,
      onEpochEnd: (record) => {
        if (record.epoch + 1 === stopAfter) controller.abort();
      },
    });
    const weights = weightsOf(model);
    model.dispose();
    return { weights, result };
  };

  it('resumes a distillation run to the same weights as an uninterrupted one', async () => {
    const whole = await run('whole');
    expect((await run('split', 1)).result.epochs).toBe(1);
    const resumed = await run('split');
    expect(resumed.result.resumedFromEpoch).toBe(1);
    expect(resumed.weights).toEqual(whole.weights);
  });
});
