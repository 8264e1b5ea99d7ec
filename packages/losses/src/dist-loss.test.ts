import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { distLoss } from '@kd/losses';
import type { DistLossArgs } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { golden, relativeMatchers } from '../../../test/golden/golden';

expect.extend(relativeMatchers);

function values(args: DistLossArgs): { total: number; inter: number; intra: number } {
  return tf.tidy(() => {
    const { total, inter, intra } = distLoss(args);
    return { total: total.dataSync()[0]!, inter: inter.dataSync()[0]!, intra: intra.dataSync()[0]! };
  });
}

const validArgs = () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), temperature: 1 });

describeBackends('distLoss', () => {
  it.each(golden.dist.map((c) => [c.name, c] as const))('equals the PyTorch reference: %s', (_, c) => {
    tf.tidy(() => {
      const teacher = c.teacherLogits ? { teacherLogits: tf.tensor2d(c.teacherLogits) } : { teacherProbs: tf.tensor2d(c.teacherProbs!) };
      const args = { studentLogits: tf.tensor2d(c.studentLogits), ...teacher, temperature: c.temperature, interWeight: c.beta, intraWeight: c.gamma };
      const got = values(args);
      expect(got.total, 'total').toBeRelativelyClose(c.expected.total);
      expect(got.inter, 'inter').toBeRelativelyClose(c.expected.inter);
      expect(got.intra, 'intra').toBeRelativelyClose(c.expected.intra);
      const grad = tf.grad((z: Tensor) => distLoss({ ...args, studentLogits: z }).total)(args.studentLogits);
      expect(grad.dataSync(), 'gradient').toMatchArrayRelatively(c.grad);
    });
  });

  it('is zero for identical logits, never negative, unchanged by a constant added to a row', () => {
    tf.tidy(() => {
      const z = tf.randomNormal([6, 5], 0, 2, 'float32', 1);
      const same = values({ studentLogits: z, teacherLogits: z, temperature: 1 });
      expect(Math.abs(same.total)).toBeLessThan(1e-5);
      for (let seed = 10; seed < 16; seed++) {
        const got = values({ studentLogits: z, teacherLogits: tf.randomNormal([6, 5], 0, 2, 'float32', seed), temperature: 3 });
        expect(got.inter).toBeGreaterThanOrEqual(0);
        expect(got.intra).toBeGreaterThanOrEqual(0);
      }
      const v = tf.randomNormal([6, 5], 0, 2, 'float32', 20);
      const shift = tf.tensor2d([[5], [-3], [0], [20], [1], [-1]]);
      const base = values({ studentLogits: z, teacherLogits: v, temperature: 2 });
      const shifted = values({ studentLogits: tf.add(z, shift), teacherLogits: tf.sub(v, shift), temperature: 2 });
      expect(shifted.total, 'shifted rows').toBeRelativelyClose(base.total, 1e-5);
    });
  });

  it('has finite gradients for a batch of one, where every class column is constant', () => {
    tf.tidy(() => {
      const teacherLogits = tf.tensor2d([[1, 2, 3]]);
      const f = (z: Tensor) => distLoss({ studentLogits: z, teacherLogits, temperature: 1 }).total;
      const z = tf.tensor2d([[3, 1, 0]]);
      expect(Array.from(tf.grad(f)(z).dataSync()).every(Number.isFinite)).toBe(true);
      expect(values({ studentLogits: z, teacherLogits, temperature: 1 }).intra, 'intra with no batch variation').toBeRelativelyClose(1, 1e-6);
    });
  });

  const bad: Array<[string, () => DistLossArgs, RegExp]> = [
    ['rank-1 logits', () => ({ ...validArgs(), studentLogits: tf.zeros([3]) }), /'studentLogits' passed to 'distLoss' must be a rank-2 tensor, got shape \[3\]/],
    ['a shape mismatch', () => ({ ...validArgs(), teacherLogits: tf.zeros([3, 3]) }), /'studentLogits' and 'teacherLogits' passed to 'distLoss' must have the same shape/],
    ['temperature 0', () => ({ ...validArgs(), temperature: 0 }), /'temperature' passed to 'distLoss' must be a finite number > 0, got 0/],
    ['negative intraWeight', () => ({ ...validArgs(), intraWeight: -1 }), /'intraWeight' passed to 'distLoss' must be a finite number >= 0, got -1/],
    ['both teachers', () => ({ ...validArgs(), teacherProbs: tf.div(tf.ones([2, 3]), 3) }), /'distLoss' needs exactly one of 'teacherLogits' and 'teacherProbs', got both/],
  ];
  it.each(bad)('rejects %s', (_, args, message) => {
    tf.tidy(() => {
      expect(() => distLoss(args())).toThrow(message);
    });
  });
});
