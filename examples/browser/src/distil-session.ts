import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '@kd/data';
import { layersModelTeacher } from '@kd/ensemble';
import { buildModel, createDistiller, evaluate, trainModel } from '@kd/trainer';
import type { Callback, FitOptions } from '@kd/trainer';

/** Options of {@link runDistilSession}; the defaults are what the page runs. */
export interface SessionOptions {
  /** Hidden units of the teacher's two ReLU layers. Default 256. */
  teacherUnits?: number;
  /** Epochs of the teacher on all of `train`. Default 3. */
  teacherEpochs?: number;
  /** Hidden units of each student's single ReLU layer. Default 30 (the paper's smallest net). */
  studentUnits?: number;
  /** Epochs of each student on the transfer set. Default 30. */
  studentEpochs?: number;
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
  phase: 'teacher' | 'distilled' | 'labelsOnly' | 'done';
  /** Steps of each model's training: the teacher's, and each student's. */
  teacherSteps: number;
  studentSteps: number;
  teacherUnits: number;
  studentUnits: number;
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

const DEFAULTS: Required<SessionOptions> = {
  teacherUnits: 256,
  teacherEpochs: 3,
  studentUnits: 30,
  studentEpochs: 30,
  transferSize: 1000,
  batchSize: 100,
  temperature: 4,
  softWeight: 1,
  hardWeight: 0.1,
  evalEvery: 10,
  seed: 0,
};

/**
 * Trains a teacher MLP on `train` with @kd/trainer, then, on a small labelled transfer set, one
 * student distilled from it at temperature T (Hinton et al. 2015) and its twin (same initial
 * weights and batches) on the labels only. Test accuracy on `test` is measured as they train,
 * from a callback of the trainer's loop. Every tensor it creates is disposed before it returns.
 */
export async function runDistilSession(
  data: { train: Dataset; test: Dataset },
  options: SessionOptions = {},
  onProgress?: (progress: SessionProgress) => void,
): Promise<SessionProgress> {
  const o = { ...DEFAULTS, ...options };
  if (!Number.isInteger(o.transferSize) || o.transferSize < 1 || o.transferSize > data.train.size) {
    throw new Error(`Option 'transferSize' passed to 'runDistilSession' must be an integer in [1, ${data.train.size}], got ${o.transferSize}`);
  }
  if (!Number.isInteger(o.evalEvery) || o.evalEvery < 1) {
    throw new Error(`Option 'evalEvery' passed to 'runDistilSession' must be an integer >= 1, got ${o.evalEvery}`);
  }
  const stepsOf = (size: number, epochs: number) => epochs * Math.ceil(size / o.batchSize);
  const progress: SessionProgress = {
    phase: 'teacher',
    teacherSteps: stepsOf(data.train.size, o.teacherEpochs),
    studentSteps: stepsOf(o.transferSize, o.studentEpochs),
    teacherUnits: o.teacherUnits,
    studentUnits: o.studentUnits,
    temperature: o.temperature,
    hardWeight: o.hardWeight,
    transferSize: o.transferSize,
    testSize: data.test.size,
    teacher: { loss: [], accuracy: [] },
    distilled: { loss: [], accuracy: [] },
    labelsOnly: { loss: [], accuracy: [] },
  };
  const report = () => onProgress?.(progress);
  const accuracy = (model: LayersModel) => evaluate(model, data.test, { metrics: ['accuracy'] }).accuracy!;
  // Draws a model's curves as it trains: its loss every step, its test accuracy every evalEvery.
  const curves = (target: Curves): Callback => ({
    onTrainBegin(context) {
      target.accuracy.push({ step: 0, value: accuracy(context.model) });
      report();
    },
    onBatchEnd({ step, loss }, context) {
      target.loss.push({ step, value: loss.total! });
      if (step % o.evalEvery === 0) target.accuracy.push({ step, value: accuracy(context.model) });
      report();
    },
    onTrainEnd({ steps }, context) {
      if (target.accuracy.at(-1)!.step !== steps) target.accuracy.push({ step: steps, value: accuracy(context.model) });
      report();
    },
  });
  const shape = { inputShape: [...data.train.imageShape], numClasses: data.train.numClasses };
  const teacher = buildModel({ type: 'mlp', hidden: [o.teacherUnits, o.teacherUnits] }, { ...shape, seed: o.seed });
  // The same seed gives both students the same initial weights: only the loss differs.
  const distilled = buildModel({ type: 'mlp', hidden: [o.studentUnits] }, { ...shape, seed: o.seed + 1 });
  const labelsOnly = buildModel({ type: 'mlp', hidden: [o.studentUnits] }, { ...shape, seed: o.seed + 1 });
  const common = (epochs: number, learningRate: number, target: Curves): FitOptions => ({
    epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    optimizer: { kind: 'adam', learningRate },
    progress: false,
    callbacks: [curves(target)],
  });
  try {
    await trainModel(teacher, data.train, common(o.teacherEpochs, 1e-3, progress.teacher));
    const transfer = data.train.subsample({ fraction: o.transferSize / data.train.size, seed: o.seed });
    progress.phase = 'distilled';
    // The students take larger steps than the teacher: their curves level off within the session.
    await createDistiller({
      teacher: layersModelTeacher(teacher),
      student: distilled,
      loss: { key: 'distillation', options: { temperature: o.temperature, softWeight: o.softWeight, hardWeight: o.hardWeight } },
    }).fit(transfer, common(o.studentEpochs, 3e-3, progress.distilled));
    progress.phase = 'labelsOnly';
    await trainModel(labelsOnly, transfer, common(o.studentEpochs, 3e-3, progress.labelsOnly));
    progress.phase = 'done';
    report();
    return progress;
  } finally {
    for (const model of [teacher, distilled, labelsOnly]) model.dispose();
  }
}
