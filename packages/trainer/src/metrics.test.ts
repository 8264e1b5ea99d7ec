import * as tf from '@tensorflow/tfjs-core';
import {
  accuracy,
  agreement,
  brierScore,
  computeMetrics,
  confusionMatrix,
  errorCount,
  expectedCalibrationError,
  negativeLogLikelihood,
  topKAccuracy,
} from '@kd/trainer';
import { calibrationBins, calibrationError } from '@kd/core';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

const rows = [
  [2, 1, 0],
  [0, 3, 1],
  [1, 1, 4],
  [5, 0, 4.5],
];
const ids = [0, 2, 2, 1];

function softmax(row: number[]): number[] {
  const e = row.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function withTensors<T>(body: (logits: tf.Tensor, labels: tf.Tensor) => T): T {
  const logits = tf.tensor2d(rows);
  const labels = tf.tensor1d(ids, 'int32');
  try {
    return body(logits, labels);
  } finally {
    tf.dispose([logits, labels]);
  }
}

describeBackends('metrics', () => {
  it('counts errors and accuracy from the top-1 class', () => {
    expect(withTensors(errorCount)).toBe(2);
    expect(withTensors(accuracy)).toBeCloseTo(0.5, 12);
  });

  it('counts the correct examples for accuracy: 816 of 1000 is exactly 0.816', () => {
    const got = tf.tidy(() => {
      const labels = tf.tensor1d(Array.from({ length: 1000 }, () => 0), 'int32');
      // The first 816 rows put class 0 on top, the rest class 1.
      const logits = tf.tensor2d(Array.from({ length: 1000 }, (_, i) => (i < 816 ? [1, 0] : [0, 1])));
      return accuracy(logits, labels);
    });
    expect(got).toBe(816 / 1000);
  });

  it('accepts one-hot labels', () => {
    const got = tf.tidy(() => accuracy(tf.tensor2d(rows), tf.oneHot(tf.tensor1d(ids, 'int32'), 3)));
    expect(got).toBeCloseTo(0.5, 12);
  });

  it.each([
    [1, 0.5],
    [2, 0.75],
    [3, 1],
  ])('top-%d accuracy is %d', (k, expected) => {
    expect(withTensors((l, y) => topKAccuracy(l, y, { k }))).toBeCloseTo(expected, 12);
  });

  it('matches the mean -log softmax[label] for nll', () => {
    const expected = -rows.reduce((s, row, i) => s + Math.log(softmax(row)[ids[i]!]!), 0) / rows.length;
    expect(withTensors(negativeLogLikelihood)).toBeCloseTo(expected, 6);
  });

  it('matches sum (p - y)^2 averaged over examples for the Brier score', () => {
    const expected =
      rows.reduce((s, row, i) => s + softmax(row).reduce((t, p, j) => t + (p - (j === ids[i] ? 1 : 0)) ** 2, 0), 0) /
      rows.length;
    expect(withTensors(brierScore)).toBeCloseTo(expected, 6);
  });

  it('computes the ECE as |accuracy - confidence| weighted by bin size', () => {
    const conf = rows.map((row) => Math.max(...softmax(row)));
    const correct = rows.map((row, i) => (row.indexOf(Math.max(...row)) === ids[i] ? 1 : 0));
    // With one bin the ECE is |mean accuracy - mean confidence|.
    const oneBin = Math.abs(correct.reduce((a: number, b) => a + b, 0) / 4 - conf.reduce((a, b) => a + b, 0) / 4);
    expect(withTensors((l, y) => expectedCalibrationError(l, y, { bins: 1 }))).toBeCloseTo(oneBin, 6);
    // With many bins each example sits alone, so the ECE is the mean |correct - confidence|.
    const perExample = conf.reduce((s, c, i) => s + Math.abs(correct[i]! - c), 0) / 4;
    expect(withTensors((l, y) => expectedCalibrationError(l, y, { bins: 1000 }))).toBeCloseTo(perExample, 6);
  });

  it("is the calibration error of @kd/core's bins with their one default, as the report draws it", () => {
    // Confidences 0.61 (right) and 0.69 (wrong): one bin of ten, two of fifteen, so a second
    // default anywhere would show.
    const probabilities = [
      [0.61, 0.39],
      [0.69, 0.31],
    ];
    const labels = [0, 1];
    const ece = tf.tidy(() => expectedCalibrationError(tf.log(tf.tensor2d(probabilities)), tf.tensor1d(labels, 'int32')));
    expect(ece).toBeCloseTo(calibrationError(calibrationBins({ probabilities, labels })), 6);
    expect(ece).toBeCloseTo((0.39 + 0.69) / 2, 6);
  });

  it('is calibrated (ECE 0) for confident correct predictions', () => {
    const ece = tf.tidy(() =>
      expectedCalibrationError(tf.tensor2d([[100, 0], [0, 100]]), tf.tensor1d([0, 1], 'int32')),
    );
    expect(ece).toBeCloseTo(0, 12);
  });

  it('measures teacher-student agreement on top-1 classes', () => {
    const got = tf.tidy(() => agreement(tf.tensor2d(rows), tf.tensor2d([[0, 1, 0], [0, 3, 1], [9, 1, 4], [1, 0, 0]])));
    expect(got).toBeCloseTo(0.5, 12);
  });

  it('builds the confusion matrix with true classes as rows', () => {
    expect(withTensors(confusionMatrix)).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 1],
    ]);
  });

  it('computes named metrics together', () => {
    const got = withTensors((logits, labels) =>
      computeMetrics({ logits, labels, teacherLogits: logits }, ['accuracy', 'errorCount', 'agreement']),
    );
    expect(got).toEqual({ accuracy: 0.5, errorCount: 2, agreement: 1 });
  });

  it('names the function and argument on bad input', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d(rows);
      expect(() => accuracy(logits, tf.tensor1d([0, 1], 'int32'))).toThrow(
        /'labels' passed to 'accuracy' must have 4 rows to match the logits, got 2/,
      );
      expect(() => errorCount(logits, tf.tensor1d([0, 1, 3, -1], 'int32'))).toThrow(
        /'labels' passed to 'errorCount' must hold class ids in \[0, 2\], got 3 at row 2/,
      );
      expect(() => topKAccuracy(logits, tf.tensor1d(ids, 'int32'), { k: 0 })).toThrow(/'k' .* integer >= 1, got 0/);
      expect(() => accuracy(tf.tensor1d([1, 2]), tf.tensor1d([0], 'int32'))).toThrow(
        /'logits' passed to 'accuracy' must be a \[n, classes\] tensor, got shape \[2\]/,
      );
      expect(() => computeMetrics({ logits, labels: tf.tensor1d(ids, 'int32') }, ['agreement'])).toThrow(
        /needs 'teacherLogits'/,
      );
    });
    expect(() => brierScore([1] as never, [0] as never)).toThrow(/'logits' passed to 'brierScore' must be a Tensor, got an array/);
  });
});
