import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Row-wise L2 norm `[batch, 1]` whose gradient is 0, not NaN, for an all-zero row (the gradient of
 * sqrt at 0 is infinite).
 */
export function safeNorm(rows: Tensor): Tensor {
  return tf.tidy(() => {
    const squares = tf.sum(tf.square(rows), 1, true);
    const positive = tf.greater(squares, 0);
    return tf.where(positive, tf.sqrt(tf.where(positive, squares, tf.onesLike(squares))), tf.zerosLike(squares));
  });
}
