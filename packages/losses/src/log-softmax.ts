import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Log-softmax over the last axis: `s - log(sum(exp(s)))` with `s = x - max(x)`, the same forward
 * pass as `tf.logSoftmax` (stable, and the max never added back, which would round away
 * `log(sum)` next to logits of 1e4), differentiated by tfjs's autodiff. `tf.logSoftmax` itself is a
 * custom-gradient op whose saved output the wasm backend clones into a new data id under a
 * gradient tape, which tfjs 4.22's kernel leak check (on when `IS_TEST` is set) reports as a leak.
 */
export function logSoftmax(x: Tensor): Tensor {
  return tf.tidy(() => {
    const shifted = tf.sub(x, tf.max(x, -1, true));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), -1, true)));
  });
}
