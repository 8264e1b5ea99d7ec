import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { logitMatchingLoss } from '@kd/losses';
import type { LogitMatchingLossArgs } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { golden, relativeMatchers } from '../../../test/golden/golden';

expect.extend(relativeMatchers);

describeBackends('logitMatchingLoss', () => {
  it.each(golden.logitMatching.map((c) => [c.name, c] as const))('equals the PyTorch reference: %s', (_, c) => {
    tf.tidy(() => {
      const studentLogits = tf.tensor2d(c.studentLogits);
      const teacherLogits = tf.tensor2d(c.teacherLogits);
      expect(logitMatchingLoss({ studentLogits, teacherLogits }).dataSync()[0]!, 'loss').toBeRelativelyClose(c.expected);
      const grad = tf.grad((z: Tensor) => logitMatchingLoss({ studentLogits: z, teacherLogits }))(studentLogits);
      expect(grad.dataSync(), 'gradient').toMatchArrayRelatively(c.grad);
    });
  });

  it('is zero for identical logits, never negative, and unchanged by a constant added to a row', () => {
    tf.tidy(() => {
      const z = tf.randomNormal([6, 5], 0, 3, 'float32', 1);
      const v = tf.randomNormal([6, 5], 0, 3, 'float32', 2);
      expect(logitMatchingLoss({ studentLogits: z, teacherLogits: z }).dataSync()[0]).toBe(0);
      const base = logitMatchingLoss({ studentLogits: z, teacherLogits: v }).dataSync()[0]!;
      expect(base).toBeGreaterThan(0);
      const shift = tf.tensor2d([[1], [-2], [30], [0], [4], [-100]]);
      const shifted = logitMatchingLoss({ studentLogits: tf.add(z, shift), teacherLogits: v }).dataSync()[0]!;
      expect(shifted, 'shifted student rows').toBeRelativelyClose(base, 1e-5);
    });
  });

  const bad: Array<[string, () => LogitMatchingLossArgs, RegExp]> = [
    ['rank-3 student logits', () => ({ studentLogits: tf.zeros([2, 3, 1]), teacherLogits: tf.zeros([2, 3]) }), /'studentLogits' passed to 'logitMatchingLoss' must be a rank-2 tensor, got shape \[2, 3, 1\]/],
    ['a shape mismatch', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([3, 3]) }), /'studentLogits' and 'teacherLogits' passed to 'logitMatchingLoss' must have the same shape/],
    ['a missing teacher', () => ({ studentLogits: tf.zeros([2, 3]) }) as never, /'teacherLogits' passed to 'logitMatchingLoss' must be a Tensor, got undefined/],
  ];
  it.each(bad)('rejects %s', (_, args, message) => {
    tf.tidy(() => {
      expect(() => logitMatchingLoss(args())).toThrow(message);
    });
  });
});
