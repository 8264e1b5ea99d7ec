import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { assertTensor, describeValue } from '@kd/core';
import { assertLogits } from './validate';

/** Arguments of {@link hardLabelLoss}. */
export interface HardLabelLossArgs {
  /** float32 `[batch, classes]`: the logits being trained. */
  studentLogits: Tensor;
  /**
   * int32 class ids `[batch]` (`-1` = no label) or float32 rows `[batch, classes]`, one-hot or
   * soft (an all-zero row = no label).
   */
  labels: Tensor;
}

/**
 * Cross-entropy of the student at T = 1 with the true labels: the paper's hard term.
 *
 * The loss is summed over classes and averaged over the *labelled* examples only, so a partly
 * labelled transfer set weighs each labelled example the same whatever the batch holds. A batch
 * with no labelled example gives 0 (still connected to `studentLogits`, so `tf.grad` works).
 * The labels are read back synchronously to check them (class ids in range, rows that sum to 1).
 */
export function hardLabelLoss(args: HardLabelLossArgs): Scalar {
  const fn = 'hardLabelLoss';
  if (args === null || typeof args !== 'object' || 'dataId' in args) {
    throw new TypeError(`Argument 'args' passed to '${fn}' must be an object { studentLogits, labels }, got ${describeValue(args)}`);
  }
  const { studentLogits, labels } = args;
  assertLogits(fn, 'studentLogits', studentLogits);
  const labelled = checkLabels(fn, labels, studentLogits);
  return labelCrossEntropy(studentLogits, labels, labelled);
}

/**
 * Checks `labels` against checked `[batch, classes]` logits for the function `fn` and returns how
 * many examples carry a label.
 */
export function checkLabels(fn: string, labels: unknown, studentLogits: Tensor, requireAll = false): number {
  assertTensor(fn, 'labels', labels);
  return countLabelled(fn, labels, studentLogits.shape[0]!, studentLogits.shape[1]!, requireAll);
}

/** The hard term from checked arguments; `labelled` from {@link checkLabels}. */
export function labelCrossEntropy(studentLogits: Tensor, labels: Tensor, labelled: number): Scalar {
  return tf.tidy(() => {
    const targets = labelRows(labels, studentLogits.shape[1]!);
    const perExample = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(studentLogits)), 1));
    return tf.div(tf.sum(perExample), Math.max(labelled, 1));
  });
}

/**
 * Labels as float rows `[batch, classes]`, an all-zero row for an unlabelled example.
 * `labels` must have passed {@link countLabelled}.
 */
function labelRows(labels: Tensor, classes: number): Tensor {
  if (labels.dtype === 'float32') return labels;
  return tf.tidy(() => {
    const hasLabel = tf.cast(tf.expandDims(tf.greaterEqual(labels, 0), 1), 'float32');
    return tf.mul(tf.oneHot(tf.maximum(labels, tf.scalar(0, 'int32')), classes), hasLabel);
  });
}

/**
 * Validates labels (already known to be a tensor) against a `[batch, classes]` logits shape and
 * returns how many examples carry a label. With `requireAll`, only class ids are accepted and `-1`
 * is rejected.
 */
function countLabelled(fn: string, labels: Tensor, batch: number, classes: number, requireAll = false): number {
  const expected = requireAll
    ? `int32 class ids of shape [${batch}]`
    : `int32 class ids of shape [${batch}] or float32 label rows of shape [${batch}, ${classes}]`;
  const isIds = labels.dtype === 'int32' && labels.rank === 1 && labels.shape[0] === batch;
  const isRows =
    !requireAll && labels.dtype === 'float32' && labels.rank === 2 && labels.shape[0] === batch && labels.shape[1] === classes;
  if (!isIds && !isRows) {
    throw new Error(`Argument 'labels' passed to '${fn}' must be ${expected}, got ${labels.dtype} of shape [${labels.shape.join(', ')}]`);
  }
  const data = labels.dataSync();
  let labelled = 0;
  if (isIds) {
    const lowest = requireAll ? 0 : -1;
    for (let i = 0; i < batch; i++) {
      const id = data[i]!;
      if (id < lowest || id >= classes) {
        const range = requireAll ? `0 to ${classes - 1}` : `-1 (no label) or 0 to ${classes - 1}`;
        throw new Error(`Argument 'labels' passed to '${fn}' must hold class ids ${range}, got ${id} at index ${i}`);
      }
      if (id >= 0) labelled++;
    }
    return labelled;
  }
  for (let row = 0; row < batch; row++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const y = data[row * classes + c]!;
      if (!(y >= 0 && y <= 1)) {
        throw new Error(`Argument 'labels' passed to '${fn}' must hold label rows with values in [0, 1], got ${y} in row ${row}`);
      }
      sum += y;
    }
    if (sum !== 0 && Math.abs(sum - 1) > 1e-3) {
      throw new Error(
        `Argument 'labels' passed to '${fn}' must have rows that sum to 1 (or all zeros for no label), row ${row} sums to ${sum}`,
      );
    }
    if (sum !== 0) labelled++;
  }
  return labelled;
}
