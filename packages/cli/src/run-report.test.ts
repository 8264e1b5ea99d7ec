import * as tf from '@tensorflow/tfjs-core';
import { expectedCalibrationError } from '@kd/trainer';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { buildRunReport } from './run-report';

describeBackends('buildRunReport', () => {
  it("draws the reliability diagram with the ECE the trainer's ece metric gives, in the same bins", () => {
    // Confidences 0.61 (right) and 0.69 (wrong): one bin of ten, two bins of fifteen.
    const logits = [
      [Math.log(0.61 / 0.39), 0],
      [Math.log(0.69 / 0.31), 0],
    ];
    const labels = [0, 1];
    const ece = tf.tidy(() => expectedCalibrationError(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')));
    const report = buildRunReport({ dir: 'run', name: 'run', logs: { student: [] }, results: undefined, predictions: { split: 'test', labels, logits }, warnings: [] });
    const svg = report.figures.find((figure) => figure.svg.includes('reliability-diagram'))!.svg;
    expect(svg).toContain(`(ECE ${Number(ece.toPrecision(4))})`);
  });
});
