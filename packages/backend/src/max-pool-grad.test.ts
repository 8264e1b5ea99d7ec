import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateTarget, kernelTargets, leakFree, seeded } from '../test/kernel-check';


// The max-pooling gradient on wasm (@kd/backend's kernel) against `cpu` on seeded inputs of both
// signs: the stock wasm kernel fails these (all-negative windows, 'same' padding).

async function poolGradient(
  backend: string,
  x: Float32Array,
  shape: number[],
  size: number | [number, number],
  stride: number,
  pad: 'same' | 'valid',
): Promise<Float32Array> {
  return leakFree(backend, async () => {
    const result = tf.tidy(() =>
      tf.grad((t: tf.Tensor) => {
        const y = tf.maxPool(t as tf.Tensor4D, size, stride, pad);
        return tf.sum(tf.mul(y, tf.reshape(tf.range(1, 1 + y.size), y.shape)));
      })(tf.tensor(x, shape)),
    );
    const values = Float32Array.from(await result.data());
    result.dispose();
    return values;
  });
}

for (const target of kernelTargets) {
  describe(`max pooling gradient on ${target} matches cpu`, () => {
    beforeAll(async () => {
      await activateTarget(target);
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    // [input shape, pool size, stride, padding]
    const cases: Array<[number[], number | [number, number], number, 'same' | 'valid']> = [
      [[1, 4, 4, 1], 2, 2, 'valid'],
      [[2, 7, 7, 3], 2, 2, 'valid'],
      [[1, 6, 6, 2], 3, 1, 'same'],
      [[1, 5, 5, 1], 2, 2, 'same'],
      [[3, 9, 7, 5], [3, 2], 2, 'same'],
      [[2, 8, 8, 4], 3, 3, 'valid'],
    ];

    it.each(cases)('input %j, pool %j, stride %i, pad %s', async (shape, size, stride, pad) => {
      const x = seeded(
        shape.reduce((p, s) => p * s, 1),
        shape.reduce((p, s) => p * s, 1),
      );
      expect(await poolGradient(target, x, shape, size, stride, pad)).toEqual(
        await poolGradient('cpu', x, shape, size, stride, pad),
      );
    });

    it('sends a tied window its gradient at the first maximum, as cpu does', async () => {
      const x = new Float32Array(2 * 4 * 4 * 3).fill(0.5);
      const wasm = await poolGradient(target, x, [2, 4, 4, 3], 2, 2, 'valid');
      expect(wasm).toEqual(await poolGradient('cpu', x, [2, 4, 4, 3], 2, 2, 'valid'));
      expect(wasm.filter((g) => g !== 0)).toHaveLength(2 * 2 * 2 * 3);
    });
  });
}
