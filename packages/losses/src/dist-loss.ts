import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { assertNonNegative, assertPositive } from '@kd/core';
import { safeNorm } from './safe-norm';
import { checkTeacher, teacherDistribution } from './teacher-distribution';
import type { TeacherInput } from './teacher-distribution';
import { assertLogits } from './validate';

/** Arguments of {@link distLoss}. Give exactly one of `teacherLogits` and `teacherProbs`. */
export interface DistLossArgs extends TeacherInput {
  /** float32 `[batch, classes]`: the logits being trained. */
  studentLogits: Tensor;
  /** float32 `[batch, classes]`: the teacher's logits; softened at `temperature` here. */
  teacherLogits?: Tensor | undefined;
  /** float32 `[batch, classes]`: ready soft targets at `temperature`; rows sum to 1. */
  teacherProbs?: Tensor | undefined;
  /** tau, a finite number > 0 (the paper uses 1 on ImageNet, 4 on CIFAR-100). */
  temperature: number;
  /** Weight of the inter-class term (the paper's beta). Default 1. */
  interWeight?: number | undefined;
  /** Weight of the intra-class term (the paper's gamma). Default 1. */
  intraWeight?: number | undefined;
}

/** What {@link distLoss} returns: scalars the caller disposes. */
export interface DistLossResult {
  /** `interWeight * inter + intraWeight * intra`. */
  total: Scalar;
  /** `T^2 * (1 - mean over examples of the Pearson correlation of the two rows)`. */
  inter: Scalar;
  /** `T^2 * (1 - mean over classes of the Pearson correlation of the two columns)`. */
  intra: Scalar;
}

/**
 * DIST, "Knowledge Distillation from A Stronger Teacher" (Huang et al., NeurIPS 2022): match the
 * teacher's relations rather than its exact probabilities. With `Y_s = softmax(z / T)` and
 * `Y_t = softmax(v / T)` (or `teacherProbs`), both `[batch, classes]`:
 *
 * - inter = `T^2 * (1 - mean_b rho(Y_s[b, :], Y_t[b, :]))` (each example's ranking of classes);
 * - intra = `T^2 * (1 - mean_c rho(Y_s[:, c], Y_t[:, c]))` (each class across the batch);
 * - total = `interWeight * inter + intraWeight * intra` (the paper's beta and gamma),
 *
 * where `rho(a, b) = (a - mean a) . (b - mean b) / (||a - mean a|| ||b - mean b|| + 1e-8)` is
 * Pearson's correlation with the paper's 1e-8 in the denominator (it keeps a constant row or
 * column, e.g. a batch of one, at rho = 0 instead of NaN). The T^2 factors are the paper's.
 */
export function distLoss(args: DistLossArgs): DistLossResult {
  const fn = 'distLoss';
  if (args === null || typeof args !== 'object') {
    throw new TypeError(`Argument 'args' passed to '${fn}' must be an object, got ${args === null ? 'null' : typeof args}`);
  }
  const { studentLogits, temperature, interWeight = 1, intraWeight = 1 } = args;
  assertLogits(fn, 'studentLogits', studentLogits);
  checkTeacher(fn, args, studentLogits);
  assertPositive(fn, 'temperature', temperature);
  assertNonNegative(fn, 'interWeight', interWeight);
  assertNonNegative(fn, 'intraWeight', intraWeight);
  return tf.tidy(() => {
    const student = tf.softmax(tf.div(studentLogits, temperature));
    const { probs: teacher } = teacherDistribution(args, temperature);
    const scale = temperature * temperature;
    const inter: Scalar = tf.mul(tf.sub(1, tf.mean(rowPearson(student, teacher))), scale);
    const intra: Scalar = tf.mul(
      tf.sub(1, tf.mean(rowPearson(tf.transpose(student), tf.transpose(teacher)))),
      scale,
    );
    return { total: tf.add<Scalar>(tf.mul(inter, interWeight), tf.mul(intra, intraWeight)), inter, intra };
  });
}

function rowPearson(a: Tensor, b: Tensor): Tensor {
  const ac = tf.sub(a, tf.mean(a, 1, true));
  const bc = tf.sub(b, tf.mean(b, 1, true));
  const dot = tf.sum(tf.mul(ac, bc), 1, true);
  return tf.div(dot, tf.add(tf.mul(safeNorm(ac), safeNorm(bc)), 1e-8));
}
