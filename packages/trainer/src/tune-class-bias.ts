import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Dataset } from '@kd/data';
import { describeValue } from '@kd/core';
import { predictLogits } from './evaluate';

/** Options of {@link tuneClassBias}. */
export interface TuneClassBiasOptions {
  /** Offsets to try. Default 0 to 10 in steps of 0.25 (the paper's fix was +3.5). */
  offsets?: readonly number[];
  /** Add the chosen offset to the bias of the model's last layer. Default true. */
  apply?: boolean;
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
}

/** What {@link tuneClassBias} chose and why. */
export interface ClassBiasChoice {
  classIndex: number;
  /** The offset with the fewest validation errors (the smallest in size among ties). */
  offset: number;
  /** Validation errors without an offset and with the chosen one. */
  errorsBefore: number;
  errorsAfter: number;
}

/**
 * The paper's fix for a class the transfer set left out: a student that never saw a class
 * under-predicts it, and raising that class's logit bias brings most of it back. This picks the
 * offset on *validation* data (never the test set), by the number of errors, and by default adds
 * it to the bias of the model's last layer (which must be a layer with a bias and output logits).
 */
export function tuneClassBias(
  model: LayersModel,
  validation: Dataset,
  classIndex: number,
  options: TuneClassBiasOptions = {},
): ClassBiasChoice {
  const fn = 'tuneClassBias';
  if (!(validation instanceof Dataset)) throw new TypeError(`Argument 'validation' passed to '${fn}' must be a Dataset, got ${describeValue(validation)}`);
  const classes = model.outputs[0]?.shape[1];
  if (typeof classes !== 'number' || !Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new Error(`Argument 'classIndex' passed to '${fn}' must be an integer in [0, ${String(classes)}), got ${describeValue(classIndex)}`);
  }
  const offsets = options.offsets ?? Array.from({ length: 41 }, (_, i) => i * 0.25);
  if (!Array.isArray(offsets) || offsets.length === 0 || !offsets.every(Number.isFinite)) {
    throw new Error(`Argument 'offsets' passed to '${fn}' must be a non-empty array of finite numbers, got ${JSON.stringify(offsets)}`);
  }
  const unlabeled = validation.labels.indexOf(-1);
  if (unlabeled >= 0) throw new Error(`Argument 'validation' passed to '${fn}' must be fully labelled, got no label for example ${unlabeled}`);
  const bias = options.apply === false ? undefined : lastBias(fn, model);

  const logitsTensor = predictLogits(model, validation, options.batchSize === undefined ? {} : { batchSize: options.batchSize });
  const logits = logitsTensor.dataSync();
  logitsTensor.dispose();
  const errorsAt = (offset: number): number => {
    let errors = 0;
    for (let i = 0; i < validation.size; i++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let j = 0; j < classes; j++) {
        const v = logits[i * classes + j]! + (j === classIndex ? offset : 0);
        if (v > bestValue) {
          bestValue = v;
          best = j;
        }
      }
      if (best !== validation.labels[i]) errors++;
    }
    return errors;
  };
  let choice = { offset: 0, errors: errorsAt(0) };
  const errorsBefore = choice.errors;
  for (const offset of offsets) {
    const errors = errorsAt(offset);
    if (errors < choice.errors || (errors === choice.errors && Math.abs(offset) < Math.abs(choice.offset))) choice = { offset, errors };
  }
  if (bias && choice.offset !== 0) {
    const shifted = tf.tidy(() => tf.add(bias.read(), tf.mul(tf.oneHot(classIndex, classes), choice.offset)));
    bias.write(shifted);
    shifted.dispose();
  }
  return { classIndex, offset: choice.offset, errorsBefore, errorsAfter: choice.errors };
}

function lastBias(fn: string, model: LayersModel): LayersModel['weights'][number] {
  const last = model.layers.at(-1);
  const bias = last?.weights.find((w) => w.originalName.endsWith('bias'));
  if (!bias) {
    throw new Error(`Argument 'model' passed to '${fn}' must end in a layer with a bias to apply the offset to, got '${last?.getClassName()}' without one (pass apply: false to only choose)`);
  }
  return bias;
}
