import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { assertNonNegative, assertPositive } from '@kd/core';
import { checkLabels } from './hard-label-loss';
import { assertFloat, assertLogits, assertRank, assertSameShape } from './validate';

/** Arguments of {@link decoupledKdLoss}. */
export interface DecoupledKdLossArgs {
  /** float32 `[batch, classes]`, classes >= 2: the logits being trained. */
  studentLogits: Tensor;
  /** float32 `[batch, classes]`: the teacher's logits. */
  teacherLogits: Tensor;
  /** int32 `[batch]`: every example's target class (DKD splits the distribution around it). */
  labels: Tensor;
  /** T, a finite number > 0. */
  temperature: number;
  /** Weight of TCKD (the paper's alpha). Default 1 (the paper's setting). */
  tckdWeight?: number | undefined;
  /** Weight of NCKD (the paper's beta). Default 8 (the paper's CIFAR-100 setting). */
  nckdWeight?: number | undefined;
}

/** What {@link decoupledKdLoss} returns: scalars the caller disposes. */
export interface DecoupledKdLossResult {
  /** `tckdWeight * tckd + nckdWeight * nckd`. */
  total: Scalar;
  /** Target-class KD: `T^2 * mean_b KL([p_t, 1 - p_t] || [q_t, 1 - q_t])`. */
  tckd: Scalar;
  /** Non-target-class KD: `T^2 * mean_b KL(p^ || q^)` over the non-target classes, renormalised. */
  nckd: Scalar;
}

/**
 * Decoupled knowledge distillation (Zhao et al., CVPR 2022). With `p = softmax(v / T)` and
 * `q = softmax(z / T)` and t each example's target class:
 *
 * - TCKD = `T^2 * mean_b KL(b^T || b^S)`, the binary distributions `b = [p_t, 1 - p_t]`;
 * - NCKD = `T^2 * mean_b KL(p^ || q^)`, `p^_i = p_i / (1 - p_t)` over the classes i != t;
 * - total = `tckdWeight * TCKD + nckdWeight * NCKD` (the paper's alpha and beta).
 *
 * `log p_t` and `log(1 - p_t)` come from log-sum-exps over all classes and over the non-target
 * classes, never from `log(softmax)`, so no probability underflows to a log of zero (the authors'
 * code masks the target with a -1000 offset instead; the values agree).
 */
export function decoupledKdLoss(args: DecoupledKdLossArgs): DecoupledKdLossResult {
  const fn = 'decoupledKdLoss';
  if (args === null || typeof args !== 'object') {
    throw new TypeError(`Argument 'args' passed to '${fn}' must be an object, got ${args === null ? 'null' : typeof args}`);
  }
  const { studentLogits, teacherLogits, labels, temperature, tckdWeight = 1, nckdWeight = 8 } = args;
  assertLogits(fn, 'studentLogits', studentLogits, 2);
  assertRank(fn, 'teacherLogits', teacherLogits, 2);
  assertFloat(fn, 'teacherLogits', teacherLogits);
  assertSameShape(fn, 'studentLogits', studentLogits, 'teacherLogits', teacherLogits);
  checkLabels(fn, labels, studentLogits, true);
  assertPositive(fn, 'temperature', temperature);
  assertNonNegative(fn, 'tckdWeight', tckdWeight);
  assertNonNegative(fn, 'nckdWeight', nckdWeight);
  return tf.tidy(() => {
    const isTarget = tf.cast(tf.oneHot(labels, studentLogits.shape[1]!), 'bool');
    const student = splitAtTarget(tf.div(studentLogits, temperature), isTarget);
    const teacher = splitAtTarget(tf.div(teacherLogits, temperature), isTarget);
    const scale = temperature * temperature;

    const targetProb = tf.exp(teacher.logTarget);
    const otherProb = tf.exp(teacher.logOther);
    const binaryKl = tf.add(
      tf.mul(targetProb, tf.sub(teacher.logTarget, student.logTarget)),
      tf.mul(otherProb, tf.sub(teacher.logOther, student.logOther)),
    );
    const tckd: Scalar = tf.mul(tf.mean(binaryKl), scale);

    // The target column's weight is exp(-Infinity) = 0; its log-ratio is finite, so 0 * it is 0.
    const teacherNonTarget = tf.exp(tf.sub(teacher.masked, teacher.lseOther));
    const logRatio = tf.sub(tf.sub(teacher.scaled, teacher.lseOther), tf.sub(student.scaled, student.lseOther));
    const nckd: Scalar = tf.mul(tf.mean(tf.sum(tf.mul(teacherNonTarget, logRatio), 1)), scale);

    return { total: tf.add<Scalar>(tf.mul(tckd, tckdWeight), tf.mul(nckd, nckdWeight)), tckd, nckd };
  });
}

/**
 * `log p_t` and `log(1 - p_t)` per row of logits already divided by T, and the log-sum-exp over
 * the non-target classes. Rows are shifted to a maximum of 0 first (the loss does not change):
 * a log-sum-exp near 1e4 would round away the small differences the loss is made of.
 */
function splitAtTarget(logits: Tensor, isTarget: Tensor) {
  const scaled = tf.sub(logits, tf.max(logits, 1, true));
  const masked = tf.where(isTarget, tf.fill(scaled.shape, Number.NEGATIVE_INFINITY), scaled);
  const lseAll = tf.logSumExp(scaled, 1, true);
  const lseOther = tf.logSumExp(masked, 1, true);
  const targetLogit = tf.sum(tf.where(isTarget, scaled, tf.zerosLike(scaled)), 1, true);
  return {
    scaled,
    masked,
    lseOther,
    logTarget: tf.sub(targetLogit, lseAll),
    logOther: tf.sub(lseOther, lseAll),
  };
}
