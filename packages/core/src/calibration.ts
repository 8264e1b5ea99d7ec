import { argumentError, assertInteger } from './argument-checks';

/** One confidence bin of a reliability diagram. */
export interface CalibrationBin {
  /** Confidence range `[lower, upper)` (the last bin includes 1). */
  lower: number;
  upper: number;
  /** Examples whose top-1 probability falls in the range. */
  count: number;
  /** Fraction of those examples classified correctly (0 when the bin is empty). */
  accuracy: number;
  /** Mean top-1 probability of those examples (0 when the bin is empty). */
  confidence: number;
}

/** Options of {@link calibrationBins}. */
export interface CalibrationBinsOptions {
  /** One row of class probabilities per example. */
  probabilities: ReadonlyArray<ArrayLike<number>>;
  /** The true class id of each example. */
  labels: ArrayLike<number>;
  /** Number of equal-width confidence bins over [0, 1]. Default 15. */
  bins?: number;
}

/**
 * Groups examples into equal-width bins by their top-1 probability (ties go to the lowest class
 * index, as `tf.argMax` does) and measures accuracy and mean confidence in each: the data of a
 * reliability diagram and of the expected calibration error. The one binning of kd: the
 * `expectedCalibrationError` metric and the report's reliability diagram both use it.
 */
export function calibrationBins(options: CalibrationBinsOptions): CalibrationBin[] {
  const fn = 'calibrationBins';
  const { probabilities, labels, bins = 15 } = options;
  assertInteger(fn, 'bins', bins, 1);
  if (labels.length !== probabilities.length) {
    throw argumentError(fn, 'labels', `one label per row of probabilities (${probabilities.length})`, `${labels.length} labels`);
  }
  const result = Array.from({ length: bins }, (_, i) => ({ lower: i / bins, upper: (i + 1) / bins, count: 0, correct: 0, sum: 0 }));
  for (let i = 0; i < probabilities.length; i++) {
    const row = probabilities[i]!;
    let top = 0;
    for (let c = 1; c < row.length; c++) if (row[c]! > row[top]!) top = c;
    const confidence = row[top]!;
    const bin = result[Math.min(bins - 1, Math.floor(confidence * bins))]!;
    bin.count++;
    bin.sum += confidence;
    if (top === labels[i]) bin.correct++;
  }
  return result.map(({ lower, upper, count, correct, sum }) => ({
    lower,
    upper,
    count,
    accuracy: count ? correct / count : 0,
    confidence: count ? sum / count : 0,
  }));
}

/**
 * Expected calibration error of binned examples: |accuracy - confidence| of each bin, weighted by
 * its share of the examples. 0 is perfectly calibrated.
 */
export function calibrationError(bins: readonly CalibrationBin[]): number {
  const total = bins.reduce((sum, bin) => sum + bin.count, 0);
  return total === 0 ? 0 : bins.reduce((sum, bin) => sum + (bin.count / total) * Math.abs(bin.accuracy - bin.confidence), 0);
}
