import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { assertNonNegative, assertPositive } from '@kd/core';
import { assertLogits } from './validate';
import { checkLabels, labelCrossEntropy } from './hard-label-loss';
import { checkTeacher, teacherDistribution } from './teacher-distribution';
import type { TeacherInput } from './teacher-distribution';

/** Arguments of {@link distillationLoss}. Give exactly one of `teacherLogits` and `teacherProbs`. */
export interface DistillationLossArgs extends TeacherInput {
  /** float32 `[batch, classes]`: the logits being trained. */
  studentLogits: Tensor;
  /** float32 `[batch, classes]`: the teacher's logits; softened at `temperature` here. */
  teacherLogits?: Tensor | undefined;
  /**
   * float32 `[batch, classes]`: ready soft targets, already at `temperature` (for example an
   * ensemble's arithmetic or geometric mean). Each row must sum to 1.
   */
  teacherProbs?: Tensor | undefined;
  /**
   * True labels for the hard term: int32 class ids `[batch]` (`-1` = no label) or float32 rows
   * `[batch, classes]` (all zeros = no label). See {@link hardLabelLoss}.
   */
  labels?: Tensor | undefined;
  /** T, a finite number > 0; teacher and student are both softened at T. */
  temperature: number;
  /** Weight of the soft term. Default 1. */
  softWeight?: number | undefined;
  /** Weight of the hard term. Default 0; must be 0 when there are no labels. */
  hardWeight?: number | undefined;
}

/** What {@link distillationLoss} returns: scalars the caller disposes. */
export interface DistillationLossResult {
  /** `softWeight * soft + hardWeight * hard` (`hard` counted only when labels are given). */
  total: Scalar;
  /** `T^2 * KL(teacher at T || student at T)`, summed over classes, averaged over the batch. */
  soft: Scalar;
  /** Cross-entropy of the student at T = 1 with the labels; absent without labels. */
  hard?: Scalar;
}

/**
 * The distillation loss of Hinton, Vinyals & Dean (2015): a weighted sum of a soft term and a hard
 * term.
 *
 * - soft = `T^2 * (1/batch) * sum_b KL(p_b || q_b)` with `p = softmax(v / T)` (or `teacherProbs`)
 *   and `q = softmax(z / T)`. The T^2 keeps its gradients, `T (q - p) / batch`, on the same scale
 *   as the hard term's when T changes. It is "batchmean": summed over classes, never averaged
 *   over them.
 * - hard = cross-entropy of `softmax(z)` at T = 1 with `labels`, averaged over the labelled
 *   examples (see {@link hardLabelLoss}).
 *
 * Everything is computed from log-softmax, so logits of magnitude 1e4 stay finite. Differentiable
 * in `studentLogits`; the teacher is treated as a constant input. In float32, the soft term's
 * *value* is a small difference of larger sums when teacher and student nearly agree at a very
 * high T (about 3% off at T = 1000 in our tests); its gradient stays accurate there.
 *
 * @returns `{ total, soft, hard }`; the caller disposes them.
 */
export function distillationLoss(args: DistillationLossArgs): DistillationLossResult {
  const fn = 'distillationLoss';
  if (args === null || typeof args !== 'object') {
    throw new TypeError(`Argument 'args' passed to '${fn}' must be an object, got ${args === null ? 'null' : typeof args}`);
  }
  const { studentLogits, labels, temperature, softWeight = 1, hardWeight = 0 } = args;
  assertLogits(fn, 'studentLogits', studentLogits);
  checkTeacher(fn, args, studentLogits);
  assertPositive(fn, 'temperature', temperature);
  assertNonNegative(fn, 'softWeight', softWeight);
  assertNonNegative(fn, 'hardWeight', hardWeight);
  let labelled = 0;
  if (labels === undefined) {
    if (hardWeight !== 0) {
      throw new Error(`Argument 'hardWeight' passed to '${fn}' must be 0 when no 'labels' are given, got ${hardWeight}`);
    }
  } else {
    labelled = checkLabels(fn, labels, studentLogits);
  }
  return tf.tidy(() => {
    const soft = softTerm(studentLogits, args, temperature);
    if (labels === undefined) {
      return { total: tf.mul<Scalar>(soft, softWeight), soft };
    }
    const hard = labelCrossEntropy(studentLogits, labels, labelled);
    return { total: tf.add<Scalar>(tf.mul(soft, softWeight), tf.mul(hard, hardWeight)), soft, hard };
  });
}

/** `T^2 * mean_b KL(p_b || q_b)`; arguments already checked. */
function softTerm(studentLogits: Tensor, teacher: TeacherInput, temperature: number): Scalar {
  return tf.tidy(() => {
    const { probs, logProbs } = teacherDistribution(teacher, temperature);
    const studentLogProbs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const perExample = tf.sum(tf.mul(probs, tf.sub(logProbs, studentLogProbs)), 1);
    return tf.mul(tf.mean(perExample), temperature * temperature);
  });
}
