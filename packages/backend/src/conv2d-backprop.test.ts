import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateTarget, computeOn, kernelTargets, relativeError, seeded, tfjsName } from '../test/kernel-check';


// Both conv2d gradients on wasm (with @kd/backend's kernels) against `cpu`, on seeded inputs, to
// 1e-4 relative to the largest magnitude in the result.

type Pad = 'same' | 'valid' | number;
// [batch, height, width, inChannels, filterHeight, filterWidth, outChannels, stride, pad]
const cases: Array<[number, number, number, number, number, number, number, number, Pad]> = [
  [1, 5, 5, 1, 3, 3, 2, 1, 'same'],
  [3, 7, 6, 3, 3, 2, 4, 1, 'valid'],
  [2, 6, 9, 2, 4, 4, 3, 1, 'same'],
  [1, 7, 8, 3, 2, 4, 2, 1, 'same'],
  [2, 8, 8, 2, 4, 2, 3, 2, 'same'],
  [2, 7, 7, 2, 3, 3, 3, 2, 'same'],
  [2, 8, 8, 2, 3, 3, 3, 2, 'same'],
  [1, 8, 7, 3, 3, 3, 2, 2, 'valid'],
  [2, 9, 9, 2, 5, 5, 3, 2, 'same'],
  [1, 6, 6, 2, 2, 2, 3, 3, 'same'],
  [1, 6, 7, 2, 2, 3, 2, 1, 1],
  [2, 11, 11, 4, 4, 4, 5, 2, 'valid'],
  // In channels >= 8 and x smaller than dy: the filter gradient's swapped form.
  [2, 6, 5, 8, 3, 3, 16, 1, 'same'],
  [1, 7, 7, 9, 2, 4, 24, 1, 'valid'],
  [3, 5, 6, 8, 4, 4, 20, 1, 'same'],
  [1, 6, 7, 10, 3, 3, 16, 1, 1],
];

for (const target of kernelTargets) {
  describe(`conv2d gradients on ${target} match cpu`, () => {
    beforeAll(async () => {
      await activateTarget(target);
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it.each(cases)(
      'batch %i, %ix%ix%i input, %ix%ix%i filter, stride %i, pad %s',
      async (batch, height, width, inChannels, filterHeight, filterWidth, outChannels, stride, pad) => {
        const xShape = [batch, height, width, inChannels] as const;
        const wShape = [filterHeight, filterWidth, inChannels, outChannels] as const;
        const x = seeded(
          height * 7 + inChannels,
          xShape.reduce((p, s) => p * s, 1),
        );
        const w = seeded(
          filterHeight * 5 + outChannels,
          wShape.reduce((p, s) => p * s, 1),
        );
        const conv = (xs: tf.Tensor, ws: tf.Tensor) =>
          tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, stride, pad);
        const outShape = tf.tidy(
          () => conv(tf.zeros(xShape as unknown as number[]), tf.zeros(wShape as unknown as number[])).shape,
        );
        const dy = seeded(
          99,
          outShape.reduce((p, s) => p * s, 1),
        );
        for (const wrt of [0, 1]) {
          const gradient = () => {
            const grads = tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
              tf.sum(tf.mul(conv(xs, ws), tf.tensor(dy, outShape))),
            );
            return grads([tf.tensor(x, [...xShape]), tf.tensor(w, [...wShape])])[wrt]!;
          };
          expect(relativeError(await computeOn(target, gradient), await computeOn('cpu', gradient))).toBeLessThan(1e-4);
        }
      },
    );

    it('computes the filter gradient of a channels-first convolution', async () => {
      const x = seeded(11, 2 * 3 * 6 * 5);
      const dy = seeded(12, 2 * 4 * 6 * 5);
      const filterGradient = () =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x: tf.tensor4d(x, [2, 3, 6, 5]), dy: tf.tensor4d(dy, [2, 4, 6, 5]) },
            { strides: [1, 1], pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] } as never,
          ) as tf.Tensor;
      expect(relativeError(await computeOn(target, filterGradient), await computeOn('cpu', filterGradient))).toBeLessThan(
        1e-4,
      );
    });

    it('names the kernel and the argument when dy has the wrong shape', async () => {
      await tf.setBackend(tfjsName(target));
      tf.tidy(() => {
        expect(() =>
          tf
            .engine()
            .runKernel('Conv2DBackpropFilter', { x: tf.zeros([1, 5, 5, 1]), dy: tf.zeros([1, 4, 4, 2]) }, {
              strides: [1, 1],
              pad: 'same',
              dataFormat: 'NHWC',
              filterShape: [3, 3, 1, 2],
            } as never),
        ).toThrow(
          /Argument 'dy' passed to 'Conv2DBackpropFilter' must have shape \[1, 5, 5, 2\].*got \[1, 4, 4, 2\]/,
        );
      });
    });
  });
}
