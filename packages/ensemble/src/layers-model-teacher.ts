import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { describeValue } from '@kd/core';
import { weightsFingerprint } from './fingerprint';
import { checkOutput, fitInput, rawToLogits, teacherFromLogits } from './teacher';
import type { Teacher, TeacherOutput } from './teacher';

/** Options of {@link layersModelTeacher}. */
export interface LayersModelTeacherOptions {
  /**
   * What the model's (single) output holds: `'logits'` for a linear last layer, `'probabilities'`
   * for a softmax last layer (logits are then recovered as log-probabilities). Default `'logits'`.
   */
  output?: TeacherOutput;
}

/**
 * A frozen {@link Teacher} over a tfjs `LayersModel` with one output `[batch, classes]`.
 *
 * The model runs with `predict` (inference mode: dropout and other training-only behaviour off)
 * and gradients never reach its weights. Inputs are reshaped to the model's input when they hold
 * as many values per example (images for a model that takes flat rows, and the other way round). The model is not modified and not disposed: the caller
 * keeps owning it.
 */
export function layersModelTeacher(model: LayersModel, options: LayersModelTeacherOptions = {}): Teacher {
  const fn = 'layersModelTeacher';
  if (model === null || typeof model !== 'object' || typeof model.predict !== 'function' || !Array.isArray(model.outputs)) {
    throw new TypeError(`Argument 'model' passed to '${fn}' must be a tfjs LayersModel, got ${describeValue(model)}`);
  }
  const output = options.output ?? 'logits';
  checkOutput(fn, output);
  const shape = model.outputs.length === 1 ? model.outputs[0]!.shape : undefined;
  const numClasses = shape?.length === 2 ? shape[1] : undefined;
  if (typeof numClasses !== 'number') {
    throw new Error(
      `Argument 'model' passed to '${fn}' must have one output of shape [batch, classes], got ${model.outputs.length} output(s) of shape ${JSON.stringify(model.outputs.map((o) => o.shape))}`,
    );
  }
  return teacherFromLogits(
    fn,
    numClasses,
    (x: Tensor): Tensor2D => rawToLogits(fn, model.predict(fitInput(`${fn}.probs`, x, model.inputs[0]?.shape)), output, numClasses),
    () => {
      // Weights are named by position, not by their names: tfjs numbers layer names per process
      // (dense_Dense1, ...), so the same model built again would otherwise hash differently. Layer
      // kinds and activations stand for the architecture: the weights alone do not fix the function.
      const architecture = model.layers
        .map((layer) => `${layer.getClassName()}:${String(layer.getConfig().activation ?? '')}`)
        .join(',');
      return weightsFingerprint(
        model.weights.map((w, i) => [`weight${i}`, w.read()] as const),
        `${output}|${architecture}`,
      );
    },
  );
}
