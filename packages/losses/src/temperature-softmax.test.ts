import * as tf from '@tensorflow/tfjs-core';
import { logSoftmaxWithTemperature, softmaxWithTemperature } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

describeBackends('softmaxWithTemperature', () => {
  it.each([1, 2, 20])('matches exp(z/T) / sum exp(z/T) at T = %d', (temperature) => {
    const rows = [
      [1, 2, 3, -1],
      [0.5, -4, 2, 2],
    ];
    const expected = rows.map((row) => {
      const e = row.map((z) => Math.exp(z / temperature));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    });
    const got = tf.tidy(() => softmaxWithTemperature(tf.tensor2d(rows), temperature).arraySync());
    expect(got).toHaveLength(2);
    (got as number[][]).forEach((row, i) =>
      row.forEach((p, j) => expect(p).toBeCloseTo(expected[i]![j]!, 6)),
    );
  });

  it('is softer at a higher temperature', () => {
    const [cold, hot] = tf.tidy(() => {
      const z = tf.tensor1d([5, 1, 0]);
      return [softmaxWithTemperature(z, 1).dataSync()[0]!, softmaxWithTemperature(z, 10).dataSync()[0]!];
    });
    expect(hot).toBeLessThan(cold!);
  });

  it('stays finite for logits of magnitude 1e4', () => {
    const [probs, logProbs] = tf.tidy(() => {
      const z = tf.tensor2d([[1e4, -1e4, 0, 9990]]);
      return [
        Array.from(softmaxWithTemperature(z, 1).dataSync()),
        Array.from(logSoftmaxWithTemperature(z, 1).dataSync()),
      ];
    });
    expect(probs.every(Number.isFinite)).toBe(true);
    expect(logProbs.every(Number.isFinite)).toBe(true);
    expect(probs[0]).toBeCloseTo(1 / (1 + Math.exp(-10)), 6);
    expect(logProbs[1]).toBeCloseTo(-2e4, 0);
    expect(logProbs[3]).toBeCloseTo(-10, 2);
  });

  it('has gradient (w - q sum(w)) / T for sum(w * logSoftmax(z / T)) on every backend', () => {
    tf.tidy(() => {
      const temperature = 3;
      const z = tf.tensor2d([[1, 2, 3, -1], [0.5, -4, 2, 2]]);
      const w = tf.tensor2d([[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0]]);
      const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(w, logSoftmaxWithTemperature(x, temperature))))(z);
      const q = softmaxWithTemperature(z, temperature);
      const expected = tf.div(tf.sub(w, tf.mul(q, tf.sum(w, 1, true))), temperature);
      const [got, want] = [Array.from(grad.dataSync()), Array.from(expected.dataSync())];
      got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 6));
    });
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects temperature %s', (temperature) => {
    tf.tidy(() => {
      expect(() => softmaxWithTemperature(tf.tensor1d([1, 2]), temperature)).toThrow(
        /'temperature' passed to 'softmaxWithTemperature' must be a finite number > 0/,
      );
    });
  });

  it('rejects int32 logits and non-tensors', () => {
    tf.tidy(() => {
      expect(() => logSoftmaxWithTemperature(tf.tensor1d([1, 2], 'int32'), 1)).toThrow(
        /'logits' passed to 'logSoftmaxWithTemperature' must have dtype float32, got int32/,
      );
    });
    expect(() => softmaxWithTemperature([1, 2] as never, 1)).toThrow(/must be a Tensor, got an array/);
  });
});
