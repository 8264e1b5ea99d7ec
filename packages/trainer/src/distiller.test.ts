import * as tf from '@tensorflow/tfjs-core';
import { Dataset, batches, exampleKey, jitter } from '@kd/data';
import { ensemble, functionTeacher, layersModelTeacher } from '@kd/ensemble';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import { buildTeacherCache, openTeacherCache } from '@kd/ensemble/node';
import { fileSystem } from '@kd/core/node';
import { createLoss } from '@kd/losses';
import { buildModel, createDistiller, trainModel } from '@kd/trainer';
import type { Architecture, FitOptions } from '@kd/trainer';
import { checkpoints, latestCheckpoint } from '@kd/trainer/node';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { weightsOf } from '../../../test/weights';

const student: Architecture = { type: 'mlp', hidden: [8] };
const shape = [6, 6, 1];

/** A teacher over fixed logits that turns to NaN from its `nanFrom`-th call on. */
function scriptedTeacher(nanFrom = Infinity): Teacher & { calls: number } {
  const t = {
    kind: 'teacher' as const,
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

/** A teacher without logits that records the temperatures it is asked for. */
function probsOnlyTeacher(asked: number[]): Teacher {
  const live = scriptedTeacher();
  return { kind: 'teacher', numClasses: 3, probs: (x, temperature = 1) => (asked.push(temperature), live.probs(x, temperature)), fingerprint: () => 'probs-only' };
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
    // Every option of the loss in every epoch's record, defaults and schedules included.
    expect([first!.lossOptions, second!.lossOptions]).toEqual([
      { temperature: 4, softWeight: 1, hardWeight: 0.1 },
      { temperature: 2, softWeight: 1, hardWeight: 0.1 },
    ]);
    expect(second!.validation!.agreement).toBeGreaterThanOrEqual(0);
    teacherModel.dispose();
    model.dispose();
  });

  // A fresh student's weights after distilling from `source` at T = 2.
  const distilledWeights = async (source: Teacher | TeacherCache, options: FitOptions) => {
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 3 });
    await createDistiller({ teacher: source, student: model, loss: { key: 'distillation', options: { temperature: 2 } } }).fit(transfer, options);
    const weights = weightsOf(model);
    model.dispose();
    return weights;
  };

  const augment = jitter({ maxShift: 1 });
  it.each([
    // What the loop will meet: every epoch's batches, with their augmentation.
    ['the batches of every epoch it trains', 2, (seed: number) => [1, 2].flatMap((epoch) => [...batches(transfer, { batchSize: 32, augment, seed, epoch, flatten: true, keepTensors: true })])],
    // Every shift of every example once, whatever the epochs.
    ['every variant of each example', 5, () => [...batches(transfer, { batchSize: 64, shuffle: false, augment, everyVariant: true, flatten: true, keepTensors: true })]],
  ])('reads cached teacher outputs by example index and augmentation, as the live teacher gave them, from a cache of %s', async (_, epochs, inputs) => {
    const teacher = scriptedTeacher();
    const seed = 5;
    const path = join(dir, 'teacher.safetensors');
    const cacheBatches = inputs(seed);
    const info = await buildTeacherCache({ teacher, batches: cacheBatches, path, dataset: transfer });
    tf.dispose(cacheBatches.flatMap((b) => [b.x, ...(b.y ? [b.y] : [])]));
    expect(info.size).toBe(new Set(cacheBatches.flatMap((b) => [...b.indices].map((index, k) => exampleKey(index, b.augmentation![k])))).size);
    const cache = openTeacherCache({ path, teacher, dataset: transfer });
    const options = { epochs, batchSize: 32, augment, seed, progress: false };
    const live = await distilledWeights(teacher, options);
    const callsLive = teacher.calls;
    const cached = await distilledWeights(cache, options);
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
      "'Distiller.fit': transferSet: has no labels, but the loss's hardWeight is 0.5 in epoch 1 (it must be 0 without labels)",
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
    }).fit(partly, { epochs: 3, batchSize: 30, progress: false, callbacks: [checkpoints({ dir: checkpointDir, every: 2 })] });
    const { hard, soft, total } = result.history[0]!.loss;
    expect(hard).toBeGreaterThan(0);
    expect(total).toBeCloseTo(soft! + hard!, 5);
    // Every 2 epochs, and after the last; each knows the loss it was trained with, defaults included.
    expect(await latestCheckpoint(checkpointDir)).toBe(join(checkpointDir, 'checkpoint-000003'));
    const state = JSON.parse(await readFile(join(checkpointDir, 'checkpoint-000003', 'state.json'), 'utf8'));
    expect(state.run.loss).toEqual({ key: 'distillation', options: { temperature: 2, softWeight: 1, hardWeight: 0.5 } });
    expect([state.epoch, state.step]).toEqual([3, 9]);
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
        progress: false,
        callbacks: [checkpoints({ dir: checkpointDir }), { onEpochEnd: () => void (good = weightsOf(model)) }],
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
    expect(() => createDistiller({ teacher: { probs: () => tf.zeros([1, 3]), numClasses: 3 } as never, student: model, loss: { key: 'distillation', options: { temperature: 1 } } })).toThrow(
      /'teacher' passed to 'createDistiller' must be a Teacher or a TeacherCache of @kd\/ensemble \(kind 'teacher' or 'teacherCache'\), got object/,
    );
    const distiller = createDistiller({ teacher: scriptedTeacher(), student: model, loss: { key: 'distillation', options: { temperature: 2 } } });
    await expect(
      distiller.fit(transfer, { epochs: 1, schedules: { temperature: { kind: 'step', initial: 1, factor: 0.5, every: 0 } } }),
    ).rejects.toThrow(/options\.schedules\.temperature\.every: expected an integer >= 1, got 0/);
    model.dispose();
  });

  it("asks a teacher without logits for its soft targets at the built loss's temperature, defaults included", async () => {
    const asked: number[] = [];
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 9 });
    const loss = createLoss({ key: 'distillation', options: { temperature: 4 } });
    const distiller = createDistiller({ teacher: probsOnlyTeacher(asked), student: model, loss });
    expect(distiller.loss).toEqual({ key: 'distillation', options: { temperature: 4, softWeight: 1, hardWeight: 0 } });
    const result = await distiller.fit(transfer, { epochs: 1, batchSize: 45, progress: false });
    expect(new Set(asked)).toEqual(new Set([4]));
    expect(result.history[0]!.lossOptions).toEqual({ temperature: 4, softWeight: 1, hardWeight: 0 });
    // A hand-written loss says nothing of itself: with such a teacher it must be given a temperature.
    const bare = createDistiller({ teacher: probsOnlyTeacher([]), student: model, loss: (inputs) => loss(inputs) });
    await expect(bare.fit(transfer, { epochs: 1, progress: false })).rejects.toThrow(/this loss does not say its temperature: give a built loss \(createLoss\) or a schedules\.temperature/);
    model.dispose();
  });

  it('refuses a cache built on other inputs, naming both fingerprints, and serves the same images unlabeled', async () => {
    const teacher = scriptedTeacher();
    const path = join(dir, 'teacher.safetensors');
    await buildTeacherCache({ teacher, batches: batches(transfer, { batchSize: 30, shuffle: false }), path, dataset: transfer });
    const cache = openTeacherCache({ path, teacher, dataset: transfer });
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 10 });
    const before = weightsOf(model);
    const distiller = createDistiller({ teacher: cache, student: model, loss: { key: 'distillation', options: { temperature: 2 } } });
    const reordered = transfer.subset(Array.from({ length: transfer.size }, (_, i) => transfer.size - 1 - i));
    await expect(distiller.fit(reordered, { epochs: 1, progress: false })).rejects.toThrow(
      `'Distiller.fit': teacher: the TeacherCache ${path} was built on a data set with inputs fingerprint ${transfer.inputsFingerprint()}, but the transfer set being fitted has inputs fingerprint ${reordered.inputsFingerprint()}: its outputs belong to other examples`,
    );
    expect(weightsOf(model)).toEqual(before);
    const unlabeled = await distiller.fit(transfer.unlabeled(), { epochs: 1, batchSize: 45, progress: false });
    expect(unlabeled.epochs).toBe(1);
    cache.close();
    model.dispose();
  });

  it('checks every combination before the first step: no epoch runs, no checkpoint is written', async () => {
    const teacher = scriptedTeacher();
    const mean = ensemble([functionTeacher((x) => teacher.logits!(x), { numClasses: 3, id: 'a' }), functionTeacher((x) => tf.neg(teacher.logits!(x)), { numClasses: 3, id: 'b' })]);
    const probsPath = join(dir, 'probs.safetensors');
    await buildTeacherCache({ teacher: mean, batches: batches(transfer, { batchSize: 30, shuffle: false }), path: probsPath, dataset: transfer, temperature: 3 });
    const probsCache = openTeacherCache({ path: probsPath, teacher: mean, dataset: transfer });
    const logitsPath = join(dir, 'logits.safetensors');
    await buildTeacherCache({ teacher, batches: batches(transfer, { batchSize: 30, seed: 2, epoch: 1, augment }), path: logitsPath, dataset: transfer });
    const logitsCache = openTeacherCache({ path: logitsPath, teacher, dataset: transfer });
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 11 });
    const before = weightsOf(model);
    const checkpointDir = join(dir, 'never');
    const fit = (source: Teacher | TeacherCache, loss: Parameters<typeof createDistiller>[0]['loss'], options: Parameters<ReturnType<typeof createDistiller>['fit']>[1], data = transfer) =>
      createDistiller({ teacher: source, student: model, loss }).fit(data, { progress: false, ...options, callbacks: [checkpoints({ dir: checkpointDir })] });
    const distillation = { key: 'distillation', options: { temperature: 3, hardWeight: 0.1 } } as const;
    await expect(fit(probsCache, distillation, { epochs: 2, validation, metrics: ['agreement'] })).rejects.toThrow(
      /options\.metrics: 'agreement' compares the model with a teacher on the validation set; a TeacherCache holds outputs for the transfer set only/,
    );
    await expect(fit(probsCache, distillation, { epochs: 3, schedules: { temperature: { kind: 'linear', from: 3, to: 5, epochs: 2 } } })).rejects.toThrow(
      `teacher: the TeacherCache ${probsPath} holds probabilities at temperature 3 only, but epoch 2 trains at temperature 4`,
    );
    await expect(fit(teacher, distillation, { epochs: 3, schedules: { hardWeight: { kind: 'linear', from: 0.5, to: -0.5, epochs: 2 } } })).rejects.toThrow(
      'options.schedules.hardWeight: must stay >= 0 in every epoch, got -0.5 in epoch 3',
    );
    await expect(fit(teacher, distillation, { epochs: 4, schedules: { temperature: { kind: 'exponential', initial: 20, decay: 10 } } })).rejects.toThrow(
      'options.schedules.temperature: must stay in (0, 1000] in every epoch, got 2000 in epoch 3',
    );
    await expect(fit(teacher, distillation, { epochs: 2, optimizer: { kind: 'adam', learningRate: { kind: 'linear', from: 0.01, to: -0.01, epochs: 1 } } })).rejects.toThrow(
      'options.optimizer.learningRate: must stay >= 0 in every epoch, got -0.01 in epoch 2',
    );
    await expect(fit(teacher, distillation, { epochs: 1 }, transfer.withoutClasses([0, 1, 2]))).rejects.toThrow(/^'Distiller\.fit': transferSet: has no examples \(.*\)$/);
    await expect(fit(teacher, distillation, { epochs: 1, validation: validation.withoutClasses([0, 1, 2]) })).rejects.toThrow(/options\.validation: has no examples/);
    await expect(fit(teacher, distillation, { epochs: 1, schedules: { nckdWeight: 8 } })).rejects.toThrow(
      "options.schedules.nckdWeight: loss 'distillation' has no option 'nckdWeight' (its numeric options: temperature, softWeight, hardWeight)",
    );
    await expect(fit(logitsCache, distillation, { epochs: 2, seed: 2, batchSize: 30, augment })).rejects.toThrow(
      new RegExp(`teacher: the TeacherCache ${logitsPath} has no output for example '\\d+\\|dx=-?\\d,dy=-?\\d' of epoch 2 \\(with augmentation, build it from the batches of every epoch you train`),
    );
    const partly = transfer.withLabels({ labels: Int32Array.from(transfer.labels, (label, i) => (i === 4 ? -1 : label)) });
    await expect(createDistiller({ teacher, student: model, loss: { key: 'decoupledKd', options: { temperature: 2 } } }).fit(partly, { epochs: 1, progress: false })).rejects.toThrow(
      "transferSet: loss 'decoupledKd' needs a label for every example, but example 4 has none",
    );
    expect(() => createDistiller({ teacher: mean, student: model, loss: { key: 'decoupledKd', options: { temperature: 2 } } })).toThrow(
      "Argument 'loss' passed to 'createDistiller' is 'decoupledKd', which needs teacher logits; the teacher gives probabilities only (an arithmetic ensemble)",
    );
    expect(() => createDistiller({ teacher, student: model, loss: { key: 'hint' } })).toThrow(/'hint', which needs student and teacher features; a distiller feeds logits/);
    expect(weightsOf(model)).toEqual(before);
    expect(await latestCheckpoint(checkpointDir)).toBeUndefined();
    probsCache.close();
    logitsCache.close();
    model.dispose();
  });

  it('takes images for a student built for them and for a teacher of flat inputs alike', async () => {
    const flatTeacher = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [36], units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) })] });
    const model = buildModel(student, { inputShape: shape, numClasses: 3, seed: 12 });
    const result = await createDistiller({ teacher: layersModelTeacher(flatTeacher), student: model, loss: { key: 'distillation', options: { temperature: 2 } } }).fit(transfer, {
      epochs: 1,
      batchSize: 45,
      validation,
      metrics: ['agreement'],
      progress: false,
    });
    expect(result.history[0]!.validation!.agreement).toBeGreaterThanOrEqual(0);
    flatTeacher.dispose();
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
      signal: controller.signal,
      progress: false,
      callbacks: [checkpoints({ dir: join(dir, name), resume: 'auto' }), { onEpochEnd: (record) => void (record.epoch === stopAfter && controller.abort()) }],
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
