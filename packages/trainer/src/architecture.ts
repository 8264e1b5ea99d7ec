import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import * as v from 'valibot';
import { describeValue } from '@kd/core';
import { integer, list, object, oneOfValues, problemsOf, unitRate, variantOf } from './schema-problems';

const activationSchema = oneOfValues(['relu', 'tanh', 'sigmoid', 'elu']);

/** The schema of an {@link Architecture}: its type, its JSON Schema and its error messages. */
export const architectureSchema = variantOf('type', [
  object({
    type: v.literal('mlp'),
    /** Units of each hidden layer. */
    hidden: list(integer(1), 'an array of integers >= 1'),
    /** Default 'relu'. */
    activation: v.optional(activationSchema),
    /** Dropout rate after each hidden layer. Default 0. */
    dropout: v.optional(unitRate()),
    /** Dropout rate on the input. Default 0. */
    inputDropout: v.optional(unitRate()),
  }),
  object({
    type: v.literal('cnn'),
    /** Filters of each 3x3 convolution block. */
    filters: list(integer(1), 'a non-empty array of integers >= 1', 1),
    /** Hidden dense units after the convolutions. Default 128. */
    dense: v.optional(integer(1)),
    /** Default 'relu'. */
    activation: v.optional(activationSchema),
    /** Dropout rate before the logits layer. Default 0. */
    dropout: v.optional(unitRate()),
  }),
]);

/**
 * A model architecture as plain JSON, for code and config files alike. Every model ends in a
 * linear layer: it outputs logits (the softmax belongs to the loss and the metrics). Both take
 * images `[batch, height, width, channels]`.
 *
 * - `mlp`: flattens the image, then `hidden` dense layers; the paper's MNIST teacher is
 *   `{ type: 'mlp', hidden: [1200, 1200], dropout: 0.5, inputDropout: 0.2 }`, its student
 *   `{ type: 'mlp', hidden: [800, 800] }`.
 * - `cnn`: `filters.length` blocks of 3x3 convolution (same padding) + 2x2 max pooling, then
 *   `dense` hidden units, then the logits layer.
 */
export type Architecture = v.InferOutput<typeof architectureSchema>;

/** Every problem with an architecture, each with its path; empty when it is valid. */
export function architectureProblems(spec: unknown, path: string): string[] {
  return problemsOf(architectureSchema, spec, path);
}

/** Options of {@link buildModel}. */
export interface BuildModelOptions {
  /** `[height, width, channels]` of one example. */
  inputShape: readonly number[];
  numClasses: number;
  /** Seed of the weight initialisers: the same seed gives the same initial weights. Default 0. */
  seed?: number;
}

/**
 * A fresh tfjs `LayersModel` for `spec` with seeded initial weights. Both kinds take images
 * `[batch, ...inputShape]`: an `mlp` flattens them in its first layer, so the same tensors feed a
 * teacher, a student, a cache and `evaluate` alike.
 */
export function buildModel(spec: Architecture, options: BuildModelOptions): LayersModel {
  const problems = architectureProblems(spec, 'spec');
  if (problems.length > 0) throw new Error(`'buildModel': ${problems.join('; ')}`);
  const { inputShape, numClasses } = options;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`Argument 'inputShape' passed to 'buildModel' must be [height, width, channels], got ${JSON.stringify(inputShape)}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`Argument 'numClasses' passed to 'buildModel' must be an integer >= 2, got ${describeValue(numClasses)}`);
  }
  let seed = (options.seed ?? 0) * 1000;
  const init = () => ({
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }),
    biasInitializer: 'zeros' as const,
  });
  const activation = spec.activation ?? 'relu';
  const layers: tfl.layers.Layer[] = [];
  if (spec.type === 'mlp') {
    layers.push(tfl.layers.flatten({ inputShape: [...inputShape] }));
    if ((spec.inputDropout ?? 0) > 0) layers.push(tfl.layers.dropout({ rate: spec.inputDropout! }));
    spec.hidden.forEach((units) => {
      layers.push(tfl.layers.dense({ units, activation, ...init() }));
      if ((spec.dropout ?? 0) > 0) layers.push(tfl.layers.dropout({ rate: spec.dropout! }));
    });
    layers.push(tfl.layers.dense({ units: numClasses, ...init() }));
  } else {
    spec.filters.forEach((filters, i) => {
      layers.push(
        tfl.layers.conv2d({ ...(i === 0 ? { inputShape: [...inputShape] } : {}), filters, kernelSize: 3, padding: 'same', activation, ...init() }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
      );
    });
    layers.push(tfl.layers.flatten(), tfl.layers.dense({ units: spec.dense ?? 128, activation, ...init() }));
    if ((spec.dropout ?? 0) > 0) layers.push(tfl.layers.dropout({ rate: spec.dropout! }));
    layers.push(tfl.layers.dense({ units: numClasses, ...init() }));
  }
  return tfl.sequential({ layers });
}
