import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import type { Callback } from './callback';

/**
 * The built-in callback behind `FitOptions.maxNorm` (the paper's constraint): after every step,
 * each unit's incoming weight vector (each column of every dense kernel, each filter of every conv
 * kernel) is scaled down to `maxNorm` if it is longer.
 */
export function maxNormCallback(maxNorm: number): Callback {
  let kernels: Variable[] = [];
  return {
    onTrainBegin(context) {
      kernels = context.model.trainableWeights.filter((w) => w.originalName.endsWith('kernel')).map((w) => w.read() as Variable);
    },
    onBatchEnd() {
      tf.tidy(() => {
        for (const kernel of kernels) {
          // The last axis indexes units (dense) or filters (conv); the norm runs over all the others.
          const axes = kernel.shape.slice(0, -1).map((_, i) => i);
          const norms = tf.sqrt(tf.sum(tf.square(kernel), axes, true));
          kernel.assign(tf.mul(kernel, tf.minimum(1, tf.div(maxNorm, tf.maximum(norms, 1e-12)))));
        }
      });
    },
  };
}
