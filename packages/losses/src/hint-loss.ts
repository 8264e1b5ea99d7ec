import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { assertTensor } from '@kd/core';
import { assertFloat, assertSameShape } from './validate';

/**
 * Maps student features to the teacher's feature shape: FitNets' regressor. Any function of a
 * tensor works, for example `(t) => layer.apply(t) as Tensor` with a tfjs-layers layer, whose
 * weights then train with the student.
 */
export type Projection = (studentFeatures: Tensor) => Tensor;

/** Arguments of {@link hintLoss}. */
export interface HintLossArgs {
  /** float32 student features (the guided layer's output), batch first. */
  studentFeatures: Tensor;
  /** float32 teacher features (the hint layer's output); the projected student's shape. */
  teacherFeatures: Tensor;
  /** Maps student features to the teacher's shape. Default: none (shapes must already match). */
  projection?: Projection | undefined;
}

/**
 * The FitNets hint loss (Romero et al. 2015): mean squared error between the (optionally
 * projected) student features and the teacher's, averaged over every element like PyTorch's
 * `mse_loss` (FitNets' `1/2 ||u - r(v)||^2` up to a constant factor the weight absorbs).
 *
 * @returns a scalar the caller disposes.
 */
export function hintLoss(args: HintLossArgs): Scalar {
  const fn = 'hintLoss';
  if (args === null || typeof args !== 'object') {
    throw new TypeError(`Argument 'args' passed to '${fn}' must be an object, got ${args === null ? 'null' : typeof args}`);
  }
  const { studentFeatures, teacherFeatures, projection } = args;
  assertTensor(fn, 'studentFeatures', studentFeatures);
  assertFloat(fn, 'studentFeatures', studentFeatures);
  assertTensor(fn, 'teacherFeatures', teacherFeatures);
  assertFloat(fn, 'teacherFeatures', teacherFeatures);
  if (projection !== undefined && typeof projection !== 'function') {
    throw new TypeError(`Argument 'projection' passed to '${fn}' must be a function (features) => Tensor, got ${typeof projection}`);
  }
  return tf.tidy(() => {
    const projected = projection === undefined ? studentFeatures : projection(studentFeatures);
    assertTensor(fn, 'projection(studentFeatures)', projected);
    assertSameShape(fn, projection === undefined ? 'studentFeatures' : 'projection(studentFeatures)', projected, 'teacherFeatures', teacherFeatures);
    return tf.mean(tf.squaredDifference(projected, teacherFeatures));
  });
}
