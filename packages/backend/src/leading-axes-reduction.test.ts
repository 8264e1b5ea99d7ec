import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@kd/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeOn, relativeError, seeded } from '../test/kernel-check';

// Sum and Mean on wasm (@kd/backend's kernels for leading axes, the stock ones otherwise) against
// `cpu`, on seeded inputs, to 1e-4 relative to the largest magnitude in the result.

const sumOfInts = () => tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0);

describe('sum and mean on wasm match cpu', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // [shape, axes, keepDims]: leading axes (the fast path) with batch 1 and odd sizes, then the
  // shapes it leaves to the stock kernel.
  const cases: Array<[number[], number | number[], boolean]> = [
    [[1, 7], 0, false],
    [[33, 5], 0, false],
    [[128, 1200], [0], true],
    [[4, 9, 7, 3], [0, 1, 2], false],
    [[1, 5, 5, 8], [0, 1, 2], true],
    [[3, 4, 5], [1, 0], false],
    [[6, 5], -1, false],
    [[3, 4, 5], [1], false],
    [[3, 4, 5], [0, 2], true],
    [[3, 4, 5], [0, 1, 2], false],
  ];

  for (const reduce of ['sum', 'mean'] as const) {
    it.each(cases)(`${reduce} of %j over axes %j, keepDims %s`, async (shape, axes, keepDims) => {
      const x = seeded(
        shape.length * 13 + shape[0]!,
        shape.reduce((p, s) => p * s, 1),
      );
      const f = () => (reduce === 'sum' ? tf.sum : tf.mean)(tf.tensor(x, shape), axes, keepDims);
      expect(relativeError(await computeOn('wasm', f), await computeOn('cpu', f))).toBeLessThan(1e-4);
    });
  }

  it('sums int32 exactly (stock kernel)', async () => {
    expect(await computeOn('wasm', sumOfInts)).toEqual(await computeOn('cpu', sumOfInts));
  });

  it('gives a result that serves as a fused matmul bias', async () => {
    const x = seeded(5, 6 * 4);
    const f = () =>
      tf.fused.matMul({
        a: tf.ones([2, 4]),
        b: tf.tensor2d(x.subarray(0, 12), [4, 3]),
        bias: tf.sum(tf.tensor2d(x, [8, 3]), 0),
      });
    expect(relativeError(await computeOn('wasm', f), await computeOn('cpu', f))).toBeLessThan(1e-4);
  });
});
