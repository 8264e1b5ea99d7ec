import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { batches, jitter } from '@kd/data';
import type { Dataset } from '@kd/data';
import { buildTeacherCache, openTeacherCache } from '@kd/ensemble/node';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import { fileSystem, modelFileNames } from '@kd/core/node';
import { buildModel, createDistiller, evaluate, predictLogits, trainModel } from '@kd/trainer';
import type { Architecture, EpochRecord, FitOptions, FitResult } from '@kd/trainer';

/** What the examples vary between training runs; everything else is fixed (Adam, lr 0.001, batch 128). */
export interface RunOptions {
  epochs: number;
  seed: number;
  /** Evaluated after every epoch, for the learning curves. Default none. */
  validation?: Dataset;
  /** Progress bars on a terminal, and one line per epoch on stdout. */
  progress: boolean;
  /** Names the model in the per-epoch lines. */
  label?: string;
  /** Adam's learning rate. Default 0.001. */
  learningRate?: number;
}

/** A trained model, its training history and how long it took. */
export interface Trained {
  model: LayersModel;
  /** Null for a model loaded from an earlier run (see {@link paperTeacherFor}). */
  fit: FitResult | null;
  seconds: number;
}

function fitOptions(options: RunOptions): FitOptions {
  const validation = options.validation;
  const errors = (r: EpochRecord) => (validation ? `, ${r.validation!.errorCount} validation errors / ${validation.size}` : '');
  return {
    epochs: options.epochs,
    seed: options.seed,
    ...(validation ? { validation, metrics: ['accuracy', 'errorCount'] as const } : {}),
    progress: options.progress,
    batchSize: 128,
    optimizer: { kind: 'adam', learningRate: options.learningRate ?? 0.001 },
    ...(options.progress
      ? {
          callbacks: [
            {
              onEpochEnd: (r: EpochRecord) =>
                console.log(`  ${options.label ?? 'model'} epoch ${r.epoch}/${options.epochs}: loss ${r.loss.total!.toFixed(4)}${errors(r)} (${r.seconds.toFixed(1)} s)`),
            },
          ],
        }
      : {}),
  };
}

function inputShape(data: Dataset): number[] {
  return [...data.imageShape];
}

/**
 * Trains a model on hard labels. `jitterPixels` > 0 shifts each training image by up to that many
 * pixels (the paper's teacher used 2); the student baselines use none.
 */
export async function trainOnLabels(spec: Architecture, data: Dataset, options: RunOptions & { jitterPixels?: number; modelSeed?: number }): Promise<Trained> {
  return trainModelOnLabels(buildModel(spec, { inputShape: inputShape(data), numClasses: data.numClasses, seed: options.modelSeed ?? options.seed }), data, options);
}

/** {@link trainOnLabels} for a model that already exists (a specialist initialised from its generalist). */
export async function trainModelOnLabels(model: LayersModel, data: Dataset, options: RunOptions & { jitterPixels?: number }): Promise<Trained> {
  const started = performance.now();
  const fit = await trainModel(model, data, {
    ...fitOptions(options),
    ...(options.jitterPixels ? { augment: jitter({ maxShift: options.jitterPixels }) } : {}),
  });
  return { model, fit, seconds: (performance.now() - started) / 1000 };
}

/** The distillation loss's settings. */
export interface DistillSettings {
  temperature: number;
  softWeight: number;
  hardWeight: number;
}

/** Distils a fresh `spec` student from `teacher` (a frozen teacher or a cache of its outputs) on `transfer`. */
export async function distilStudent(
  teacher: Teacher | TeacherCache,
  spec: Architecture,
  transfer: Dataset,
  settings: DistillSettings,
  options: RunOptions & { modelSeed?: number },
): Promise<Trained> {
  const started = performance.now();
  const student = buildModel(spec, { inputShape: inputShape(transfer), numClasses: transfer.numClasses, seed: options.modelSeed ?? options.seed });
  const fit = await createDistiller({
    teacher,
    student,
    loss: { key: 'distillation', options: { ...settings } },
  }).fit(transfer, fitOptions(options));
  return { model: student, fit, seconds: (performance.now() - started) / 1000 };
}

/**
 * Runs `body` with a cache of `teacher`'s logits on `transfer` (un-augmented, as the students see
 * it): each distillation then reads the teacher's outputs instead of running the teacher every
 * step. A teacher without logits (an arithmetic-mean ensemble) is cached as its soft targets at
 * `temperature`, the only temperature the cache then serves. The cache file lives in the
 * temporary folder and is removed afterwards.
 */
export async function withTeacherCache<T>(teacher: Teacher, transfer: Dataset, body: (cache: TeacherCache) => Promise<T>, temperature?: number): Promise<T> {
  const path = join(tmpdir(), `kd-examples-teacher-${process.pid}-${Date.now()}.safetensors`);
  const probsAt = typeof teacher.logits === 'function' || temperature === undefined ? {} : { temperature };
  await buildTeacherCache({ teacher, batches: batches(transfer, { batchSize: 512, shuffle: false }), path, dataset: transfer, ...probsAt });
  const cache = openTeacherCache({ path, teacher, dataset: transfer });
  try {
    return await body(cache);
  } finally {
    cache.close();
    rmSync(path, { force: true });
  }
}

/** Test or validation errors of `model` on `data`, at T = 1, dropout off. */
export function errorCount(model: LayersModel, data: Dataset): number {
  return evaluate(model, data, { metrics: ['errorCount'] }).errorCount!;
}

/** Validation errors after each epoch, as `[epoch, errors]` points for a line chart (empty without validation or history). */
export function validationErrorCurve(fit: FitResult | null): Array<[number, number]> {
  if (fit === null) return [];
  return fit.history.filter((r) => r.validation).map((record) => [record.epoch, record.validation!.errorCount!]);
}

/**
 * The model's probabilities at T = 1 for every example of `data`, in order, as a plain array
 * (rows of `numClasses`), for the combinations and statistics the examples compute.
 */
export function predictProbs(model: LayersModel, data: Dataset): Float32Array {
  return tf.tidy(() => tf.softmax(predictLogits(model, data)).dataSync() as Float32Array);
}

/**
 * The paper's teacher for a seed, trained on `train` with up to `jitterPixels` of jitter (the
 * paper: 2), or loaded from the copy an earlier run saved in `<os.tmpdir()>/kd-examples-teachers/`:
 * mnist-distill, omitted-class and temperature-sweep train the same teacher (same data, seed,
 * architecture, jitter and epochs), and it is the longest training of each. The folder name holds everything the weights depend on. Quick
 * runs always train.
 */
export async function paperTeacherFor(spec: Architecture, train: Dataset, options: RunOptions & { quick: boolean; jitterPixels: number }): Promise<Trained & { loaded: boolean }> {
  const key = [train.fingerprint(), JSON.stringify(spec).replace(/[^a-z0-9.]+/gi, '_'), `jitter${options.jitterPixels}-e${options.epochs}-lr${options.learningRate ?? 0.001}-seed${options.seed}`].join('-');
  const dir = join(tmpdir(), 'kd-examples-teachers', key);
  if (!options.quick && existsSync(join(dir, modelFileNames.modelJson))) {
    const started = performance.now();
    const model = await loadLayersModel(fileSystem(dir));
    console.log(`  ${options.label ?? 'teacher'}: loaded the one an earlier run trained, from ${dir}`);
    return { model, fit: null, seconds: (performance.now() - started) / 1000, loaded: true };
  }
  const trained = await trainOnLabels(spec, train, options);
  if (!options.quick) await trained.model.save(fileSystem(dir));
  return { ...trained, loaded: false };
}
