import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** A model's weights as plain arrays, to compare runs bit for bit. */
export function weightsOf(model: LayersModel): number[][] {
  return tf.tidy(() => model.getWeights().map((w) => Array.from(w.dataSync())));
}
