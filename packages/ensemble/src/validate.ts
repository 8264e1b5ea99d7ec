import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Argument checks shared by the package. Each error names the function and the argument, says what
 * was expected and what came, in the style of tfjs's own messages.
 */

export function assertTensor(fn: string, arg: string, value: unknown): asserts value is Tensor {
  if (
    value === null ||
    typeof value !== 'object' ||
    !('shape' in value) ||
    !('dtype' in value) ||
    !('dataId' in value)
  ) {
    throw new TypeError(`Argument '${arg}' passed to '${fn}' must be a Tensor, got ${describe(value)}`);
  }
}

export function assertProbs2d(fn: string, arg: string, value: unknown): asserts value is Tensor {
  assertTensor(fn, arg, value);
  if (value.rank !== 2) {
    throw new Error(
      `Argument '${arg}' passed to '${fn}' must be a rank-2 tensor [examples, classes], got shape [${value.shape.join(', ')}]`,
    );
  }
  if (value.dtype !== 'float32') {
    throw new Error(`Argument '${arg}' passed to '${fn}' must have dtype float32, got ${value.dtype}`);
  }
}

export function assertPositive(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`Argument '${arg}' passed to '${fn}' must be a finite number > 0, got ${describe(value)}`);
  }
}

export function assertPositiveInt(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`Argument '${arg}' passed to '${fn}' must be an integer > 0, got ${describe(value)}`);
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
