import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateTarget, computeOn, kernelTargets, relativeError, seeded } from '../test/kernel-check';


// Each product runs on `cpu` (the reference) and on wasm with @kd/backend's kernels, on the same
// seeded inputs; results must agree to 1e-4 relative to the largest magnitude in the result.

for (const target of kernelTargets) {
  describe(`transposed matmul on ${target} matches cpu`, () => {
    beforeAll(async () => {
      await activateTarget(target);
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    // [batch, rows of op(A), inner, cols of op(B)]: batch 1, a single row, odd sizes, dense-layer sizes.
    const shapes = [
      [1, 1, 7, 5],
      [1, 13, 1, 9],
      [1, 33, 17, 129],
      [3, 5, 11, 7],
      [1, 64, 784, 120],
    ] as const;
    const flags = [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const;

    it.each(shapes.flatMap((shape) => flags.map((f) => [...shape, ...f] as const)))(
      'batch %i, %i x %i x %i, transposeA=%s transposeB=%s',
      async (batch, rows, inner, cols, transposeA, transposeB) => {
        const aShape: [number, number, number] = transposeA ? [batch, inner, rows] : [batch, rows, inner];
        const bShape: [number, number, number] = transposeB ? [batch, cols, inner] : [batch, inner, cols];
        const a = seeded(rows * 31 + inner, batch * rows * inner);
        const b = seeded(cols * 17 + inner, batch * inner * cols);
        const product = () =>
          tf.matMul(tf.tensor3d(a, aShape), tf.tensor3d(b, bShape), transposeA, transposeB);
        expect(relativeError(await computeOn(target, product), await computeOn('cpu', product))).toBeLessThan(1e-4);
      },
    );

    it.each(flags)(
      'fused with bias and relu, transposeA=%s transposeB=%s',
      async (transposeA, transposeB) => {
        const [rows, inner, cols] = [9, 21, 6];
        const a = seeded(1, rows * inner);
        const b = seeded(2, inner * cols);
        const bias = seeded(3, cols);
        const product = () =>
          tf.fused.matMul({
            a: tf.tensor2d(a, transposeA ? [inner, rows] : [rows, inner]),
            b: tf.tensor2d(b, transposeB ? [cols, inner] : [inner, cols]),
            transposeA,
            transposeB,
            bias: tf.tensor1d(bias),
            activation: 'relu',
          });
        expect(relativeError(await computeOn(target, product), await computeOn('cpu', product))).toBeLessThan(1e-4);
      },
    );

    it('broadcasts a batch of one against a batch of three', async () => {
      const a = seeded(4, 1 * 6 * 5);
      const b = seeded(5, 3 * 7 * 5);
      const product = () => tf.matMul(tf.tensor3d(a, [1, 6, 5]), tf.tensor3d(b, [3, 7, 5]), false, true);
      expect(relativeError(await computeOn(target, product), await computeOn('cpu', product))).toBeLessThan(1e-4);
    });

    it('gives a dense layer the same gradients as cpu', async () => {
      const x = seeded(6, 16 * 30);
      const w = seeded(7, 30 * 11);
      const dy = seeded(8, 16 * 11);
      for (const wrt of [0, 1]) {
        const gradient = () => {
          const grads = tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
            tf.sum(tf.mul(tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D), tf.tensor2d(dy, [16, 11]))),
          );
          return grads([tf.tensor2d(x, [16, 30]), tf.tensor2d(w, [30, 11])])[wrt]!;
        };
        expect(relativeError(await computeOn(target, gradient), await computeOn('cpu', gradient))).toBeLessThan(1e-4);
      }
    });
  });
}
