import * as tf from '@tensorflow/tfjs-core';
import type { GradSaveFunc, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { softmaxWithTemperature } from '@kd/losses';
import { assertPositive, assertTensor, describeValue } from '@kd/core';

/**
 * Anything that maps a batch of inputs to class scores: one model, an ensemble.
 *
 * Contract:
 * - `kind` is `'teacher'`: what tells a teacher apart from a `TeacherCache` (`kind: 'teacherCache'`),
 *   which serves a teacher's outputs by example instead of computing them from inputs.
 * - `probs(x, temperature)` returns the soft targets at temperature T, `[batch, numClasses]`,
 *   rows summing to 1: what a distillation loss takes as the teacher's distribution. Every teacher
 *   has it.
 * - `logits(x)` returns `[batch, numClasses]` logits such that `probs(x, T)` equals
 *   `softmax(logits(x) / T)` for every T. Teachers whose soft targets are not a softmax of one set of
 *   logits (an arithmetic-mean ensemble) do not have it.
 * - Both are frozen: they run the model in inference mode (dropout off), inside `tidy`, and gradients
 *   never flow back through them into the teacher's weights, so an optimizer that minimises a loss
 *   built on a teacher's outputs cannot change the teacher, even when it is given no variable list.
 * - The caller owns and disposes the returned tensor; the input is not disposed. Adapters over a
 *   model take images `[batch, height, width, channels]` or flat rows alike and reshape them to the
 *   model's input when the sizes agree.
 * - `fingerprint()` is a hash of everything the outputs depend on (the weights), used to refuse a
 *   stale cache.
 * - `dispose()`, where present, frees what the teacher owns (a model it loaded itself). Adapters
 *   over a model you pass leave it yours and have none.
 */
export interface Teacher {
  readonly kind: 'teacher';
  /** Number of classes: the size of the last axis of `probs` and `logits`. */
  readonly numClasses: number;
  /** Soft targets at `temperature` (default 1): `[batch, numClasses]`. */
  probs(x: Tensor, temperature?: number): Tensor2D;
  /** Logits: `[batch, numClasses]`, absent where soft targets are not a softmax of logits. */
  logits?(x: Tensor): Tensor2D;
  /** SHA-256 (hex) of the teacher's weights. */
  fingerprint(): string;
  /** Frees what the teacher owns; absent when it owns nothing. */
  dispose?(): void;
}

/** Whether `value` is a {@link Teacher}: what the functions that take one check first. */
export function isTeacher(value: unknown): value is Teacher {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'teacher';
}

/**
 * `x` reshaped to a model's input shape (`[null, ...dims]`) when it holds the same number of values
 * per example: images for a model that takes flat rows, or rows for one that takes images. Anything
 * else is an Error naming the argument and both shapes, instead of a tfjs shape error.
 */
export function fitInput(fn: string, x: Tensor, inputShape: readonly (number | null)[] | undefined): Tensor {
  if (inputShape === undefined || inputShape.slice(1).some((d) => d === null)) return x;
  const dims = inputShape.slice(1) as number[];
  if (x.rank === dims.length + 1 && dims.every((d, i) => d === x.shape[i + 1])) return x;
  const wanted = dims.reduce((a, b) => a * b, 1);
  const given = x.shape.slice(1).reduce((a, b) => a * b, 1);
  if (given !== wanted) {
    throw new Error(
      `Argument 'x' passed to '${fn}' must hold ${wanted} values per example for a model of input [${['batch', ...dims].join(', ')}], got shape [${x.shape.join(', ')}]`,
    );
  }
  return tf.reshape(x, [x.shape[0]!, ...dims]);
}

/**
 * Runs `forward(x)` so that nothing it computes is recorded for gradients: the output is a constant
 * to any enclosing `tf.grad` or `optimizer.minimize`. tfjs has no `stopGradient`; `customGrad` runs
 * its forward pass with the tape off and lets us declare a zero gradient for the input.
 */
export function frozenForward(x: Tensor, forward: (x: Tensor) => Tensor): Tensor {
  const run = tf.customGrad((...args: Array<Tensor | GradSaveFunc>) => {
    const input = args[0] as Tensor;
    return { value: tf.tidy(() => forward(input)), gradFunc: () => tf.zerosLike(input) };
  });
  return run(x);
}

/**
 * The one place every model-backed teacher turns its raw output into logits and checks it.
 * `output: 'probabilities'` takes logs: `softmax(log p / T)` is `p` sharpened or softened by T,
 * exactly what temperature does to the logits that produced `p`.
 */
export function rawToLogits(
  fn: string,
  raw: unknown,
  output: TeacherOutput,
  numClasses: number | undefined,
): Tensor2D {
  assertTensor(fn, 'the model output', raw);
  if (raw.rank !== 2 || (numClasses !== undefined && raw.shape[1] !== numClasses)) {
    throw new Error(
      `'${fn}' expected the model to return [batch, ${numClasses ?? 'classes'}], got shape [${raw.shape.join(', ')}]`,
    );
  }
  return (output === 'probabilities' ? tf.log(tf.maximum(raw, PROB_FLOOR)) : tf.cast(raw, 'float32')) as Tensor2D;
}

/** Smallest probability whose log is taken: keeps log finite where a saved softmax underflowed. */
const PROB_FLOOR = 1e-30;

/** What a model's output is: logits (a linear last layer) or probabilities (a softmax last layer). */
export type TeacherOutput = 'logits' | 'probabilities';

export function checkOutput(fn: string, output: unknown): asserts output is TeacherOutput {
  if (output !== 'logits' && output !== 'probabilities') {
    throw new Error(
      `Argument 'output' passed to '${fn}' must be 'logits' or 'probabilities', got ${describeValue(output)}`,
    );
  }
}

/** A teacher from a logits function; both outputs are frozen as a whole, softmax included. */
export function teacherFromLogits(
  fn: string,
  numClasses: number,
  forward: (x: Tensor) => Tensor2D,
  fingerprint: () => string,
): Teacher {
  return {
    kind: 'teacher',
    numClasses,
    logits(x: Tensor): Tensor2D {
      assertTensor(`${fn}.logits`, 'x', x);
      return frozenForward(x, forward) as Tensor2D;
    },
    probs(x: Tensor, temperature = 1): Tensor2D {
      assertTensor(`${fn}.probs`, 'x', x);
      assertPositive(`${fn}.probs`, 'temperature', temperature);
      return frozenForward(x, (input) => softmaxWithTemperature(forward(input), temperature)) as Tensor2D;
    },
    fingerprint,
  };
}
