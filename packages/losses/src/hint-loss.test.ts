import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { hintLoss } from '@kd/losses';
import type { HintLossArgs } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { golden, relativeMatchers } from '../../../test/golden/golden';

expect.extend(relativeMatchers);

describeBackends('hintLoss', () => {
  it.each(golden.hint.map((c) => [c.name, c] as const))('equals the PyTorch reference: %s', (_, c) => {
    tf.tidy(() => {
      const studentFeatures = tf.tensor(c.studentFeatures);
      const teacherFeatures = tf.tensor(c.teacherFeatures);
      const projection = c.projectionMatrix ? (s: Tensor) => tf.matMul(s as tf.Tensor2D, tf.tensor2d(c.projectionMatrix!)) : undefined;
      expect(hintLoss({ studentFeatures, teacherFeatures, projection }).dataSync()[0]!, 'loss').toBeRelativelyClose(c.expected);
      const grad = tf.grad((s: Tensor) => hintLoss({ studentFeatures: s, teacherFeatures, projection }))(studentFeatures);
      expect(grad.dataSync(), 'gradient').toMatchArrayRelatively(c.grad);
    });
  });

  it('trains the projection: gradients reach its variables', () => {
    tf.tidy(() => {
      const weights = tf.variable(tf.randomNormal([4, 2], 0, 1, 'float32', 1));
      const studentFeatures = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
      const teacherFeatures = tf.randomNormal([3, 2], 0, 1, 'float32', 3);
      const { grads } = tf.variableGrads(() =>
        hintLoss({ studentFeatures, teacherFeatures, projection: (s) => tf.matMul(s as tf.Tensor2D, weights) }),
      );
      expect(grads[weights.name]!.shape).toEqual([4, 2]);
      tf.dispose(grads);
      weights.dispose();
    });
  });

  it('is zero for identical features', () => {
    tf.tidy(() => {
      const f = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 4);
      expect(hintLoss({ studentFeatures: f, teacherFeatures: f }).dataSync()[0]).toBe(0);
    });
  });

  const bad: Array<[string, () => HintLossArgs, RegExp]> = [
    ['a shape mismatch', () => ({ studentFeatures: tf.zeros([2, 3]), teacherFeatures: tf.zeros([2, 4]) }), /'studentFeatures' and 'teacherFeatures' passed to 'hintLoss' must have the same shape, got \[2, 3\] and \[2, 4\]/],
    ['a projection to the wrong shape', () => ({ studentFeatures: tf.zeros([2, 3]), teacherFeatures: tf.zeros([2, 4]), projection: (s: Tensor) => tf.mul(s, 2) }), /'projection\(studentFeatures\)' and 'teacherFeatures' passed to 'hintLoss' must have the same shape/],
    ['a projection that is not a function', () => ({ studentFeatures: tf.zeros([2, 3]), teacherFeatures: tf.zeros([2, 3]), projection: 'dense' as never }), /'projection' passed to 'hintLoss' must be a function/],
    ['int32 features', () => ({ studentFeatures: tf.zeros([2, 3], 'int32'), teacherFeatures: tf.zeros([2, 3]) }), /'studentFeatures' passed to 'hintLoss' must have dtype float32, got int32/],
  ];
  it.each(bad)('rejects %s', (_, args, message) => {
    tf.tidy(() => {
      expect(() => hintLoss(args())).toThrow(message);
    });
  });
});
