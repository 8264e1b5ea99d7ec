import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { FusedAdamOptimizer } from './fused-adam';

// kd's Adam against tfjs's AdamOptimizer on each backend: the same variables, the same gradients,
// the same values after every step, bit for bit. On `native` the update is one fused kernel; on
// the other backends FusedAdamOptimizer is tfjs's own.

const values = (seed: number, size: number) => Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 97 + i * 1.3));

/** A variable holding `initial`, which is then disposed (tf.variable keeps its own reference). */
function variable(initial: tf.Tensor): tf.Variable {
  const v = tf.variable(initial);
  initial.dispose();
  return v;
}

/** Four steps of `optimizer` on a small least-squares problem: the weights after each, and its state. */
async function run(optimizer: tf.Optimizer) {
  const w = variable(tf.tensor2d(values(1, 35 * 9), [35, 9]));
  const b = variable(tf.tensor1d(values(2, 9)));
  const x = tf.tensor2d(values(3, 6 * 35), [6, 35]);
  const seen: number[][] = [];
  for (let step = 0; step < 4; step++) {
    optimizer.minimize(() => tf.sum(tf.square(tf.add(tf.matMul(x, w), b))), false, [w, b]);
    seen.push([...(await w.data()), ...(await b.data())]);
  }
  const state = await optimizer.getWeights();
  const moments = await Promise.all(state.map(async (s) => Array.from(await s.tensor.data())));
  tf.dispose([w, b, x, state[0]!.tensor]);
  optimizer.dispose();
  return { seen, moments, iterations: optimizer.iterations };
}

describeBackends('FusedAdamOptimizer', (backend) => {
  it(`updates variables exactly as tfjs's Adam does, with its state and checkpoints (${backend})`, async () => {
    const want = await run(tf.train.adam(0.01, 0.8, 0.99, 1e-6));
    const got = await run(new FusedAdamOptimizer(0.01, 0.8, 0.99, 1e-6));
    expect(got).toEqual(want);
  });
});
