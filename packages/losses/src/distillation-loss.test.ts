import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { distillationLoss, hardLabelLoss, logitMatchingLoss } from '@kd/losses';
import type { DistillationLossArgs } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { golden, labelsTensor, relativeMatchers } from '../../../test/golden/golden';
import { expectFlatTensorCount } from '../../../test/no-leak';

expect.extend(relativeMatchers);

/** Seeded logits `[batch, classes]`, zero-meaned per row when asked (Eq. 4's assumption). */
function randomLogits(batch: number, classes: number, seed: number, zeroMean = false): Tensor {
  return tf.tidy(() => {
    const z = tf.randomNormal([batch, classes], 0, 2, 'float32', seed);
    return zeroMean ? tf.sub(z, tf.mean(z, 1, true)) : z;
  });
}

function softValue(args: DistillationLossArgs): number {
  return tf.tidy(() => distillationLoss(args).soft.dataSync()[0]!);
}

describeBackends('distillationLoss', () => {
  it.each(golden.distillation.map((c) => [c.name, c] as const))('equals the PyTorch reference: %s', (_, c) => {
    tf.tidy(() => {
      const studentLogits = tf.tensor2d(c.studentLogits);
      const teacher = c.teacherLogits ? { teacherLogits: tf.tensor2d(c.teacherLogits) } : { teacherProbs: tf.tensor2d(c.teacherProbs!) };
      const labels = c.labels ? labelsTensor(c.labels) : undefined;
      const options = { temperature: c.temperature, softWeight: c.softWeight, hardWeight: c.hardWeight };
      const result = distillationLoss({ studentLogits, ...teacher, labels, ...options });
      expect(result.total.dataSync()[0]!, 'total').toBeRelativelyClose(c.expected.total);
      expect(result.soft.dataSync()[0]!, 'soft').toBeRelativelyClose(c.expected.soft);
      expect(result.hard === undefined, 'hard term absent').toBe(c.expected.hard === undefined);
      expect(result.hard?.dataSync()[0] ?? 0, 'hard').toBeRelativelyClose(c.expected.hard ?? 0);

      const gradTotal = tf.grad((z: Tensor) => distillationLoss({ studentLogits: z, ...teacher, labels, ...options }).total);
      expect(gradTotal(studentLogits).dataSync(), 'd total / d studentLogits').toMatchArrayRelatively(c.gradTotal);
      const gradSoft = tf.grad((z: Tensor) => distillationLoss({ studentLogits: z, ...teacher, labels, ...options }).soft);
      expect(gradSoft(studentLogits).dataSync(), 'd soft / d studentLogits').toMatchArrayRelatively(c.gradSoft);
    });
  });

  it.each([1, 2.5, 20])('has soft-term gradient T^2 (q - p) / T / batch at T = %d (Eq. 2 with the T^2 rule)', (temperature) => {
    tf.tidy(() => {
      const batch = 6;
      const studentLogits = randomLogits(batch, 7, 1);
      const teacherLogits = randomLogits(batch, 7, 2);
      const grad = tf.grad((z: Tensor) => distillationLoss({ studentLogits: z, teacherLogits, temperature }).soft)(studentLogits);
      const q = tf.softmax(tf.div(studentLogits, temperature));
      const p = tf.softmax(tf.div(teacherLogits, temperature));
      const expected = tf.div(tf.mul(tf.sub(q, p), temperature * temperature), temperature * batch);
      expect(grad.dataSync(), 'gradient').toMatchArrayRelatively(expected.arraySync() as number[][], 1e-5);
    });
  });

  it('at T = 1000 with zero-mean logits has the Eq. 4 limit gradient (z - v) / (N batch) within 1%, as logit matching does', () => {
    tf.tidy(() => {
      const [batch, classes, temperature] = [5, 10, 1000];
      const studentLogits = randomLogits(batch, classes, 3, true);
      const teacherLogits = randomLogits(batch, classes, 4, true);
      const softGrad = tf.grad((z: Tensor) => distillationLoss({ studentLogits: z, teacherLogits, temperature }).soft)(studentLogits);
      const limit = tf.div(tf.sub(studentLogits, teacherLogits), classes * batch);
      const matchingGrad = tf.grad((z: Tensor) => logitMatchingLoss({ studentLogits: z, teacherLogits }))(studentLogits);
      expect(softGrad.dataSync(), 'soft-term gradient vs Eq. 4').toMatchArrayRelatively(limit.arraySync() as number[][], 0.01);
      expect(matchingGrad.dataSync(), 'logit-matching gradient vs Eq. 4').toMatchArrayRelatively(limit.arraySync() as number[][], 1e-5);
    });
  });

  it.each([0.5, 1, 4, 20])('is zero for identical logits and never negative at T = %d', (temperature) => {
    tf.tidy(() => {
      const z = randomLogits(8, 5, 5);
      expect(Math.abs(softValue({ studentLogits: z, teacherLogits: z, temperature }))).toBeLessThan(1e-6);
      for (let seed = 10; seed < 20; seed++) {
        expect(softValue({ studentLogits: randomLogits(8, 5, seed), teacherLogits: randomLogits(8, 5, seed + 100), temperature })).toBeGreaterThanOrEqual(0);
      }
    });
  });

  it('is unchanged by adding a constant to a row of either logits', () => {
    tf.tidy(() => {
      const studentLogits = randomLogits(4, 6, 6);
      const teacherLogits = randomLogits(4, 6, 7);
      const labels = tf.tensor1d([0, 5, -1, 2], 'int32');
      const shift = tf.tensor2d([[3], [-7], [0.5], [100]]);
      const args = { temperature: 3, softWeight: 1, hardWeight: 0.5, labels };
      const before = distillationLoss({ studentLogits, teacherLogits, ...args }).total.dataSync()[0]!;
      const after = distillationLoss({ studentLogits: tf.add(studentLogits, shift), teacherLogits: tf.sub(teacherLogits, shift), ...args })
        .total.dataSync()[0]!;
      expect(after, 'shifted rows').toBeRelativelyClose(before, 1e-5);
    });
  });

  it('gives the same loss from teacherProbs at T as from teacherLogits', () => {
    tf.tidy(() => {
      const studentLogits = randomLogits(5, 4, 8);
      const teacherLogits = randomLogits(5, 4, 9);
      const temperature = 4;
      const teacherProbs = tf.softmax(tf.div(teacherLogits, temperature));
      expect(softValue({ studentLogits, teacherProbs, temperature }), 'soft').toBeRelativelyClose(softValue({ studentLogits, teacherLogits, temperature }), 1e-5);
    });
  });

  it('averages the hard term over the labelled examples only (-1 = no label; all-zero row = no label)', () => {
    tf.tidy(() => {
      const studentLogits = randomLogits(4, 3, 11);
      const teacherLogits = randomLogits(4, 3, 12);
      const partial = tf.tensor1d([2, -1, 0, -1], 'int32');
      const hard = distillationLoss({ studentLogits, teacherLogits, labels: partial, temperature: 2, hardWeight: 1 }).hard!;
      const labelledOnly = hardLabelLoss({ studentLogits: tf.gather(studentLogits, [0, 2]), labels: tf.tensor1d([2, 0], 'int32') });
      expect(hard.dataSync()[0]!, 'partly labelled hard term').toBeRelativelyClose(labelledOnly.dataSync()[0]!, 1e-6);
      const rows = tf.tensor2d([[0, 0, 1], [0, 0, 0], [1, 0, 0], [0, 0, 0]]);
      expect(hardLabelLoss({ studentLogits, labels: rows }).dataSync()[0]!, 'label rows').toBeRelativelyClose(labelledOnly.dataSync()[0]!, 1e-6);

      const none = tf.tensor1d([-1, -1, -1, -1], 'int32');
      const f = (z: Tensor) => distillationLoss({ studentLogits: z, teacherLogits, labels: none, temperature: 2, hardWeight: 1 }).hard!;
      expect(f(studentLogits).dataSync()[0]).toBe(0);
      expect(Array.from(tf.grad(f)(studentLogits).dataSync()).every((g) => g === 0)).toBe(true);
    });
  });

  it('stays finite, with finite gradients, for logits of magnitude 1e4', () => {
    tf.tidy(() => {
      const studentLogits = tf.tensor2d([[1e4, -1e4, 0], [-5e3, 2e4, 1e4]]);
      const teacherLogits = tf.tensor2d([[-1e4, 1e4, 3], [2e4, 0, -2e4]]);
      const labels = tf.tensor1d([1, 0], 'int32');
      const f = (z: Tensor) => distillationLoss({ studentLogits: z, teacherLogits, labels, temperature: 1, hardWeight: 1 }).total;
      expect(Number.isFinite(f(studentLogits).dataSync()[0])).toBe(true);
      expect(Array.from(tf.grad(f)(studentLogits).dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  const bad: Array<[string, () => DistillationLossArgs, RegExp]> = [
    ['rank-1 student logits', () => ({ studentLogits: tf.tensor1d([1, 2]), teacherLogits: tf.tensor1d([1, 2]), temperature: 1 }), /'studentLogits' passed to 'distillationLoss' must be a rank-2 tensor, got shape \[2\]/],
    ['rank-3 teacher logits', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3, 1]), temperature: 1 }), /'teacherLogits' passed to 'distillationLoss' must be a rank-2 tensor, got shape \[2, 3, 1\]/],
    ['shape mismatch', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 4]), temperature: 1 }), /'studentLogits' and 'teacherLogits' passed to 'distillationLoss' must have the same shape, got \[2, 3\] and \[2, 4\]/],
    ['no teacher', () => ({ studentLogits: tf.zeros([2, 3]), temperature: 1 }), /'distillationLoss' needs exactly one of 'teacherLogits' and 'teacherProbs', got neither/],
    ['both teachers', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), teacherProbs: tf.div(tf.ones([2, 3]), 3), temperature: 1 }), /got both/],
    ['teacherProbs that are logits', () => ({ studentLogits: tf.zeros([1, 3]), teacherProbs: tf.tensor2d([[2, -1, 0]]), temperature: 1 }), /'teacherProbs' passed to 'distillationLoss' must hold probabilities in \[0, 1\], got 2 in row 0/],
    ['teacherProbs rows not summing to 1', () => ({ studentLogits: tf.zeros([1, 3]), teacherProbs: tf.tensor2d([[0.5, 0.1, 0.1]]), temperature: 1 }), /'teacherProbs' passed to 'distillationLoss' must have rows that sum to 1, row 0 sums to 0.7/],
    ['int32 student logits', () => ({ studentLogits: tf.zeros([2, 3], 'int32'), teacherLogits: tf.zeros([2, 3]), temperature: 1 }), /'studentLogits' passed to 'distillationLoss' must have dtype float32, got int32/],
    ['temperature 0', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), temperature: 0 }), /'temperature' passed to 'distillationLoss' must be a finite number > 0, got 0/],
    ['temperature -2', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), temperature: -2 }), /'temperature' .* got -2/],
    ['temperature NaN', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), temperature: Number.NaN }), /'temperature' .* got NaN/],
    ['temperature Infinity', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), temperature: Number.POSITIVE_INFINITY }), /'temperature' .* got Infinity/],
    ['negative softWeight', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), temperature: 1, softWeight: -1 }), /'softWeight' passed to 'distillationLoss' must be a finite number >= 0, got -1/],
    ['negative hardWeight', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor1d([0, 1], 'int32'), temperature: 1, hardWeight: -0.5 }), /'hardWeight' passed to 'distillationLoss' must be a finite number >= 0, got -0.5/],
    ['hardWeight without labels', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), temperature: 1, hardWeight: 0.5 }), /'hardWeight' passed to 'distillationLoss' must be 0 when no 'labels' are given, got 0.5/],
    ['label out of range', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor1d([0, 3], 'int32'), temperature: 1 }), /'labels' passed to 'distillationLoss' must hold class ids -1 \(no label\) or 0 to 2, got 3 at index 1/],
    ['label below -1', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor1d([-2, 0], 'int32'), temperature: 1 }), /got -2 at index 0/],
    ['float32 class ids', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor1d([0, 1]), temperature: 1 }), /'labels' passed to 'distillationLoss' must be int32 class ids of shape \[2\] or float32 label rows of shape \[2, 3\], got float32 of shape \[2\]/],
    ['int32 one-hot rows', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor2d([[1, 0, 0], [0, 1, 0]], [2, 3], 'int32'), temperature: 1 }), /got int32 of shape \[2, 3\]/],
    ['labels of the wrong batch size', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor1d([0, 1, 2], 'int32'), temperature: 1 }), /got int32 of shape \[3\]/],
    ['label rows not summing to 1', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor2d([[1, 1, 0], [0, 1, 0]]), temperature: 1 }), /row 0 sums to 2/],
    ['labels that are not a tensor', () => ({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: [0, 1] as never, temperature: 1 }), /'labels' passed to 'distillationLoss' must be a Tensor, got an array/],
  ];
  it('takes teacher probabilities that float32 rounding put one step above 1', () => {
    tf.tidy(() => {
      // What an arithmetic ensemble's mean of softmax outputs gave in a real run.
      const teacherProbs = tf.tensor2d([[1 + 2 ** -23, 0, 0]]);
      const { total } = distillationLoss({ studentLogits: tf.tensor2d([[2, -1, 0]]), teacherProbs, temperature: 4 });
      expect(Number.isFinite(total.dataSync()[0])).toBe(true);
      expect(() => distillationLoss({ studentLogits: tf.zeros([1, 3]), teacherProbs: tf.tensor2d([[1.001, 0, 0]]), temperature: 4 })).toThrow(/must hold probabilities in \[0, 1\], got 1.00100/);
    });
  });

  it.each(bad)('rejects %s with an error naming the function and the argument', (_, args, message) => {
    tf.tidy(() => {
      expect(() => distillationLoss(args())).toThrow(message);
    });
  });

  it('keeps the tensor count flat over many calls with gradients', async () => {
    const studentLogits = randomLogits(8, 10, 13);
    const teacherLogits = randomLogits(8, 10, 14);
    const labels = tf.tensor1d([0, 1, 2, 3, -1, 5, 6, 7], 'int32');
    const f = (z: Tensor) => distillationLoss({ studentLogits: z, teacherLogits, labels, temperature: 4, hardWeight: 0.3 }).total;
    await expectFlatTensorCount(20, () => {
      const { total, soft, hard } = distillationLoss({ studentLogits, teacherLogits, labels, temperature: 4, hardWeight: 0.3 });
      tf.dispose([total, soft, hard!, tf.grad(f)(studentLogits)]);
    });
    tf.dispose([studentLogits, teacherLogits, labels]);
  });
});
