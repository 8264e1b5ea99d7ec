import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { assertPositive } from '@kd/core';
import { safeNorm } from './safe-norm';
import { assertFloat, assertRank } from './validate';

/** Arguments of {@link attentionTransferLoss}. */
export interface AttentionTransferLossArgs {
  /** float32 `[batch, height, width, channels]` (NHWC, tfjs's layout): a student activation. */
  studentFeatures: Tensor;
  /** float32 `[batch, height, width, channels']`: the teacher's; channel counts may differ. */
  teacherFeatures: Tensor;
  /** Exponent of the attention map `mean_c |A_c|^p`. Default 2, the paper's choice. */
  p?: number | undefined;
}

/**
 * Activation-based attention transfer (Zagoruyko & Komodakis 2017). Each activation becomes a
 * spatial attention map `Q = mean_c |A_c|^p`, flattened and L2-normalised per example (divided by
 * `max(||Q||, 1e-12)`); the loss is the squared difference of the student's and teacher's maps,
 * averaged over the batch and the positions, as in the authors' code. The paper's
 * `beta / 2` (beta = 1000) is left to the caller's weight.
 *
 * @returns a scalar the caller disposes.
 */
export function attentionTransferLoss(args: AttentionTransferLossArgs): Scalar {
  const fn = 'attentionTransferLoss';
  if (args === null || typeof args !== 'object') {
    throw new TypeError(`Argument 'args' passed to '${fn}' must be an object, got ${args === null ? 'null' : typeof args}`);
  }
  const { studentFeatures, teacherFeatures, p = 2 } = args;
  assertRank(fn, 'studentFeatures', studentFeatures, 4);
  assertFloat(fn, 'studentFeatures', studentFeatures);
  assertRank(fn, 'teacherFeatures', teacherFeatures, 4);
  assertFloat(fn, 'teacherFeatures', teacherFeatures);
  assertPositive(fn, 'p', p);
  const [sb, sh, sw] = studentFeatures.shape;
  const [tb, th, tw] = teacherFeatures.shape;
  if (sb !== tb || sh !== th || sw !== tw) {
    throw new Error(
      `Arguments 'studentFeatures' and 'teacherFeatures' passed to '${fn}' must agree on batch, height and width, got [${studentFeatures.shape.join(', ')}] and [${teacherFeatures.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => tf.mean(tf.squaredDifference(attentionMap(studentFeatures, p), attentionMap(teacherFeatures, p))));
}

function attentionMap(features: Tensor, p: number): Tensor {
  const energy = p === 2 ? tf.square(features) : tf.pow(tf.abs(features), p);
  const map = tf.reshape(tf.mean(energy, 3), [features.shape[0]!, -1]);
  return tf.div(map, tf.maximum(safeNorm(map), 1e-12));
}
