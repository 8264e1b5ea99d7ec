import { softmax } from '@kd/core';
import { describe, expect, it } from 'vitest';

describe('softmax', () => {
  it('is exp(z / T) over its sum, row by row', () => {
    const logits = [1, 2, 3, -1, 0, 4];
    const got = softmax(logits, { classes: 3, temperature: 2 });
    for (const row of [0, 1]) {
      const z = logits.slice(row * 3, row * 3 + 3);
      const sum = z.reduce((s, v) => s + Math.exp(v / 2), 0);
      z.forEach((v, c) => expect(got[row * 3 + c]).toBeCloseTo(Math.exp(v / 2) / sum, 14));
    }
  });

  it('takes one row by default and stays finite for huge logits', () => {
    expect(Array.from(softmax([1e4, 0]))).toEqual([1, 0]);
    expect(Array.from(softmax([5, 5]))).toEqual([0.5, 0.5]);
  });

  it('names the argument on bad input', () => {
    expect(() => softmax([1, 2], { temperature: 0 })).toThrow("Argument 'temperature' passed to 'softmax' must be a finite number > 0, got 0");
    expect(() => softmax([1, 2, 3], { classes: 2 })).toThrow("Argument 'values' passed to 'softmax' must be whole rows of 2 numbers, got '3 numbers'");
    expect(() => softmax([1, Number.NaN])).toThrow("Argument 'values' passed to 'softmax' must be finite numbers, got 'NaN at position 1'");
  });
});
