import type { Tensor } from '@tensorflow/tfjs-core';
import { assertTensor, describeValue } from '@kd/core';

/**
 * The argument checks the losses share beyond @kd/core's. Each error names the function and the
 * argument, says what was expected and what came, in the style of tfjs's own messages.
 */

export function assertRank(fn: string, arg: string, value: unknown, rank: number): asserts value is Tensor {
  assertTensor(fn, arg, value);
  if (value.rank !== rank) {
    throw new Error(
      `Argument '${arg}' passed to '${fn}' must be a rank-${rank} tensor, got shape [${value.shape.join(', ')}]`,
    );
  }
}

export function assertFloat(fn: string, arg: string, value: Tensor): void {
  if (value.dtype !== 'float32') {
    throw new Error(`Argument '${arg}' passed to '${fn}' must have dtype float32, got ${value.dtype}`);
  }
}

export function assertSameShape(fn: string, argA: string, a: Tensor, argB: string, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((size, axis) => size !== b.shape[axis])) {
    throw new Error(
      `Arguments '${argA}' and '${argB}' passed to '${fn}' must have the same shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`,
    );
  }
}

/** A rank-2 float32 logits tensor with at least `minClasses` classes. */
export function assertLogits(fn: string, arg: string, value: unknown, minClasses = 1): asserts value is Tensor {
  assertRank(fn, arg, value, 2);
  assertFloat(fn, arg, value);
  if (value.shape[1]! < minClasses) {
    throw new Error(
      `Argument '${arg}' passed to '${fn}' must have at least ${minClasses} classes on axis 1, got shape [${value.shape.join(', ')}]`,
    );
  }
}

/** Exactly one of two optional arguments must be given. */
export function pickOne<T>(fn: string, argA: string, a: T | undefined, argB: string, b: T | undefined): void {
  if ((a === undefined) === (b === undefined)) {
    throw new Error(
      `'${fn}' needs exactly one of '${argA}' and '${argB}', got ${a === undefined ? 'neither' : 'both'}`,
    );
  }
}

/**
 * How far above 1 a float32 probability may be: a mean of softmax outputs (an arithmetic ensemble)
 * rounds to 1 + 2^-23 now and then, and that is a probability, not a misplaced logit.
 */
const probabilityRounding = 1e-6;

/**
 * Teacher probabilities: float32, the student's shape, each row a distribution. Reads the values
 * back (one small synchronous download per batch) because passing logits where probabilities
 * belong silently gives a negative "KL divergence".
 */
export function assertProbabilities(fn: string, arg: string, value: unknown, like: Tensor, likeArg: string): asserts value is Tensor {
  assertRank(fn, arg, value, 2);
  assertFloat(fn, arg, value);
  assertSameShape(fn, likeArg, like, arg, value);
  const classes = value.shape[1]!;
  const data = value.dataSync();
  for (let row = 0; row < value.shape[0]!; row++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const p = data[row * classes + c]!;
      if (!(p >= 0 && p <= 1 + probabilityRounding)) {
        throw new Error(`Argument '${arg}' passed to '${fn}' must hold probabilities in [0, 1], got ${p} in row ${row}`);
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-3) {
      throw new Error(`Argument '${arg}' passed to '${fn}' must have rows that sum to 1, row ${row} sums to ${sum}`);
    }
  }
}

/**
 * Checks an options object against the names a function knows, so a misspelt option in a JSON
 * experiment fails instead of silently falling back to its default.
 */
export function assertKnownOptions(fn: string, arg: string, value: unknown, known: readonly string[]): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`Argument '${arg}' passed to '${fn}' must be an object, got ${describeValue(value)}`);
  }
  const unknown = Object.keys(value).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `Argument '${arg}' passed to '${fn}' has unknown option(s) ${unknown.map((n) => `'${n}'`).join(', ')}; known options: ${known.join(', ')}`,
    );
  }
}
