import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { assertFloat, assertLogits, assertRank, assertSameShape } from './validate';

/** Arguments of {@link logitMatchingLoss}. */
export interface LogitMatchingLossArgs {
  /** float32 `[batch, classes]`: the logits being trained. */
  studentLogits: Tensor;
  /** float32 `[batch, classes]`: the teacher's logits. */
  teacherLogits: Tensor;
}

/**
 * Logit matching (Caruana et al.), the high-temperature limit of the distillation soft term
 * (Hinton et al. 2015, Eq. 4), scaled to equal that limit:
 *
 *     loss = 1 / (2 N batch) * sum_b sum_i (zc_bi - vc_bi)^2
 *
 * where `zc`, `vc` are the student's and teacher's logits with each row's mean subtracted and N is
 * the number of classes. Its gradient w.r.t. a student logit is `(zc_bi - vc_bi) / (N batch)`.
 *
 * Why this scale: the soft term `T^2 * mean_b KL(p_b || q_b)` has gradient `T (q_i - p_i) / batch`;
 * for zero-mean logits and large T, `q_i - p_i -> (z_i - v_i) / (N T)` (Eq. 4's
 * `(1/(N T^2))(z_i - v_i)` times the T^2 factor and the soft cross-entropy's `1/T`), so the
 * gradient tends to `(z_i - v_i) / (N batch)` -- this loss's gradient, and its value is the soft
 * term's limit too. Swapping the soft term for this one therefore keeps the balance with a hard
 * term. Adding a constant to a row of either logits changes nothing.
 *
 * @returns a scalar the caller disposes.
 */
export function logitMatchingLoss(args: LogitMatchingLossArgs): Scalar {
  const fn = 'logitMatchingLoss';
  if (args === null || typeof args !== 'object') {
    throw new TypeError(`Argument 'args' passed to '${fn}' must be an object, got ${args === null ? 'null' : typeof args}`);
  }
  const { studentLogits, teacherLogits } = args;
  assertLogits(fn, 'studentLogits', studentLogits);
  assertRank(fn, 'teacherLogits', teacherLogits, 2);
  assertFloat(fn, 'teacherLogits', teacherLogits);
  assertSameShape(fn, 'studentLogits', studentLogits, 'teacherLogits', teacherLogits);
  return tf.tidy(() => {
    const diff = tf.sub(studentLogits, teacherLogits);
    const centred = tf.sub(diff, tf.mean(diff, 1, true));
    return tf.mul(tf.mean(tf.square(centred)), 0.5);
  });
}
