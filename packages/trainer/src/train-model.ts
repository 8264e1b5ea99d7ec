import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Dataset } from '@kd/data';
import { hardLabelLoss } from '@kd/losses';
import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from '@kd/core';
import type { FitOptions } from './fit-options';
import type { FitResult } from './fit-result';
import { runFitLoop } from './fit-loop';

/**
 * Trains `model` on the labels of `data` with the cross-entropy at T = 1: teachers, and the
 * hard-label baselines a distilled student is compared with. Unlabeled examples (label -1) do not
 * count. The model must output logits. Same loop, options and guarantees as `Distiller.fit`; every
 * problem with the options, the data or the model is an Error before the first step.
 */
export async function trainModel(model: LayersModel, data: Dataset, options: FitOptions): Promise<FitResult> {
  const fn = 'trainModel';
  if (model === null || typeof model !== 'object' || !Array.isArray(model.trainableWeights)) {
    throw new TypeError(`Argument 'model' passed to '${fn}' must be a tfjs LayersModel, got ${describeValue(model)}`);
  }
  if (!(data instanceof Dataset)) {
    throw new TypeError(`Argument 'data' passed to '${fn}' must be a Dataset, got ${describeValue(data)}`);
  }
  return runFitLoop({
    fn,
    dataArg: 'data',
    model,
    data,
    options,
    config: { loss: { key: 'hardLabel', options: {} } },
    overrides: () => ({}),
    problems: () => (data.hasLabels ? [] : [`data: has no labels (${data.source}), and trainModel learns from labels`]),
    loss: ({ batch, studentLogits }) => {
      const hard = hardLabelLoss({ studentLogits, labels: batch.y! });
      return { total: hard, terms: { hard: tf.clone(hard) } };
    },
  });
}
