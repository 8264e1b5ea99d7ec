import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Argument checks shared by every loss. Each error names the function and the argument, says what
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

export function assertPositive(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`Argument '${arg}' passed to '${fn}' must be a finite number > 0, got ${describe(value)}`);
  }
}

export function assertNonNegative(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`Argument '${arg}' passed to '${fn}' must be a finite number >= 0, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
