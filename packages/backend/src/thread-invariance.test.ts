import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@kd/backend';
import { afterAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../test/backends';
import { leakFree, seeded, seededTensor as tensor } from '../test/kernel-check';

// kd's native kernels give the same bits whatever their thread count, on the products of an MLP's
// training step and a convolution's (oneDNN alone splits C = A B^T's sums over k among threads: 85 %
// of a 128x800x800 product's elements differed between 1 and 2 threads before kd split it by
// columns itself; bench/thread-determinism.ts measures it).

const native = testBackends.includes('native');
const threadCounts = [1, 2, 3];

/** The values `body` computes on kd's native kernels with each of `threadCounts` threads. */
async function onEachThreadCount(body: () => tf.Tensor | Promise<tf.Tensor>): Promise<Float32Array[]> {
  const results: Float32Array[] = [];
  for (const threads of threadCounts) {
    await useBackend('native', { threads });
    results.push(
      await leakFree('native', async () => {
        const result = await body();
        const values = Float32Array.from(await result.data());
        result.dispose();
        return values;
      }),
    );
  }
  return results;
}

const convolve = (x: tf.Tensor, filter: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same');

describe.runIf(native)('native kernels: the same bits on any thread count', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // [rows of C, inner size, columns of C, transposeA, transposeB]: a dense layer's forward pass,
  // input gradient (also at a short last batch and with a narrow C) and weight gradient.
  it.each([
    [128, 800, 800, false, false],
    [128, 800, 800, false, true],
    [20, 800, 784, false, true],
    [128, 1200, 300, false, true],
    [800, 128, 800, true, false],
    [300, 128, 800, true, true],
  ] as const)('C = op(A) op(B) with m %i, k %i, n %i, transposeA %s, transposeB %s', async (m, k, n, transposeA, transposeB) => {
    const [one, ...others] = await onEachThreadCount(() =>
      tf.tidy(() => tf.matMul(tensor(1, transposeA ? [k, m] : [m, k]), tensor(2, transposeB ? [n, k] : [k, n]), transposeA, transposeB)),
    );
    for (const values of others) expect(values).toEqual(one);
  });

  it("runs a convolution's forward pass and gradients", async () => {
    const [one, ...others] = await onEachThreadCount(() =>
      tf.tidy(() => {
        const x = tensor(7, [16, 14, 14, 32]);
        const filter = tensor(8, [5, 5, 32, 64]);
        const dy = tensor(9, [16, 14, 14, 64]);
        const [dx, dFilter] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(convolve(a, f), dy)))([x, filter]);
        return tf.concat([tf.reshape(convolve(x, filter), [-1]), tf.reshape(dx!, [-1]), tf.reshape(dFilter!, [-1])]);
      }),
    );
    for (const values of others) expect(values).toEqual(one);
  });

  it('trains an 800-800 MLP for a few Adam steps to the same weights', async () => {
    const [one, ...others] = await onEachThreadCount(() => {
      const x = tensor(3, [128, 784]);
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 128 }, (_, i) => (i * 7) % 10), 'int32'), 10));
      const weights = ([[784, 800], [800, 800], [800, 10]] as const).map(([rows, cols], i) =>
        tf.tidy(() => tf.variable(tf.tensor2d(seeded(4 + i, rows * cols).map((v) => v * 0.05), [rows, cols]))),
      );
      const optimizer = tf.train.adam(1e-3);
      for (let step = 0; step < 3; step++) {
        optimizer.minimize(() => {
          const hidden = weights.slice(0, 2).reduce((h: tf.Tensor, w) => tf.relu(tf.matMul(h, w)), x);
          return tf.losses.softmaxCrossEntropy(labels, tf.matMul(hidden, weights[2]!));
        });
      }
      const flat = tf.tidy(() => tf.concat(weights.map((w) => tf.reshape(w, [-1]))));
      optimizer.dispose();
      tf.dispose([x, labels, ...weights]);
      return flat;
    });
    for (const values of others) expect(values).toEqual(one);
  });
});
