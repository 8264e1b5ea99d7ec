import { calibrationBins, calibrationError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { labels, probabilities } from '../../../test/calibration-examples';


describe('calibrationBins', () => {
  it('bins examples by top-1 probability and measures accuracy and confidence', () => {
    const bins = calibrationBins({ probabilities, labels, bins: 10 });
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 2, 1, 0, 0, 2]);
    expect(bins[9]).toMatchObject({ lower: 0.9, upper: 1, count: 2, accuracy: 0.5 });
    expect(bins[9]!.confidence).toBeCloseTo(0.925, 12);
    expect(bins[5]!.accuracy).toBeCloseTo(0.5, 12);
    expect(bins[5]!.confidence).toBeCloseTo(0.525, 12);
  });

  it('uses 15 bins by default, the one default of kd', () => {
    expect(calibrationBins({ probabilities, labels })).toHaveLength(15);
  });

  it('puts a confidence of exactly 1 in the last bin', () => {
    expect(calibrationBins({ probabilities: [[1, 0]], labels: [0], bins: 4 }).map((b) => b.count)).toEqual([0, 0, 0, 1]);
  });

  it('gives the ECE as |accuracy - confidence| weighted by bin share', () => {
    const bins = calibrationBins({ probabilities, labels, bins: 10 });
    const expected = (2 * Math.abs(0.5 - 0.525) + 1 * Math.abs(1 - 0.65) + 2 * Math.abs(0.5 - 0.925)) / 5;
    expect(calibrationError(bins)).toBeCloseTo(expected, 12);
    expect(calibrationError(calibrationBins({ probabilities: [], labels: [] }))).toBe(0);
  });

  it('names the argument on bad input', () => {
    expect(() => calibrationBins({ probabilities, labels: [0] })).toThrow(
      "Argument 'labels' passed to 'calibrationBins' must be one label per row of probabilities (5), got '1 labels'",
    );
    expect(() => calibrationBins({ probabilities, labels, bins: 0 })).toThrow("Argument 'bins' passed to 'calibrationBins' must be an integer >= 1, got 0");
  });
});
