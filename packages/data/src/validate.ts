import { argumentError } from '@kd/core';

/**
 * The argument checks only this package needs; the common ones come from @kd/core. Each error
 * names the function and the argument, says what was expected and what came.
 */

export function assertFraction(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw argumentError(fn, arg, 'a number in [0, 1]', value);
  }
}

export function assertBoolean(fn: string, arg: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw argumentError(fn, arg, 'a boolean', value);
}
