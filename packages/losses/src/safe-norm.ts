import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Row-wise L2 norm `[batch, 1]` with a finite gradient for an all-zero row: `sqrt` has an infinite
 * slope at 0, and 0 * Infinity would turn the whole gradient into NaN. The 1e-30 under the root
 * changes no float32 norm above 1e-15. (A `where` on `squares > 0` would do it exactly, but tfjs
 * has no gradient for the comparison and refuses to differentiate through it.)
 */
export function safeNorm(rows: Tensor): Tensor {
  return tf.tidy(() => tf.sqrt(tf.add(tf.sum(tf.square(rows), 1, true), 1e-30)));
}
