import type { Tensor } from '@tensorflow/tfjs-core';
import { describeValue } from './describe-value';

/*
 * Checks of the arguments of public functions. Each error names the function and the argument,
 * says what was expected and what came, in the style of tfjs's own messages:
 * `Argument 'temperature' passed to 'softmaxT' must be a finite number > 0, got 0`.
 */

/** The Error for an argument `arg` of `fn` that is not `expected` (`'an integer >= 1'`, ...). */
export function argumentError(fn: string, arg: string, expected: string, got: unknown): Error {
  return new Error(`Argument '${arg}' passed to '${fn}' must be ${expected}, got ${describeValue(got)}`);
}

/** A tfjs Tensor (of any backend or tfjs copy: the check is structural); a TypeError otherwise. */
export function assertTensor(fn: string, arg: string, value: unknown): asserts value is Tensor {
  if (value === null || typeof value !== 'object' || !('shape' in value) || !('dtype' in value) || !('dataId' in value)) {
    throw new TypeError(`Argument '${arg}' passed to '${fn}' must be a Tensor, got ${describeValue(value)}`);
  }
}

/** A finite number > 0. */
export function assertPositive(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw argumentError(fn, arg, 'a finite number > 0', value);
}

/** A finite number >= 0. */
export function assertNonNegative(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw argumentError(fn, arg, 'a finite number >= 0', value);
}

/** An integer in [min, max] (max unbounded by default). */
export function assertInteger(fn: string, arg: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw argumentError(fn, arg, `an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`}`, value);
  }
}
