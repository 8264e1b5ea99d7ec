import type { Tensor } from '@tensorflow/tfjs-core';
import { calibrationBins, calibrationError, describeValue, softmax } from '@kd/core';

/**
 * Classification metrics over logits and integer labels. Each reads its tensors once and computes
 * in float64 on the CPU: metrics are summaries, read once per epoch, and exact arithmetic keeps
 * them identical on every backend.
 *
 * `logits` is a float32 [n, classes] tensor (models output logits; probabilities are the softmax).
 * `labels` is an int32 [n] tensor of class ids, or a one-hot [n, classes] tensor.
 */

interface Rows {
  n: number;
  classes: number;
  values: Float32Array;
}

function readLogits(fn: string, arg: string, logits: unknown): Rows {
  if (!isTensor(logits)) {
    throw new TypeError(`Argument '${arg}' passed to '${fn}' must be a Tensor, got ${describeValue(logits)}`);
  }
  if (logits.rank !== 2 || logits.shape[1]! < 1) {
    throw new Error(
      `Argument '${arg}' passed to '${fn}' must be a [n, classes] tensor, got shape [${logits.shape.join(', ')}]`,
    );
  }
  return { n: logits.shape[0]!, classes: logits.shape[1]!, values: logits.dataSync() as Float32Array };
}

function readLabels(fn: string, labels: unknown, rows: Rows): Int32Array {
  if (!isTensor(labels)) {
    throw new TypeError(`Argument 'labels' passed to '${fn}' must be a Tensor, got ${describeValue(labels)}`);
  }
  let ids: Int32Array;
  if (labels.rank === 1) {
    ids = Int32Array.from(labels.dataSync());
  } else if (labels.rank === 2 && labels.shape[1] === rows.classes) {
    ids = argMaxRows({ n: labels.shape[0]!, classes: rows.classes, values: Float32Array.from(labels.dataSync()) });
  } else {
    throw new Error(
      `Argument 'labels' passed to '${fn}' must be class ids [n] or one-hot [n, ${rows.classes}], got shape [${labels.shape.join(', ')}]`,
    );
  }
  if (ids.length !== rows.n) {
    throw new Error(`Argument 'labels' passed to '${fn}' must have ${rows.n} rows to match the logits, got ${ids.length}`);
  }
  const bad = ids.findIndex((id) => id < 0 || id >= rows.classes || !Number.isInteger(id));
  if (bad >= 0) {
    throw new Error(
      `Argument 'labels' passed to '${fn}' must hold class ids in [0, ${rows.classes - 1}], got ${ids[bad]} at row ${bad}`,
    );
  }
  return ids;
}

/** Index of the largest value in each row; ties go to the lowest index, as `tf.argMax` does. */
function argMaxRows({ n, classes, values }: Rows): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) {
      if (values[i * classes + j]! > values[i * classes + best]!) best = j;
    }
    out[i] = best;
  }
  return out;
}

function requireRows(fn: string, rows: Rows): void {
  if (rows.n === 0) throw new Error(`Argument 'logits' passed to '${fn}' must have at least one row, got 0`);
}

/** How many examples have their label as their top-1 class. */
function correctCount(fn: string, logits: Tensor, labels: Tensor): { correct: number; n: number } {
  const rows = readLogits(fn, 'logits', logits);
  const ids = readLabels(fn, labels, rows);
  const predicted = argMaxRows(rows);
  let correct = 0;
  for (let i = 0; i < rows.n; i++) if (predicted[i] === ids[i]) correct++;
  return { correct, n: rows.n };
}

/** Number of examples whose top-1 class is not their label (the paper reports MNIST this way). */
export function errorCount(logits: Tensor, labels: Tensor): number {
  const { correct, n } = correctCount('errorCount', logits, labels);
  return n - correct;
}

/** Fraction of examples whose top-1 class is their label: the correct ones counted, over n. */
export function accuracy(logits: Tensor, labels: Tensor): number {
  requireRows('accuracy', readLogits('accuracy', 'logits', logits));
  const { correct, n } = correctCount('accuracy', logits, labels);
  return correct / n;
}

/** Options of {@link topKAccuracy}. */
export interface TopKOptions {
  /** How many of the highest-scoring classes count as a hit. Default 5. */
  k?: number;
}

/**
 * Fraction of examples whose label is among their `k` highest logits. A class tied with the k-th
 * counts only if it comes first by index, so the result never exceeds what a sort would give.
 */
export function topKAccuracy(logits: Tensor, labels: Tensor, options: TopKOptions = {}): number {
  const k = options.k ?? 5;
  const rows = readLogits('topKAccuracy', 'logits', logits);
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`Argument 'k' passed to 'topKAccuracy' must be an integer >= 1, got ${describeValue(k)}`);
  }
  requireRows('topKAccuracy', rows);
  const ids = readLabels('topKAccuracy', labels, rows);
  let hits = 0;
  for (let i = 0; i < rows.n; i++) {
    const own = rows.values[i * rows.classes + ids[i]!]!;
    let ahead = 0;
    for (let j = 0; j < rows.classes; j++) {
      const v = rows.values[i * rows.classes + j]!;
      if (v > own || (v === own && j < ids[i]!)) ahead++;
    }
    if (ahead < k) hits++;
  }
  return hits / rows.n;
}

/** Mean over examples of `-log softmax(logits)[label]`: the hard-label cross-entropy at T = 1. */
export function negativeLogLikelihood(logits: Tensor, labels: Tensor): number {
  const rows = readLogits('negativeLogLikelihood', 'logits', logits);
  requireRows('negativeLogLikelihood', rows);
  const ids = readLabels('negativeLogLikelihood', labels, rows);
  let total = 0;
  for (let i = 0; i < rows.n; i++) {
    let max = -Infinity;
    for (let j = 0; j < rows.classes; j++) max = Math.max(max, rows.values[i * rows.classes + j]!);
    let sum = 0;
    for (let j = 0; j < rows.classes; j++) sum += Math.exp(rows.values[i * rows.classes + j]! - max);
    total += max + Math.log(sum) - rows.values[i * rows.classes + ids[i]!]!;
  }
  return total / rows.n;
}

/** Options of {@link expectedCalibrationError}. */
export interface CalibrationOptions {
  /** Number of equal-width confidence bins over [0, 1]. Default: `calibrationBins`'s (15). */
  bins?: number;
}

/**
 * Expected calibration error: examples are binned by their top-1 probability (`calibrationBins` of
 * `@kd/core`, the binning the report's reliability diagram uses too); the result is the
 * example-weighted mean over bins of |accuracy - mean confidence|. 0 is perfectly calibrated.
 */
export function expectedCalibrationError(
  logits: Tensor,
  labels: Tensor,
  options: CalibrationOptions = {},
): number {
  const { bins } = options;
  if (bins !== undefined && (!Number.isInteger(bins) || bins < 1)) {
    throw new Error(`Argument 'bins' passed to 'expectedCalibrationError' must be an integer >= 1, got ${describeValue(bins)}`);
  }
  const rows = readLogits('expectedCalibrationError', 'logits', logits);
  requireRows('expectedCalibrationError', rows);
  const ids = readLabels('expectedCalibrationError', labels, rows);
  const probs = softmax(rows.values, { classes: rows.classes });
  const probabilities = Array.from({ length: rows.n }, (_, i) => probs.subarray(i * rows.classes, (i + 1) * rows.classes));
  return calibrationError(calibrationBins({ probabilities, labels: ids, ...(bins === undefined ? {} : { bins }) }));
}

/** Mean over examples of the squared distance between softmax(logits) and the one-hot label. */
export function brierScore(logits: Tensor, labels: Tensor): number {
  const rows = readLogits('brierScore', 'logits', logits);
  requireRows('brierScore', rows);
  const ids = readLabels('brierScore', labels, rows);
  const probs = softmax(rows.values, { classes: rows.classes });
  let total = 0;
  for (let i = 0; i < rows.n; i++) {
    for (let j = 0; j < rows.classes; j++) {
      const d = probs[i * rows.classes + j]! - (j === ids[i] ? 1 : 0);
      total += d * d;
    }
  }
  return total / rows.n;
}

/** Fraction of examples on which student and teacher pick the same top-1 class. */
export function agreement(studentLogits: Tensor, teacherLogits: Tensor): number {
  const student = readLogits('agreement', 'studentLogits', studentLogits);
  const teacher = readLogits('agreement', 'teacherLogits', teacherLogits);
  if (student.n !== teacher.n || student.classes !== teacher.classes) {
    throw new Error(
      `Arguments 'studentLogits' and 'teacherLogits' passed to 'agreement' must have the same shape, got [${student.n}, ${student.classes}] and [${teacher.n}, ${teacher.classes}]`,
    );
  }
  requireRows('agreement', student);
  const a = argMaxRows(student);
  const b = argMaxRows(teacher);
  let same = 0;
  for (let i = 0; i < student.n; i++) if (a[i] === b[i]) same++;
  return same / student.n;
}

/** `matrix[label][predicted]` counts: rows are the true classes, columns the top-1 predictions. */
export function confusionMatrix(logits: Tensor, labels: Tensor): number[][] {
  const rows = readLogits('confusionMatrix', 'logits', logits);
  const ids = readLabels('confusionMatrix', labels, rows);
  const predicted = argMaxRows(rows);
  const matrix = Array.from({ length: rows.classes }, () => Array.from({ length: rows.classes }, () => 0));
  for (let i = 0; i < rows.n; i++) matrix[ids[i]!]![predicted[i]!]!++;
  return matrix;
}

/** The scalar metrics {@link computeMetrics} knows by name. */
export const metricNames = [
  'accuracy',
  'errorCount',
  'top5Accuracy',
  'nll',
  'ece',
  'brier',
  'agreement',
] as const;

/** One of {@link metricNames}. */
export type MetricName = (typeof metricNames)[number];

/** The validation metrics a run computes when its options name none. */
export const defaultMetrics: readonly MetricName[] = ['accuracy', 'nll'];

/** Inputs of {@link computeMetrics}. */
export interface MetricInputs {
  logits: Tensor;
  labels: Tensor;
  /** Needed only for `agreement`. */
  teacherLogits?: Tensor;
}

/**
 * Computes the named scalar metrics at once, for validation each epoch and for logs. `agreement`
 * needs `teacherLogits`; `top5Accuracy` with fewer than 5 classes is 1.
 */
export function computeMetrics(inputs: MetricInputs, names: readonly MetricName[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    switch (name) {
      case 'accuracy':
        out[name] = accuracy(inputs.logits, inputs.labels);
        break;
      case 'errorCount':
        out[name] = errorCount(inputs.logits, inputs.labels);
        break;
      case 'top5Accuracy':
        out[name] = topKAccuracy(inputs.logits, inputs.labels, { k: 5 });
        break;
      case 'nll':
        out[name] = negativeLogLikelihood(inputs.logits, inputs.labels);
        break;
      case 'ece':
        out[name] = expectedCalibrationError(inputs.logits, inputs.labels);
        break;
      case 'brier':
        out[name] = brierScore(inputs.logits, inputs.labels);
        break;
      case 'agreement':
        if (!inputs.teacherLogits) {
          throw new Error(`Metric 'agreement' passed to 'computeMetrics' needs 'teacherLogits', got none`);
        }
        out[name] = agreement(inputs.logits, inputs.teacherLogits);
        break;
      default:
        throw new Error(
          `Argument 'names' passed to 'computeMetrics' must hold ${metricNames.join(', ')}, got '${String(name)}'`,
        );
    }
  }
  return out;
}

/** Whether a larger value of the metric is better (accuracy) or a smaller one (nll, errors). */
export function higherIsBetter(name: MetricName | 'loss'): boolean {
  return name === 'accuracy' || name === 'top5Accuracy' || name === 'agreement';
}

function isTensor(value: unknown): value is Tensor {
  return value !== null && typeof value === 'object' && 'shape' in value && 'dtype' in value && 'dataId' in value;
}
