import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { decoupledKdLoss } from '@kd/losses';
import type { DecoupledKdLossArgs } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { golden, relativeMatchers } from '../../../test/golden/golden';
import { expectFlatTensorCount } from '../../../test/no-leak';

expect.extend(relativeMatchers);

function values(args: DecoupledKdLossArgs): { total: number; tckd: number; nckd: number } {
  return tf.tidy(() => {
    const { total, tckd, nckd } = decoupledKdLoss(args);
    return { total: total.dataSync()[0]!, tckd: tckd.dataSync()[0]!, nckd: nckd.dataSync()[0]! };
  });
}

const validArgs = () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor1d([0, 2], 'int32'), temperature: 4 });

describeBackends('decoupledKdLoss', () => {
  it.each(golden.decoupledKd.map((c) => [c.name, c] as const))('equals the PyTorch reference: %s', (_, c) => {
    tf.tidy(() => {
      const args = {
        studentLogits: tf.tensor2d(c.studentLogits),
        teacherLogits: tf.tensor2d(c.teacherLogits),
        labels: tf.tensor1d(c.labels, 'int32'),
        temperature: c.temperature,
        tckdWeight: c.alpha,
        nckdWeight: c.beta,
      };
      const got = values(args);
      expect(got.total, 'total').toBeRelativelyClose(c.expected.total);
      expect(got.tckd, 'tckd').toBeRelativelyClose(c.expected.tckd);
      expect(got.nckd, 'nckd').toBeRelativelyClose(c.expected.nckd);
      const grad = tf.grad((z: Tensor) => decoupledKdLoss({ ...args, studentLogits: z }).total)(args.studentLogits);
      expect(grad.dataSync(), 'gradient').toMatchArrayRelatively(c.grad);
    });
  });

  it('is zero for identical logits, never negative, unchanged by a constant added to a row', () => {
    tf.tidy(() => {
      const labels = tf.tensor1d([0, 3, 1, 4, 2, 2], 'int32');
      const z = tf.randomNormal([6, 5], 0, 3, 'float32', 1);
      const same = values({ studentLogits: z, teacherLogits: z, labels, temperature: 4 });
      expect(Math.abs(same.tckd)).toBeLessThan(1e-5);
      expect(Math.abs(same.nckd)).toBeLessThan(1e-5);
      for (let seed = 10; seed < 16; seed++) {
        const v = tf.randomNormal([6, 5], 0, 3, 'float32', seed);
        const got = values({ studentLogits: z, teacherLogits: v, labels, temperature: 2 });
        expect(got.tckd).toBeGreaterThanOrEqual(0);
        expect(got.nckd).toBeGreaterThanOrEqual(0);
      }
      const v = tf.randomNormal([6, 5], 0, 3, 'float32', 20);
      const shift = tf.tensor2d([[5], [-3], [0], [200], [1], [-1]]);
      const base = values({ studentLogits: z, teacherLogits: v, labels, temperature: 2 });
      const shifted = values({ studentLogits: tf.add(z, shift), teacherLogits: tf.sub(v, shift), labels, temperature: 2 });
      expect(shifted.total, 'shifted rows').toBeRelativelyClose(base.total, 1e-5);
    });
  });

  it('stays finite, with finite gradients, for logits of magnitude 1e4', () => {
    tf.tidy(() => {
      const teacherLogits = tf.tensor2d([[1e4, -1e4, 0], [-1e4, 2e4, 1e4]]);
      const labels = tf.tensor1d([0, 2], 'int32');
      const f = (z: Tensor) => decoupledKdLoss({ studentLogits: z, teacherLogits, labels, temperature: 1 }).total;
      const z = tf.tensor2d([[-1e4, 1e4, 3], [2e4, 0, -2e4]]);
      expect(Number.isFinite(f(z).dataSync()[0])).toBe(true);
      expect(Array.from(tf.grad(f)(z).dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  const bad: Array<[string, () => DecoupledKdLossArgs, RegExp]> = [
    ['a -1 label (DKD needs every target)', () => ({ ...validArgs(), labels: tf.tensor1d([0, -1], 'int32') }), /'labels' passed to 'decoupledKdLoss' must hold class ids 0 to 2, got -1 at index 1/],
    ['one-hot labels', () => ({ ...validArgs(), labels: tf.tensor2d([[1, 0, 0], [0, 0, 1]]) }), /'labels' passed to 'decoupledKdLoss' must be int32 class ids of shape \[2\], got float32 of shape \[2, 3\]/],
    ['missing labels', () => ({ ...validArgs(), labels: undefined as never }), /'labels' passed to 'decoupledKdLoss' must be a Tensor, got undefined/],
    ['one class', () => ({ ...validArgs(), studentLogits: tf.zeros([2, 1]), teacherLogits: tf.zeros([2, 1]), labels: tf.tensor1d([0, 0], 'int32') }), /'studentLogits' passed to 'decoupledKdLoss' must have at least 2 classes on axis 1, got shape \[2, 1\]/],
    ['a shape mismatch', () => ({ ...validArgs(), teacherLogits: tf.zeros([2, 4]) }), /'studentLogits' and 'teacherLogits' passed to 'decoupledKdLoss' must have the same shape/],
    ['temperature Infinity', () => ({ ...validArgs(), temperature: Number.POSITIVE_INFINITY }), /'temperature' passed to 'decoupledKdLoss' must be a finite number > 0, got Infinity/],
    ['negative nckdWeight', () => ({ ...validArgs(), nckdWeight: -8 }), /'nckdWeight' passed to 'decoupledKdLoss' must be a finite number >= 0, got -8/],
  ];
  it.each(bad)('rejects %s', (_, args, message) => {
    tf.tidy(() => {
      expect(() => decoupledKdLoss(args())).toThrow(message);
    });
  });

  it('keeps the tensor count flat over many calls with gradients', async () => {
    const studentLogits = tf.randomNormal([8, 10], 0, 2, 'float32', 30);
    const teacherLogits = tf.randomNormal([8, 10], 0, 2, 'float32', 31);
    const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
    const f = (z: Tensor) => decoupledKdLoss({ studentLogits: z, teacherLogits, labels, temperature: 4 }).total;
    await expectFlatTensorCount(10, () => {
      const out = decoupledKdLoss({ studentLogits, teacherLogits, labels, temperature: 4 });
      tf.dispose([out.total, out.tckd, out.nckd, tf.grad(f)(studentLogits)]);
    });
    tf.dispose([studentLogits, teacherLogits, labels]);
  });
});
