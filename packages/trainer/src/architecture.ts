import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { describeValue } from '@kd/core';

/**
 * A model architecture as plain JSON, for code and config files alike. Every model ends in a
 * linear layer: it outputs logits (the softmax belongs to the loss and the metrics).
 *
 * - `mlp`: flattens the input, then `hidden` dense layers; the paper's MNIST teacher is
 *   `{ type: 'mlp', hidden: [1200, 1200], dropout: 0.5, inputDropout: 0.2 }`, its student
 *   `{ type: 'mlp', hidden: [800, 800] }`.
 * - `cnn`: `filters.length` blocks of 3x3 convolution (same padding) + 2x2 max pooling, then
 *   `dense` hidden units, then the logits layer.
 */
export type Architecture =
  | {
      type: 'mlp';
      hidden: number[];
      /** Default 'relu'. */
      activation?: 'relu' | 'tanh' | 'sigmoid' | 'elu';
      /** Dropout rate after each hidden layer. Default 0. */
      dropout?: number;
      /** Dropout rate on the input. Default 0. */
      inputDropout?: number;
    }
  | {
      type: 'cnn';
      filters: number[];
      /** Hidden dense units after the convolutions. Default 128. */
      dense?: number;
      /** Default 'relu'. */
      activation?: 'relu' | 'tanh' | 'sigmoid' | 'elu';
      /** Dropout rate before the logits layer. Default 0. */
      dropout?: number;
    };

const activations = ['relu', 'tanh', 'sigmoid', 'elu'];

/** Every problem with an architecture, each with its path; empty when it is valid. */
export function architectureProblems(spec: unknown, path: string): string[] {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return [`${path}: expected an object { type: 'mlp' | 'cnn', ... }, got ${describeValue(spec)}`];
  }
  const s = spec as Record<string, unknown>;
  const problems: string[] = [];
  const units = (key: string, required: boolean): void => {
    const v = s[key];
    if (v === undefined && !required) return;
    if (!Array.isArray(v) || (key === 'filters' && v.length === 0)) {
      problems.push(`${path}.${key}: expected an array of integers >= 1, got ${describeValue(v)}`);
      return;
    }
    v.forEach((n, i) => {
      if (!Number.isInteger(n) || (n as number) < 1) problems.push(`${path}.${key}[${i}]: expected an integer >= 1, got ${describeValue(n)}`);
    });
  };
  const rate = (key: string): void => {
    const v = s[key];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0 && v < 1))) {
      problems.push(`${path}.${key}: expected a rate in [0, 1), got ${describeValue(v)}`);
    }
  };
  if (s.activation !== undefined && !activations.includes(s.activation as string)) {
    problems.push(`${path}.activation: expected one of ${activations.map((a) => `'${a}'`).join(', ')}, got ${describeValue(s.activation)}`);
  }
  rate('dropout');
  if (s.type === 'mlp') {
    units('hidden', true);
    rate('inputDropout');
  } else if (s.type === 'cnn') {
    units('filters', true);
    if (s.dense !== undefined && (!Number.isInteger(s.dense) || (s.dense as number) < 1)) {
      problems.push(`${path}.dense: expected an integer >= 1, got ${describeValue(s.dense)}`);
    }
  } else {
    problems.push(`${path}.type: expected 'mlp' or 'cnn', got ${describeValue(s.type)}`);
  }
  return problems;
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
 * A fresh tfjs `LayersModel` for `spec` with seeded initial weights. An `mlp` takes flat inputs
 * `[batch, height * width * channels]`; a `cnn` takes images `[batch, height, width, channels]`.
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
    const size = inputShape[0]! * inputShape[1]! * inputShape[2]!;
    if ((spec.inputDropout ?? 0) > 0) layers.push(tfl.layers.dropout({ inputShape: [size], rate: spec.inputDropout! }));
    spec.hidden.forEach((units, i) => {
      layers.push(tfl.layers.dense({ ...(i === 0 && layers.length === 0 ? { inputShape: [size] } : {}), units, activation, ...init() }));
      if ((spec.dropout ?? 0) > 0) layers.push(tfl.layers.dropout({ rate: spec.dropout! }));
    });
    layers.push(tfl.layers.dense({ ...(layers.length === 0 ? { inputShape: [size] } : {}), units: numClasses, ...init() }));
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
