import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { batches } from '@kd/data';
import type { Batch, Dataset } from '@kd/data';
import { distillationLoss, hardLabelLoss } from '@kd/losses';

/** Options of {@link runDistilSession}; the defaults are what the page runs. */
export interface SessionOptions {
  /** Hidden units of the teacher's two ReLU layers. Default 256. */
  teacherUnits?: number;
  /** Optimizer steps for the teacher, on all of `train`. Default 240. */
  teacherSteps?: number;
  /** Hidden units of each student's single ReLU layer. Default 30 (the paper's smallest net). */
  studentUnits?: number;
  /** Optimizer steps for each student. Default 300. */
  studentSteps?: number;
  /** Labelled examples the students learn from: a seeded, stratified subsample of `train`. Default 1000. */
  transferSize?: number;
  /** Examples per step. Default 100. */
  batchSize?: number;
  /** The distillation temperature T; 2.5 to 4 suits 30-unit nets (paper, section 3). Default 4. */
  temperature?: number;
  /** Weight of the soft term (which already carries T^2). Default 1. */
  softWeight?: number;
  /** Weight of the hard-label term of the distilled student. Default 0.1. */
  hardWeight?: number;
  /** Test accuracy is measured every this many steps (and before the first, and after the last). Default 10. */
  evalEvery?: number;
  /** Seeds the weights and the batch order. Default 0. */
  seed?: number;
}

/** One measurement on a curve. */
export interface Point {
  step: number;
  value: number;
}

/** A model's curves: training loss every step, test accuracy every `evalEvery` steps. */
export interface Curves {
  loss: Point[];
  accuracy: Point[];
}

/** Where the session is, handed to `onProgress` after every step (the same object, updated). */
export interface SessionProgress {
  phase: 'teacher' | 'students' | 'done';
  /** Layer widths, input to output, e.g. `[784, 256, 256, 10]`. */
  teacherLayers: readonly number[];
  studentLayers: readonly number[];
  teacherSteps: number;
  studentSteps: number;
  temperature: number;
  hardWeight: number;
  /** Labelled examples the students learn from. */
  transferSize: number;
  /** Test digits the accuracies are measured on. */
  testSize: number;
  teacher: Curves;
  /** The student trained on the teacher's soft targets (and, lightly weighted, the labels). */
  distilled: Curves;
  /** The same student, same initial weights and batches, trained on the labels only. */
  labelsOnly: Curves;
}

/** Hooks of {@link runDistilSession}. */
export interface SessionHooks {
  /** Called after every step and every measurement. */
  onProgress?: (progress: SessionProgress) => void;
  /** Awaited after every step: the page lets the browser draw here. Default: nothing. */
  pause?: () => Promise<void>;
}

const DEFAULTS: Required<SessionOptions> = {
  teacherUnits: 256,
  teacherSteps: 240,
  studentUnits: 30,
  studentSteps: 300,
  transferSize: 1000,
  batchSize: 100,
  temperature: 4,
  softWeight: 1,
  hardWeight: 0.1,
  evalEvery: 10,
  seed: 0,
};

/**
 * Trains a teacher MLP on `train`, then two identical small students side by side on a small
 * labelled transfer set: one distilled from the teacher at temperature T (Hinton et al. 2015), one
 * on the labels only. Reports test accuracy on `test` as it goes. Every tensor it creates is
 * disposed before it returns.
 */
export async function runDistilSession(
  data: { train: Dataset; test: Dataset },
  options: SessionOptions = {},
  hooks: SessionHooks = {},
): Promise<SessionProgress> {
  const o = { ...DEFAULTS, ...options };
  for (const [key, value] of Object.entries(o)) {
    const ok =
      key === 'seed' ? Number.isSafeInteger(value)
      : key === 'temperature' ? value > 0 && Number.isFinite(value)
      : key.endsWith('Weight') ? value >= 0 && Number.isFinite(value)
      : Number.isInteger(value) && value >= 1;
    if (!ok) throw new Error(`Option '${key}' passed to 'runDistilSession' is out of range, got ${String(value)}`);
  }
  if (o.transferSize > data.train.size) {
    throw new Error(`Option 'transferSize' passed to 'runDistilSession' must be at most the ${data.train.size} training examples, got ${o.transferSize}`);
  }
  const inputSize = data.train.exampleSize;
  const classes = data.train.numClasses;
  const teacherLayers = [inputSize, o.teacherUnits, o.teacherUnits, classes];
  const studentLayers = [inputSize, o.studentUnits, classes];
  const progress: SessionProgress = {
    phase: 'teacher',
    teacherLayers,
    studentLayers,
    teacherSteps: o.teacherSteps,
    studentSteps: o.studentSteps,
    temperature: o.temperature,
    hardWeight: o.hardWeight,
    transferSize: o.transferSize,
    testSize: data.test.size,
    teacher: { loss: [], accuracy: [] },
    distilled: { loss: [], accuracy: [] },
    labelsOnly: { loss: [], accuracy: [] },
  };
  const report = () => hooks.onProgress?.(progress);
  const pause = hooks.pause ?? (async () => {});
  const teacher = mlp(teacherLayers, o.seed);
  // The same seed gives both students the same initial weights: only the loss differs.
  const distilled = mlp(studentLayers, o.seed + 1);
  const labelsOnly = mlp(studentLayers, o.seed + 1);
  // The students take larger steps than the teacher: their curves level off well within 300 steps.
  const optimizers = [tf.train.adam(1e-3), tf.train.adam(3e-3), tf.train.adam(3e-3)] as const;
  const test = data.test.toTensors({ flatten: true }) as { x: Tensor2D; y: Tensor1D };
  const measure = async (model: LayersModel, curves: Curves, step: number) => {
    curves.accuracy.push({ step, value: await accuracy(model, test) });
  };
  try {
    await measure(teacher, progress.teacher, 0);
    report();
    let step = 0;
    for (const batch of endless(data.train, o.batchSize, o.seed)) {
      if (step === o.teacherSteps) break;
      const loss = trainStep(optimizers[0], teacher, () => hardLabelLoss(logits(teacher, batch.x), batch.y!));
      progress.teacher.loss.push({ step: ++step, value: await loss });
      if (step % o.evalEvery === 0 || step === o.teacherSteps) await measure(teacher, progress.teacher, step);
      report();
      await pause();
    }

    progress.phase = 'students';
    await measure(distilled, progress.distilled, 0);
    await measure(labelsOnly, progress.labelsOnly, 0);
    report();
    const transferSet = data.train.subsample({ fraction: o.transferSize / data.train.size, seed: o.seed });
    step = 0;
    for (const batch of endless(transferSet, o.batchSize, o.seed)) {
      if (step === o.studentSteps) break;
      // The teacher is a constant here: its logits are computed outside the gradient tape.
      const teacherLogits = tf.tidy(() => teacher.predict(batch.x) as Tensor);
      const distilledLoss = trainStep(optimizers[1], distilled, () => {
        const { total, soft, hard } = distillationLoss({
          studentLogits: logits(distilled, batch.x),
          teacherLogits,
          labels: batch.y!,
          temperature: o.temperature,
          softWeight: o.softWeight,
          hardWeight: o.hardWeight,
        });
        tf.dispose([soft, hard ?? []]);
        return total;
      });
      teacherLogits.dispose();
      const hardLoss = trainStep(optimizers[2], labelsOnly, () => hardLabelLoss(logits(labelsOnly, batch.x), batch.y!));
      step++;
      progress.distilled.loss.push({ step, value: await distilledLoss });
      progress.labelsOnly.loss.push({ step, value: await hardLoss });
      if (step % o.evalEvery === 0 || step === o.studentSteps) {
        await measure(distilled, progress.distilled, step);
        await measure(labelsOnly, progress.labelsOnly, step);
      }
      report();
      await pause();
    }
    progress.phase = 'done';
    report();
    return progress;
  } finally {
    tf.dispose([test.x, test.y]);
    for (const optimizer of optimizers) optimizer.dispose();
    for (const model of [teacher, distilled, labelsOnly]) model.dispose();
  }
}

/** A ReLU MLP with seeded Glorot weights that outputs logits; `sizes` = input, hidden..., classes. */
function mlp(sizes: readonly number[], seed: number): LayersModel {
  const model = tfl.sequential();
  for (let i = 1; i < sizes.length; i++) {
    model.add(
      tfl.layers.dense({
        units: sizes[i]!,
        activation: i < sizes.length - 1 ? 'relu' : 'linear',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 100 + i }),
        ...(i === 1 ? { inputShape: [sizes[0]!] } : {}),
      }),
    );
  }
  return model;
}

function logits(model: LayersModel, x: Tensor): Tensor {
  return model.apply(x, { training: true }) as Tensor;
}

/**
 * One optimizer step of `model`'s weights on `loss`; resolves to the loss value. The value is read
 * asynchronously so that a GPU backend is not stalled waiting for it.
 */
function trainStep(optimizer: tf.Optimizer, model: LayersModel, loss: () => Scalar): Promise<number> {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const value = optimizer.minimize(loss, true, variables)!;
  return value.data().then((values) => {
    value.dispose();
    return values[0]!;
  });
}

/** Fraction of `test` that `model` classifies right, in batches of 500. */
async function accuracy(model: LayersModel, test: { x: Tensor2D; y: Tensor1D }): Promise<number> {
  const n = test.x.shape[0];
  const correct = tf.tidy(() => {
    const hits: Tensor[] = [];
    for (let start = 0; start < n; start += 500) {
      const size = Math.min(500, n - start);
      const predicted = tf.argMax(model.predict(tf.slice(test.x, [start, 0], [size, -1])) as Tensor, 1);
      hits.push(tf.sum(tf.cast(tf.equal(predicted, tf.slice(test.y, [start], [size])), 'int32')));
    }
    return tf.addN(hits);
  });
  const [count] = await correct.data();
  correct.dispose();
  return count! / n;
}

/** Seeded batches of flattened images, epoch after epoch. */
function* endless(dataset: Dataset, batchSize: number, seed: number): Generator<Batch> {
  for (let epoch = 0; ; epoch++) yield* batches(dataset, { batchSize, seed, epoch, flatten: true });
}
