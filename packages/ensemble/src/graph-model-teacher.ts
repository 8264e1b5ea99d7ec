import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { assertInteger, describeValue } from '@kd/core';
import { weightsFingerprint } from './fingerprint';
import { checkOutput, fitInput, rawToLogits, teacherFromLogits } from './teacher';
import type { Teacher, TeacherOutput } from './teacher';

/**
 * The part of `@tensorflow/tfjs-converter`'s `GraphModel` a teacher needs. Declared here so this
 * package does not depend on tfjs-converter: any object with these members works.
 */
export interface GraphModelLike {
  /** Runs the graph in inference mode. */
  predict(inputs: Tensor): unknown;
  /** Runs the graph and returns the named output node(s). */
  execute(inputs: Tensor, outputs?: string | string[]): unknown;
  /** The graph's weights by node name (`GraphModel.weights`). */
  readonly weights: Readonly<Record<string, readonly Tensor[]>>;
  /** The graph's inputs (`GraphModel.inputs`): inputs are reshaped to the first one's shape when it is known. */
  readonly inputs?: ReadonlyArray<{ readonly shape?: readonly number[] | undefined }>;
}

/** Options of {@link graphModelTeacher}. */
export interface GraphModelTeacherOptions {
  /** Number of classes on the output's last axis. Required: a graph does not always declare it. */
  numClasses: number;
  /** Output node to read with `execute`; default: the graph's default output through `predict`. */
  outputNode?: string;
  /** What the output holds: `'logits'` (default) or `'probabilities'`. */
  output?: TeacherOutput;
}

/**
 * A frozen {@link Teacher} over a tfjs-converter `GraphModel` (a converted TensorFlow SavedModel or
 * Keras model). Graph models carry no trainable variables; gradients are stopped anyway.
 */
export function graphModelTeacher(model: GraphModelLike, options: GraphModelTeacherOptions): Teacher {
  const fn = 'graphModelTeacher';
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof model.predict !== 'function' ||
    typeof model.execute !== 'function' ||
    typeof model.weights !== 'object'
  ) {
    throw new TypeError(
      `Argument 'model' passed to '${fn}' must be a GraphModel (predict, execute, weights), got ${describeValue(model)}`,
    );
  }
  const { numClasses, outputNode } = options;
  assertInteger(fn, 'numClasses', numClasses, 1);
  const output = options.output ?? 'logits';
  checkOutput(fn, output);
  return teacherFromLogits(
    fn,
    numClasses,
    (x: Tensor): Tensor2D => {
      // A graph marks an unknown dimension with -1 where a layers model has null.
      const input = fitInput(`${fn}.probs`, x, model.inputs?.[0]?.shape?.map((d) => (d < 0 ? null : d)));
      return rawToLogits(fn, outputNode === undefined ? model.predict(input) : model.execute(input, outputNode), output, numClasses);
    },
    () =>
      weightsFingerprint(
        Object.keys(model.weights)
          .toSorted()
          .flatMap((name) => model.weights[name]!.map((tensor, i) => [`${name}:${i}`, tensor] as const)),
        `${output}|${outputNode ?? ''}`,
      ),
  );
}
