import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { attentionTransferLoss } from '@kd/losses';
import type { AttentionTransferLossArgs } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { golden, relativeMatchers } from '../../../test/golden/golden';

expect.extend(relativeMatchers);

describeBackends('attentionTransferLoss', () => {
  it.each(golden.attentionTransfer.map((c) => [c.name, c] as const))('equals the PyTorch reference: %s', (_, c) => {
    tf.tidy(() => {
      const studentFeatures = tf.tensor4d(c.studentFeatures);
      const teacherFeatures = tf.tensor4d(c.teacherFeatures);
      expect(attentionTransferLoss({ studentFeatures, teacherFeatures, p: c.p }).dataSync()[0]!, 'loss').toBeRelativelyClose(c.expected);
      const grad = tf.grad((s: Tensor) => attentionTransferLoss({ studentFeatures: s, teacherFeatures, p: c.p }))(studentFeatures);
      expect(grad.dataSync(), 'gradient').toMatchArrayRelatively(c.grad);
    });
  });

  it('is zero for activations with the same attention, whatever their scale and channel count', () => {
    tf.tidy(() => {
      const a = tf.randomNormal([2, 3, 3, 1], 0, 1, 'float32', 1);
      const wide = tf.concat([a, tf.neg(a), a], 3);
      expect(attentionTransferLoss({ studentFeatures: tf.mul(a, 5), teacherFeatures: wide }).dataSync()[0]).toBeLessThan(1e-12);
    });
  });

  it('has finite gradients for an all-zero activation', () => {
    tf.tidy(() => {
      const teacherFeatures = tf.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 2);
      const grad = tf.grad((s: Tensor) => attentionTransferLoss({ studentFeatures: s, teacherFeatures }))(tf.zeros([2, 2, 2, 3]));
      expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  const bad: Array<[string, () => AttentionTransferLossArgs, RegExp]> = [
    ['rank-2 features', () => ({ studentFeatures: tf.zeros([2, 3]), teacherFeatures: tf.zeros([2, 2, 2, 3]) }), /'studentFeatures' passed to 'attentionTransferLoss' must be a rank-4 tensor, got shape \[2, 3\]/],
    ['different spatial sizes', () => ({ studentFeatures: tf.zeros([2, 4, 4, 3]), teacherFeatures: tf.zeros([2, 2, 2, 3]) }), /must agree on batch, height and width, got \[2, 4, 4, 3\] and \[2, 2, 2, 3\]/],
    ['p = 0', () => ({ studentFeatures: tf.zeros([1, 2, 2, 1]), teacherFeatures: tf.zeros([1, 2, 2, 1]), p: 0 }), /'p' passed to 'attentionTransferLoss' must be a finite number > 0, got 0/],
  ];
  it.each(bad)('rejects %s', (_, args, message) => {
    tf.tidy(() => {
      expect(() => attentionTransferLoss(args())).toThrow(message);
    });
  });
});
