import { assertInteger, createRng, describeValue } from '@kd/core';
import type { Rng } from '@kd/core';
import { checkSpecialistClasses } from './specialist-classes';

/** The labelled examples a specialist is trained on; a `@kd/data` `Dataset` has these fields. */
export interface LabelledExamples {
  /** One class id per example, -1 for unlabeled (left out). */
  readonly labels: Int32Array;
  readonly numClasses: number;
}

/** Options of {@link specialistDataset}. */
export interface SpecialistDatasetOptions {
  /**
   * Number of examples to draw, half from the specialist's classes (rounded up), half from the
   * others. Default: twice the number of labelled examples of the specialist's classes. Classes
   * are drawn without replacement while there are enough examples, then again from a new shuffle.
   */
  size?: number;
  /** Seed of the draw and of the final shuffle. Default 0. */
  seed?: number;
}

/** A specialist's training set: which examples, and their labels in the specialist's classes. */
export interface SpecialistDataset {
  /** Indices of the drawn examples in the data set, shuffled (pass to `dataset.subset` or `toTensors`). */
  indices: Int32Array;
  /**
   * Each drawn example's specialist label: `k` for `classes[k]`, `classes.length` (the dustbin)
   * for every other class.
   */
  labels: Int32Array;
  /** The dustbin's label: `classes.length`. */
  dustbin: number;
  /**
   * How much more often the specialist's classes are seen, relative to the dustbin, than in the
   * data set: (drawn in-class / drawn other) / (data-set in-class / data-set other). After
   * training, {@link correctDustbinBias} adds its log to the dustbin logit, which undoes this
   * prior shift.
   */
  oversamplingRatio: number;
}

/**
 * Draws a specialist's training set (paper section 5): half its examples from the specialist's
 * `classes`, half from the rest, all other classes relabelled as one dustbin class.
 */
export function specialistDataset(
  dataset: LabelledExamples,
  classes: readonly number[],
  options: SpecialistDatasetOptions = {},
): SpecialistDataset {
  const fn = 'specialistDataset';
  if (dataset === null || typeof dataset !== 'object' || !(dataset.labels instanceof Int32Array)) {
    throw new TypeError(`Argument 'dataset' passed to '${fn}' must have Int32Array labels (a Dataset), got ${describeValue(dataset)}`);
  }
  checkSpecialistClasses(fn, 'classes', classes, dataset.numClasses);
  const specialistLabel = new Map(classes.map((c, k) => [c, k]));
  const inside: number[] = [];
  const outside: number[] = [];
  dataset.labels.forEach((label, i) => {
    if (label < 0) return;
    (specialistLabel.has(label) ? inside : outside).push(i);
  });
  if (inside.length === 0 || outside.length === 0) {
    throw new Error(
      `'${fn}' needs labelled examples both of classes [${classes.join(', ')}] and of other classes, got ${inside.length} and ${outside.length}`,
    );
  }
  const size = options.size ?? 2 * inside.length;
  assertInteger(fn, 'size', size, 1);
  if (size < 2) throw new Error(`Argument 'size' passed to '${fn}' must be at least 2 (one example of each half), got ${size}`);
  const rng = createRng(options.seed ?? 0);
  const inCount = Math.ceil(size / 2);
  const drawn = [...draw(inside, inCount, rng), ...draw(outside, size - inCount, rng)];
  rng.shuffle(drawn);
  const indices = Int32Array.from(drawn);
  const dustbin = classes.length;
  const labels = indices.map((i) => specialistLabel.get(dataset.labels[i]!) ?? dustbin);
  return {
    indices,
    labels,
    dustbin,
    oversamplingRatio: inCount / (size - inCount) / (inside.length / outside.length),
  };
}

/** `count` items of `pool`, each used once per pass through a fresh shuffle. */
function draw(pool: readonly number[], count: number, rng: Rng): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const pass = rng.shuffle(pool.slice());
    out.push(...pass.slice(0, count - out.length));
  }
  return out;
}
