import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { assertInteger, describeValue } from '@kd/core';
import { weightsFingerprint } from './fingerprint';
import { checkOutput, rawToLogits, teacherFromLogits } from './teacher';
import type { Teacher, TeacherOutput } from './teacher';

/** Options of {@link functionTeacher}. */
export interface FunctionTeacherOptions {
  /** Number of classes the function returns on its last axis. Required. */
  numClasses: number;
  /**
   * The tensors the function's result depends on, by name; hashed for `fingerprint()`. Give these
   * or `id` (or both).
   */
  weights?: Readonly<Record<string, Tensor>>;
  /**
   * A string that identifies the function (a version, a checkpoint hash); part of `fingerprint()`.
   * Give this or `weights` (or both).
   */
  id?: string;
  /** What the function returns: `'logits'` (default) or `'probabilities'`. */
  output?: TeacherOutput;
}

/**
 * A frozen {@link Teacher} over a plain function `x => [batch, numClasses]`. The function is run
 * inside `tidy` with gradients stopped; it must not dispose its input.
 */
export function functionTeacher(forward: (x: Tensor) => Tensor, options: FunctionTeacherOptions): Teacher {
  const fn = 'functionTeacher';
  if (typeof forward !== 'function') {
    throw new TypeError(`Argument 'forward' passed to '${fn}' must be a function, got ${describeValue(forward)}`);
  }
  const { numClasses, weights, id } = options;
  assertInteger(fn, 'numClasses', numClasses, 1);
  if (weights === undefined && id === undefined) {
    throw new Error(
      `'${fn}' needs options.weights or options.id to fingerprint the function, got neither`,
    );
  }
  const output = options.output ?? 'logits';
  checkOutput(fn, output);
  const named = Object.entries(weights ?? {}).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return teacherFromLogits(
    fn,
    numClasses,
    (x: Tensor): Tensor2D => rawToLogits(fn, forward(x), output, numClasses),
    () => weightsFingerprint(named, `${output}|${id ?? ''}`),
  );
}
