import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Dataset, batches } from '@kd/data';
import { computeMetrics } from './metrics';
import type { MetricName } from './metrics';

/** Options of {@link evaluate} and {@link predictLogits}. */
export interface EvaluateOptions {
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
  /** Default `['accuracy', 'errorCount', 'nll']`. */
  metrics?: readonly MetricName[];
  /**
   * For `agreement`: the teacher's scores for a batch (logits or probabilities: only their top-1
   * class is used). The caller owns the function; its results are disposed here.
   */
  teacher?: (x: Tensor) => Tensor;
}

/** Whether a model takes flat inputs `[batch, features]` (an MLP) rather than images. */
export function takesFlatInput(model: LayersModel): boolean {
  return model.inputs[0]!.shape.length === 2;
}

/**
 * The model's logits `[n, classes]` for every example of `dataset`, in order, in inference mode
 * (dropout off). The caller disposes the result.
 */
export function predictLogits(model: LayersModel, dataset: Dataset, options: { batchSize?: number } = {}): Tensor {
  return runBatches(dataset, options.batchSize ?? 256, takesFlatInput(model), (x) => model.predict(x) as Tensor);
}

function runBatches(dataset: Dataset, batchSize: number, flatten: boolean, forward: (x: Tensor) => Tensor): Tensor {
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

/**
 * The model's metrics on a fully labelled data set, at temperature 1, in inference mode.
 */
export function evaluate(model: LayersModel, dataset: Dataset, options: EvaluateOptions = {}): Record<string, number> {
  if (!(dataset instanceof Dataset)) {
    throw new TypeError(`Argument 'dataset' passed to 'evaluate' must be a Dataset, got ${typeof dataset}`);
  }
  const unlabeled = dataset.labels.indexOf(-1);
  if (unlabeled >= 0) {
    throw new Error(`Argument 'dataset' passed to 'evaluate' must be fully labelled, got no label for example ${unlabeled}`);
  }
  const batchSize = options.batchSize ?? 256;
  const names = options.metrics ?? ['accuracy', 'errorCount', 'nll'];
  const flatten = takesFlatInput(model);
  const logits = runBatches(dataset, batchSize, flatten, (x) => model.predict(x) as Tensor);
  const labels = tf.tensor1d(dataset.labels, 'int32');
  const teacherLogits = names.includes('agreement') && options.teacher ? runBatches(dataset, batchSize, flatten, options.teacher) : undefined;
  try {
    return computeMetrics({ logits, labels, ...(teacherLogits ? { teacherLogits } : {}) }, names);
  } finally {
    tf.dispose([logits, labels, ...(teacherLogits ? [teacherLogits] : [])]);
  }
}
