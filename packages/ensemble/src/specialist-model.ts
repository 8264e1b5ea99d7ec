import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { models } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { assertPositive, describeValue } from '@kd/core';
import { checkSpecialistClasses } from './specialist-classes';

interface LayerJson {
  class_name: string;
  name?: string;
  config: { name?: string; units?: number; use_bias?: boolean };
}

/**
 * A specialist for `classes`, initialised from the generalist (paper section 5): every layer and
 * weight of `generalist` copied, except that the last layer (a Dense) gets `classes.length + 1`
 * units, the last being the dustbin. The unit of `classes[k]` starts as the generalist's unit for
 * that class; the dustbin unit starts as the mean of the other classes' units with log(their
 * count) added to its bias, a first-order guess at log(sum of their exponentials). So the fresh
 * specialist's logits for its classes are the generalist's.
 *
 * The result is a new, uncompiled model with its own weights: training it leaves the generalist
 * unchanged. Its output is logits or probabilities as the generalist's was (the same activation).
 */
export async function createSpecialistModel(generalist: LayersModel, classes: readonly number[]): Promise<LayersModel> {
  const fn = 'createSpecialistModel';
  if (generalist === null || typeof generalist !== 'object' || typeof generalist.toJSON !== 'function' || !Array.isArray(generalist.outputs)) {
    throw new TypeError(`Argument 'generalist' passed to '${fn}' must be a tfjs LayersModel, got ${describeValue(generalist)}`);
  }
  const { layer: lastLayer, name: lastName, topology } = outputLayer(fn, generalist);
  const numClasses = lastLayer.config.units!;
  checkSpecialistClasses(fn, 'classes', classes, numClasses);
  lastLayer.config.units = classes.length + 1;
  const specialist = await models.modelFromJSON({ modelTopology: topology } as never);

  const source = generalist.weights;
  const target = specialist.weights;
  const [kernel, bias] = specialist.getLayer(lastName).weights;
  const others = Array.from({ length: numClasses }, (_, c) => c).filter((c) => !classes.includes(c));
  const values = tf.tidy(() =>
    target.map((weight, i) => {
      const value = source[i]!.read();
      if (weight !== kernel && weight !== bias) return value;
      // Kernel [inputs, classes] and bias [classes] both have classes on the last axis.
      const axis = value.rank - 1;
      const kept = tf.gather(value, classes as number[], axis);
      let dustbin: Tensor = tf.mean(tf.gather(value, others, axis), axis, true);
      if (weight === bias) dustbin = tf.add(dustbin, Math.log(others.length));
      return tf.concat([kept, dustbin], axis);
    }),
  );
  specialist.setWeights(values);
  tf.dispose(values.filter((value, i) => value !== source[i]!.read()));
  return specialist;
}

/**
 * Adds `log(oversamplingRatio)` to the bias of the dustbin unit (the last unit of the last Dense
 * layer) of a trained specialist, in place (paper section 5). A specialist trained on the half/half
 * set of {@link specialistDataset} has learned too low a prior for the dustbin; this restores the
 * data set's proportions. Pass the `oversamplingRatio` that {@link specialistDataset} returned.
 */
export function correctDustbinBias(specialist: LayersModel, oversamplingRatio: number): void {
  const fn = 'correctDustbinBias';
  if (specialist === null || typeof specialist !== 'object' || !Array.isArray(specialist.layers)) {
    throw new TypeError(`Argument 'specialist' passed to '${fn}' must be a tfjs LayersModel, got ${describeValue(specialist)}`);
  }
  assertPositive(fn, 'oversamplingRatio', oversamplingRatio);
  const { name } = outputLayer(fn, specialist);
  const layer = specialist.getLayer(name);
  const bias = layer.weights[1];
  if (bias === undefined) {
    throw new Error(`Argument 'specialist' passed to '${fn}' must end in a Dense layer with a bias, got '${name}' without one`);
  }
  const values = tf.tidy(() => {
    const current = bias.read();
    const units = current.shape[0]!;
    const shift = Array.from({ length: units }, (_, i) => (i === units - 1 ? Math.log(oversamplingRatio) : 0));
    return [layer.weights[0]!.read(), tf.add(current, tf.tensor1d(shift))];
  });
  layer.setWeights(values);
  values[1]!.dispose();
}

/** The model's single output layer in its JSON topology; it must be a Dense layer. */
function outputLayer(fn: string, model: LayersModel): { layer: LayerJson; name: string; topology: { class_name: string; config: { layers: LayerJson[]; output_layers?: Array<[string, number, number]> } } } {
  const topology = model.toJSON(undefined, false) as unknown as {
    class_name: string;
    config: { layers: LayerJson[]; output_layers?: Array<[string, number, number]> };
  };
  const { layers, output_layers: outputs } = topology.config;
  if (topology.class_name !== 'Sequential' && outputs?.length !== 1) {
    throw new Error(`'${fn}' needs a model with one output, got ${outputs?.length ?? 0}`);
  }
  const name = topology.class_name === 'Sequential' ? layers.at(-1)?.config.name : outputs![0]![0];
  const layer = layers.find((l) => (l.name ?? l.config.name) === name);
  if (layer === undefined || name === undefined || layer.class_name !== 'Dense') {
    throw new Error(`'${fn}' needs a model whose output layer is Dense, got ${layer?.class_name ?? 'none'}`);
  }
  return { layer, name, topology };
}
