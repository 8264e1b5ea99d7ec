import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { hardLabelLoss } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { relativeMatchers } from '../../../test/golden/golden';

expect.extend(relativeMatchers);

describeBackends('hardLabelLoss', () => {
  it('is the mean over examples of -log softmax(z)[label], the same from ids and one-hot rows', () => {
    tf.tidy(() => {
      const rows = [
        [2, 0.5, -1],
        [0, 0, 3],
      ];
      const ids = [0, 2];
      const expected =
        ids.map((id, i) => -(rows[i]![id]! - Math.log(rows[i]!.reduce((a, z) => a + Math.exp(z), 0)))).reduce((a, b) => a + b) / 2;
      const z = tf.tensor2d(rows);
      expect(hardLabelLoss({ studentLogits: z, labels: tf.tensor1d(ids, 'int32') }).dataSync()[0]!, 'class ids').toBeRelativelyClose(expected, 1e-6);
      expect(hardLabelLoss({ studentLogits: z, labels: tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), 3), 'float32') }).dataSync()[0]!, 'one-hot').toBeRelativelyClose(expected, 1e-6);
    });
  });

  it('has gradient (softmax(z) - y) / labelled for the labelled rows and 0 for unlabelled ones', () => {
    tf.tidy(() => {
      const z = tf.randomNormal([4, 5], 0, 2, 'float32', 3);
      const labels = tf.tensor1d([4, -1, 1, 0], 'int32');
      const grad = tf.grad((x: Tensor) => hardLabelLoss({ studentLogits: x, labels }))(z);
      const y = tf.tensor2d([[0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0]]);
      const mask = tf.tensor2d([[1], [0], [1], [1]]);
      const expected = tf.div(tf.mul(tf.sub(tf.softmax(z), y), mask), 3);
      expect(grad.dataSync(), 'gradient').toMatchArrayRelatively(expected.arraySync() as number[][], 1e-6);
    });
  });

  it('rejects labels out of range and of the wrong dtype, naming hardLabelLoss', () => {
    tf.tidy(() => {
      const z = tf.zeros([2, 3]);
      expect(() => hardLabelLoss({ studentLogits: z, labels: tf.tensor1d([0, 7], 'int32') })).toThrow(/'labels' passed to 'hardLabelLoss' must hold class ids -1 \(no label\) or 0 to 2, got 7 at index 1/);
      expect(() => hardLabelLoss({ studentLogits: z, labels: tf.tensor1d([0, 1], 'bool') })).toThrow(/'labels' passed to 'hardLabelLoss' must be int32 class ids .* got bool of shape \[2\]/);
      expect(() => hardLabelLoss({ studentLogits: tf.zeros([3]), labels: tf.tensor1d([0], 'int32') })).toThrow(/'studentLogits' passed to 'hardLabelLoss' must be a rank-2 tensor/);
      // The old positional call names the arguments object.
      expect(() => (hardLabelLoss as (...args: unknown[]) => unknown)(z, tf.tensor1d([0, 1], 'int32'))).toThrow(
        "Argument 'args' passed to 'hardLabelLoss' must be an object { studentLogits, labels }, got object",
      );
    });
  });
});
