import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { assertInteger, assertPositive, describeValue } from '@kd/core';
import { checkSpecialistClasses } from './specialist-classes';
import { assertProbs2d } from './validate';

/** One specialist's predictions on the same examples as the generalist's. */
export interface SpecialistPrediction {
  /** The generalist's class ids the specialist covers, in the order of its output units. */
  classes: readonly number[];
  /**
   * Its probabilities `[examples, classes.length + 1]`, the last column the dustbin (after
   * {@link correctDustbinBias}).
   */
  probs: Tensor;
}

/** Options of {@link combineWithSpecialists}. */
export interface CombineWithSpecialistsOptions {
  /**
   * How many of the generalist's most probable classes decide which specialists take part: a
   * specialist is active for an example when its classes include one of them. Default 1 (the
   * paper's choice).
   */
  topK?: number;
  /** Gradient steps per example. Default 100. */
  steps?: number;
  /**
   * Step size on the logits. Default 2: the generalist's KL term has curvature at most 1/2 in z,
   * so steps below 4 are stable; 2 reached the closed-form optimum to 1e-7 in 100 steps in tests.
   */
  learningRate?: number;
}

/**
 * Combines a generalist with specialists (paper section 5): for each example, the specialists
 * whose classes meet the generalist's top-k classes are active, and the result is the
 * distribution `q = softmax(z)` minimising `KL(p_g || q) + sum_m KL(p_m || q_m)` over the active
 * specialists m, where `q_m` is q on m's classes plus, for its dustbin, the sum of q over the
 * classes m does not cover. z starts at `log p_g` and follows gradient descent, all examples at
 * once. Examples with no active specialist keep the generalist's distribution exactly.
 *
 * The gradient is in closed form: `(1 + M) q - p_g - sum_m t_m`, where `t_m` is `p_m` on m's
 * classes and spreads m's dustbin probability over the other classes in proportion to q.
 *
 * @param generalistProbs `[examples, classes]` float32 probabilities.
 * @returns `[examples, classes]` probabilities; the caller disposes them.
 */
export function combineWithSpecialists(
  generalistProbs: Tensor,
  specialists: readonly SpecialistPrediction[],
  options: CombineWithSpecialistsOptions = {},
): Tensor2D {
  const fn = 'combineWithSpecialists';
  assertProbs2d(fn, 'generalistProbs', generalistProbs);
  const [n, numClasses] = generalistProbs.shape as [number, number];
  if (!Array.isArray(specialists)) {
    throw new TypeError(`Argument 'specialists' passed to '${fn}' must be an array, got ${describeValue(specialists)}`);
  }
  specialists.forEach((specialist, m) => {
    checkSpecialistClasses(fn, `specialists[${m}].classes`, specialist?.classes, numClasses);
    assertProbs2d(fn, `specialists[${m}].probs`, specialist.probs);
    const want = [n, specialist.classes.length + 1];
    if (specialist.probs.shape[0] !== want[0] || specialist.probs.shape[1] !== want[1]) {
      throw new Error(
        `Argument 'specialists[${m}].probs' passed to '${fn}' must have shape [${want.join(', ')}] (examples, its classes + dustbin), got [${specialist.probs.shape.join(', ')}]`,
      );
    }
  });
  const { topK = 1, steps = 100, learningRate = 2 } = options;
  assertInteger(fn, 'topK', topK, 1);
  if (topK > numClasses) {
    throw new Error(`Argument 'topK' passed to '${fn}' must be at most the number of classes (${numClasses}), got ${topK}`);
  }
  assertInteger(fn, 'steps', steps, 1);
  assertPositive(fn, 'learningRate', learningRate);
  if (specialists.length === 0) return tf.clone(generalistProbs) as Tensor2D;

  return tf.tidy(() => {
    const pg = generalistProbs as Tensor2D;
    const top = tf.sum(tf.oneHot(tf.topk(pg, topK).indices, numClasses), 1);
    const parts = specialists.map(({ classes, probs }) => {
      const s = classes.length;
      const spread = tf.oneHot(tf.tensor1d(classes as number[], 'int32'), numClasses);
      const covered = tf.sum(spread, 0, true);
      return {
        // Rows of examples where this specialist takes part: 1 or 0.
        active: tf.cast(tf.greater(tf.sum(tf.mul(top, covered), 1, true), 0), 'float32'),
        inClasses: tf.matMul(tf.slice(probs, [0, 0], [n, s]), spread),
        dustbin: tf.slice(probs, [0, s], [n, 1]),
        outside: tf.sub(1, covered),
      };
    });
    const count = tf.addN(parts.map((part) => part.active));
    const anyActive = tf.greater(count, 0);
    let z: Tensor = tf.log(tf.maximum(pg, TINY));
    for (let step = 0; step < steps; step++) {
      const next = tf.tidy(() => {
        const q = tf.softmax(z);
        const targets = parts.map(({ active, inClasses, dustbin, outside }) => {
          const qOutside = tf.mul(q, outside);
          const share = tf.div(qOutside, tf.maximum(tf.sum(qOutside, 1, true), TINY));
          return tf.mul(active, tf.add(inClasses, tf.mul(dustbin, share)));
        });
        const gradient = tf.sub(tf.mul(tf.add(count, 1), q), tf.add(pg, tf.addN(targets)));
        // Dividing by 1 + M keeps the step size independent of how many specialists are active.
        return tf.sub(z, tf.mul(tf.div(gradient, tf.add(count, 1)), learningRate));
      });
      tf.dispose(z);
      z = next;
    }
    return tf.where(tf.tile(anyActive, [1, numClasses]), tf.softmax(z), pg) as Tensor2D;
  });
}

/** Floor for probabilities before a log or a division: keeps both finite where q underflows. */
const TINY = 1e-30;
