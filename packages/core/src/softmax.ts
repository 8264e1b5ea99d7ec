import { argumentError, assertInteger, assertPositive } from './argument-checks';

/** Options of {@link softmax}. */
export interface SoftmaxOptions {
  /** Values per row: `values` holds rows of this many class scores. Default: one row of all of them. */
  classes?: number;
  /** T of `softmax(z / T)`, a finite number > 0. Default 1. */
  temperature?: number;
}

/**
 * Row-wise `softmax(z / T)` of plain numbers in float64, for code that works on numbers read back
 * from tensors or files (metrics, plots, reports) rather than on a tfjs engine. Subtracting each
 * row's maximum keeps it finite for logits of any magnitude.
 *
 * @param values rows of `classes` logits one after another (a one-row array is one example).
 */
export function softmax(values: ArrayLike<number>, options: SoftmaxOptions = {}): Float64Array {
  const fn = 'softmax';
  const classes = options.classes ?? values.length;
  const temperature = options.temperature ?? 1;
  assertPositive(fn, 'temperature', temperature);
  assertInteger(fn, 'classes', classes, 1);
  if (values.length % classes !== 0) {
    throw argumentError(fn, 'values', `whole rows of ${classes} numbers`, `${values.length} numbers`);
  }
  const out = new Float64Array(values.length);
  for (let start = 0; start < values.length; start += classes) {
    let max = -Infinity;
    for (let j = start; j < start + classes; j++) {
      const z = values[j]!;
      if (!Number.isFinite(z)) throw argumentError(fn, 'values', 'finite numbers', `${z} at position ${j}`);
      max = Math.max(max, z);
    }
    let sum = 0;
    for (let j = start; j < start + classes; j++) {
      out[j] = Math.exp((values[j]! - max) / temperature);
      sum += out[j]!;
    }
    for (let j = start; j < start + classes; j++) out[j]! /= sum;
  }
  return out;
}
