import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Dataset, batches } from '@kd/data';
import type { Teacher } from '@kd/ensemble';
import { describeValue } from '@kd/core';
import { computeMetrics } from './metrics';
import type { MetricName } from './metrics';

/**
 * Anything that scores a batch of images: a tfjs `LayersModel` that outputs logits (a student, one
 * model), a `Teacher` of `@kd/ensemble` (one model, an ensemble; one without logits is scored by
 * its log-probabilities at T = 1, which give the same top-1 class, likelihood and calibration), or a
 * function from images `[batch, height, width, channels]` to logits `[batch, classes]`.
 */
export type Scorer = LayersModel | Teacher | ((x: Tensor) => Tensor);

/** Options of {@link evaluate} and {@link predictLogits}. */
export interface EvaluateOptions {
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
  /** Default `['accuracy', 'errorCount', 'nll']`. */
  metrics?: readonly MetricName[];
  /** For `agreement`: the teacher (any {@link Scorer}) whose top-1 classes are compared. */
  teacher?: Scorer;
}

/** Whether a model takes flat inputs `[batch, features]` rather than images. */
export function takesFlatInput(model: LayersModel): boolean {
  return model.inputs[0]!.shape.length === 2;
}

// Probabilities are floored before their log: an underflowed 0 would make an infinite logit.
const PROB_FLOOR = 1e-30;

/** How a {@link Scorer} runs: its forward pass to logits and the input layout it takes. */
export function scorerForward(fn: string, arg: string, scorer: Scorer): { forward: (x: Tensor) => Tensor; flatten: boolean } {
  if (typeof scorer === 'function') return { forward: scorer, flatten: false };
  if (scorer !== null && typeof scorer === 'object') {
    if ((scorer as Teacher).kind === 'teacher') {
      const teacher = scorer as Teacher;
      return {
        forward: (x) => (teacher.logits ? teacher.logits(x) : tf.log(tf.maximum(teacher.probs(x, 1), PROB_FLOOR))),
        flatten: false,
      };
    }
    if (typeof (scorer as LayersModel).predict === 'function' && Array.isArray((scorer as LayersModel).inputs)) {
      const model = scorer as LayersModel;
      return { forward: (x) => model.predict(x) as Tensor, flatten: takesFlatInput(model) };
    }
    if ((scorer as { kind?: unknown }).kind === 'teacherCache') {
      throw new TypeError(
        `Argument '${arg}' passed to '${fn}' must run on inputs; a TeacherCache holds outputs for its own transfer set only (score the teacher it was built from)`,
      );
    }
  }
  throw new TypeError(
    `Argument '${arg}' passed to '${fn}' must be a tfjs LayersModel, a Teacher or a function from images to logits, got ${describeValue(scorer)}`,
  );
}

/**
 * The logits `[n, classes]` of `scorer` (any {@link Scorer}) for every example of `dataset`, in
 * order, in inference mode (dropout off). The caller disposes the result.
 */
export function predictLogits(scorer: Scorer, dataset: Dataset, options: { batchSize?: number } = {}): Tensor {
  const fn = 'predictLogits';
  checkDataset(fn, dataset);
  return runBatches(dataset, options.batchSize ?? 256, scorerForward(fn, 'scorer', scorer));
}

function runBatches(dataset: Dataset, batchSize: number, { forward, flatten }: ReturnType<typeof scorerForward>): Tensor {
  const parts: Tensor[] = [];
  try {
    for (const batch of batches(dataset, { batchSize, shuffle: false, flatten })) {
      parts.push(tf.tidy(() => forward(batch.x)));
    }
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  } finally {
    if (parts.length > 1) tf.dispose(parts);
  }
}

function checkDataset(fn: string, dataset: unknown): asserts dataset is Dataset {
  if (!(dataset instanceof Dataset)) {
    throw new TypeError(`Argument 'dataset' passed to '${fn}' must be a Dataset, got ${describeValue(dataset)}`);
  }
}

/**
 * The metrics of `scorer` (a model, a teacher or ensemble, or a logits function: any
 * {@link Scorer}) on a fully labelled data set, at temperature 1, in inference mode.
 */
export function evaluate(scorer: Scorer, dataset: Dataset, options: EvaluateOptions = {}): Record<string, number> {
  const fn = 'evaluate';
  checkDataset(fn, dataset);
  const unlabeled = dataset.labels.indexOf(-1);
  if (unlabeled >= 0) {
    throw new Error(`Argument 'dataset' passed to '${fn}' must be fully labelled, got no label for example ${unlabeled}`);
  }
  const batchSize = options.batchSize ?? 256;
  const names = options.metrics ?? ['accuracy', 'errorCount', 'nll'];
  const student = scorerForward(fn, 'scorer', scorer);
  const teacher = options.teacher === undefined ? undefined : scorerForward(fn, 'options.teacher', options.teacher);
  if (names.includes('agreement') && teacher === undefined) {
    throw new Error(`Metric 'agreement' passed to '${fn}' needs options.teacher, got none`);
  }
  const logits = runBatches(dataset, batchSize, student);
  const labels = tf.tensor1d(dataset.labels, 'int32');
  const teacherLogits = names.includes('agreement') && teacher ? runBatches(dataset, batchSize, teacher) : undefined;
  try {
    return computeMetrics({ logits, labels, ...(teacherLogits ? { teacherLogits } : {}) }, names);
  } finally {
    tf.dispose([logits, labels, ...(teacherLogits ? [teacherLogits] : [])]);
  }
}
