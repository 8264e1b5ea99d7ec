import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { assertPositive, assertTensor } from '@kd/core';
import { assertFloat } from './validate';

/**
 * Softmax at temperature T over the last axis: `q_i = exp(z_i / T) / sum_j exp(z_j / T)`.
 *
 * T = 1 is the ordinary softmax; a larger T gives a softer distribution. Stable for logits of any
 * magnitude (the log-sum-exp subtracts the row maximum), differentiable, and leak-free.
 *
 * @param logits float32 logits of any rank >= 1; classes on the last axis.
 * @param temperature a finite number > 0.
 */
export function softmaxWithTemperature(logits: Tensor, temperature: number): Tensor {
  checkArgs('softmaxWithTemperature', logits, temperature);
  return tf.tidy(() => tf.exp(tf.logSoftmax(tf.div(logits, temperature))));
}

/**
 * `log(softmaxWithTemperature(logits, temperature))`, computed without forming the softmax, so it
 * stays finite where the probabilities underflow (logits of magnitude 1e4 and more).
 */
export function logSoftmaxWithTemperature(logits: Tensor, temperature: number): Tensor {
  checkArgs('logSoftmaxWithTemperature', logits, temperature);
  return tf.tidy(() => tf.logSoftmax(tf.div(logits, temperature)));
}

function checkArgs(fn: string, logits: unknown, temperature: unknown): asserts logits is Tensor {
  assertTensor(fn, 'logits', logits);
  if (logits.rank < 1) {
    throw new Error(`Argument 'logits' passed to '${fn}' must have rank >= 1, got a scalar`);
  }
  assertFloat(fn, 'logits', logits);
  assertPositive(fn, 'temperature', temperature);
}
