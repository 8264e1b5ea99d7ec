import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { createRng } from '@kd/core';
import { argumentError, assertInteger } from '@kd/core';
import { assertBoolean, assertFraction } from './validate';

/** Options of `new Dataset(...)`. */
export interface DatasetOptions {
  /**
   * Pixels in [0, 1], example after example, each image height x width x channels (HWC). The data
   * set keeps this array without copying it: do not change it afterwards.
   */
  images: Float32Array;
  /** `[height, width, channels]`, e.g. `[28, 28, 1]`. */
  imageShape: readonly [number, number, number];
  /** One class id per example in [0, numClasses), or -1 for an unlabeled example. Default: all -1. */
  labels?: Int32Array | null;
  /** The number of classes the labels (and a model's outputs) range over. */
  numClasses: number;
  /** One name per class, e.g. `['T-shirt/top', 'Trouser', ...]`. */
  classNames?: readonly string[];
  /** Where the data came from, used in error messages (e.g. a file name). Default: `'dataset'`. */
  source?: string;
}

/** Options of {@link Dataset.split}. */
export interface SplitOptions {
  /** The fraction of examples that go to `test`, in [0, 1]. */
  testFraction: number;
  /** Seed of the random assignment. Default: 0. */
  seed?: number;
  /**
   * Keep every class's share the same in both parts (unlabeled examples form a stratum of their
   * own). Default: true.
   */
  stratify?: boolean;
}

/** Options of {@link Dataset.subsample}. */
export interface SubsampleOptions {
  /** The fraction of examples to keep, in [0, 1]. */
  fraction: number;
  /** Seed of the random choice. Default: 0. */
  seed?: number;
  /** Keep every class's share (see {@link SplitOptions.stratify}). Default: true. */
  stratify?: boolean;
}

/** Options of {@link Dataset.toTensors}. */
export interface ToTensorsOptions {
  /** Data-set indices of the examples to include, in this order. Default: all, in order. */
  indices?: ArrayLike<number>;
  /** Give `x` the shape `[n, height * width * channels]` (for MLPs). Default: false. */
  flatten?: boolean;
}

/** Options of {@link Dataset.withLabels}. */
export interface WithLabelsOptions {
  /** One class id per example in [0, numClasses), or -1 for unlabeled. */
  labels: Int32Array;
  /** The number of classes the new labels range over. Default: this data set's. */
  numClasses?: number;
  /** One name per class. Default: this data set's names when the class count stays, else none. */
  classNames?: readonly string[];
}

/** What {@link Dataset.toTensors} returns; the caller owns (and disposes) both tensors. */
export interface DatasetTensors {
  /** `[n, height, width, channels]`, or `[n, height * width * channels]` with `flatten`. */
  x: Tensor4D | Tensor2D;
  /** int32 class ids `[n]`; -1 marks an unlabeled example. */
  y: Tensor1D;
}

// Pixel buffers already checked for finite values in [0, 1]; data sets derived from one share its
// buffer, so the check runs once per buffer, not once per derived data set.
const checkedBuffers = new WeakSet<Float32Array>();

const VIEW = Symbol('view');
interface ViewParts {
  rows: Int32Array | null;
}

/**
 * An in-memory labelled (or partly labelled, or unlabeled) image data set.
 *
 * **Indices.** Example `i` of a data set is its position in that data set, 0 .. size-1. Every
 * operation that derives a data set (`split`, `subsample`, `take`, `subset`, `withoutClasses`,
 * `onlyClasses`, `unlabeled`, `withLabels`, `concat`) numbers the result's examples afresh from 0, in the order
 * the result lists them; the batches of a data set carry indices into the data set being batched.
 * Derived data sets share the parent's pixels (no copy) except `concat`, which copies.
 *
 * **Labels.** `labels` is always an `Int32Array` of length `size`; -1 marks an unlabeled example.
 */
export class Dataset {
  /** The number of examples. */
  readonly size: number;
  /** `[height, width, channels]`. */
  readonly imageShape: readonly [number, number, number];
  /** `height * width * channels`: the number of values per example. */
  readonly exampleSize: number;
  readonly numClasses: number;
  readonly classNames: readonly string[] | undefined;
  /** One class id per example, -1 for unlabeled. Read it; do not change it. */
  readonly labels: Int32Array;
  /** Where the data came from (used in error messages). */
  readonly source: string;

  readonly #pixels: Float32Array;
  // The row of `#pixels` that holds each example, or null when example i is row i.
  readonly #rows: Int32Array | null;
  #fingerprint: string | undefined;
  #inputsFingerprint: string | undefined;

  constructor(options: DatasetOptions) {
    const fn = 'Dataset';
    const { images, imageShape, numClasses, classNames } = options;
    const view = (options as DatasetOptions & { [VIEW]?: ViewParts })[VIEW];
    this.source = options.source ?? 'dataset';
    if (!(images instanceof Float32Array)) throw argumentError(fn, 'images', 'a Float32Array', images);
    if (
      !Array.isArray(imageShape) ||
      imageShape.length !== 3 ||
      !imageShape.every((d) => Number.isInteger(d) && d > 0)
    ) {
      throw argumentError(fn, 'imageShape', '[height, width, channels] of positive integers', imageShape);
    }
    assertInteger(fn, 'numClasses', numClasses, 1);
    this.imageShape = [imageShape[0], imageShape[1], imageShape[2]];
    this.exampleSize = imageShape[0] * imageShape[1] * imageShape[2];
    if (images.length % this.exampleSize !== 0) {
      throw new Error(
        `Argument 'images' passed to '${fn}' (${this.source}) must hold a whole number of ${imageShape.join('x')} images, got ${images.length} values`,
      );
    }
    this.#pixels = images;
    this.#rows = view ? view.rows : null;
    this.size = this.#rows ? this.#rows.length : images.length / this.exampleSize;
    if (classNames !== undefined) {
      if (!Array.isArray(classNames) || classNames.length !== numClasses) {
        throw argumentError(fn, 'classNames', `an array of ${numClasses} names`, classNames);
      }
      this.classNames = Object.freeze([...classNames]);
    } else {
      this.classNames = undefined;
    }
    this.numClasses = numClasses;
    const labels = options.labels ?? new Int32Array(this.size).fill(-1);
    if (!(labels instanceof Int32Array) || labels.length !== this.size) {
      throw argumentError(fn, 'labels', `an Int32Array of ${this.size} class ids`, labels);
    }
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      if (label < -1 || label >= numClasses) {
        throw new Error(
          `Argument 'labels' passed to '${fn}' (${this.source}): label ${label} of example ${i} is outside [0, ${numClasses}) (or -1 for unlabeled)`,
        );
      }
    }
    this.labels = labels;
    if (!checkedBuffers.has(images)) {
      for (let i = 0; i < images.length; i++) {
        const value = images[i]!;
        // Written so that NaN fails too.
        if (!(value >= 0 && value <= 1)) {
          throw new Error(
            `Argument 'images' passed to '${fn}' (${this.source}): pixel ${i % this.exampleSize} of image ${Math.floor(i / this.exampleSize)} is ${value}, expected a finite value in [0, 1]`,
          );
        }
      }
      checkedBuffers.add(images);
    }
  }

  #view(rows: ArrayLike<number>, labels?: Int32Array, classes?: { numClasses: number; classNames: readonly string[] | undefined }): Dataset {
    const bufferRows = new Int32Array(rows.length);
    const ownLabels = labels ?? new Int32Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k]!;
      bufferRows[k] = this.#rows ? this.#rows[i]! : i;
      if (!labels) ownLabels[k] = this.labels[i]!;
    }
    return new Dataset({
      images: this.#pixels,
      imageShape: this.imageShape,
      labels: ownLabels,
      numClasses: classes ? classes.numClasses : this.numClasses,
      ...((classes ? classes.classNames : this.classNames) ? { classNames: classes ? classes.classNames : this.classNames } : {}),
      source: this.source,
      [VIEW]: { rows: bufferRows },
    } as DatasetOptions);
  }

  /** Example `index`'s pixels (HWC), a view into the data set's buffer: read it, do not change it. */
  image(index: number): Float32Array {
    this.#checkIndex('Dataset.image', 'index', index);
    const row = this.#rows ? this.#rows[index]! : index;
    return this.#pixels.subarray(row * this.exampleSize, (row + 1) * this.exampleSize);
  }

  /** Example `index`'s class id, or -1 if it is unlabeled. */
  label(index: number): number {
    this.#checkIndex('Dataset.label', 'index', index);
    return this.labels[index]!;
  }

  /** True when at least one example has a label. */
  get hasLabels(): boolean {
    return this.labels.some((label) => label >= 0);
  }

  /** The number of examples of each class (unlabeled examples are not counted). */
  classCounts(): Int32Array {
    const counts = new Int32Array(this.numClasses);
    for (const label of this.labels) if (label >= 0) counts[label]!++;
    return counts;
  }

  /**
   * Copies the pixels of the examples at `indices` into `out`, one after another from
   * `out[0]`: the fast path batches use (typed-array copies, no per-pixel work).
   */
  copyImages(indices: ArrayLike<number>, out: Float32Array): void {
    const size = this.exampleSize;
    if (!(out instanceof Float32Array) || out.length < indices.length * size) {
      throw argumentError('Dataset.copyImages', 'out', `a Float32Array of at least ${indices.length * size} values`, out);
    }
    for (let k = 0; k < indices.length; k++) {
      const index = indices[k]!;
      this.#checkIndex('Dataset.copyImages', `indices[${k}]`, index);
      const row = this.#rows ? this.#rows[index]! : index;
      out.set(this.#pixels.subarray(row * size, (row + 1) * size), k * size);
    }
  }

  /**
   * Splits the data set in two, seeded and (by default) stratified. `test` gets
   * `round(testFraction * size)` examples; both parts keep this data set's order.
   */
  split(options: SplitOptions): { train: Dataset; test: Dataset } {
    const fn = 'Dataset.split';
    assertFraction(fn, 'testFraction', options?.testFraction);
    const chosen = this.#choose(fn, options.testFraction, options.seed ?? 0, options.stratify ?? true);
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < this.size; i++) (chosen[i] ? test : train).push(i);
    return { train: this.#view(train), test: this.#view(test) };
  }

  /** A seeded (by default stratified) random `round(fraction * size)` of the examples, in order. */
  subsample(options: SubsampleOptions): Dataset {
    const fn = 'Dataset.subsample';
    assertFraction(fn, 'fraction', options?.fraction);
    const chosen = this.#choose(fn, options.fraction, options.seed ?? 0, options.stratify ?? true);
    const kept: number[] = [];
    for (let i = 0; i < this.size; i++) if (chosen[i]) kept.push(i);
    return this.#view(kept);
  }

  // Marks round(fraction * size) examples. Stratified, each class gets its quota's floor and the
  // examples left over go to the classes with the largest remainders, so the total is exact.
  #choose(fn: string, fraction: number, seed: number, stratify: boolean): Uint8Array {
    assertInteger(fn, 'seed', seed, Number.MIN_SAFE_INTEGER);
    assertBoolean(fn, 'stratify', stratify);
    const rng = createRng(seed);
    const strata = new Map<number, number[]>();
    for (let i = 0; i < this.size; i++) {
      const key = stratify ? this.labels[i]! : 0;
      const members = strata.get(key);
      if (members) members.push(i);
      else strata.set(key, [i]);
    }
    const keys = [...strata.keys()].toSorted((a, b) => a - b);
    const quotas = keys.map((key) => fraction * strata.get(key)!.length);
    const counts = quotas.map(Math.floor);
    let left = Math.round(fraction * this.size) - counts.reduce((a, b) => a + b, 0);
    const byRemainder = keys
      .map((_, s) => s)
      .toSorted((a, b) => quotas[b]! - counts[b]! - (quotas[a]! - counts[a]!) || a - b);
    for (const s of byRemainder) {
      if (left <= 0) break;
      if (counts[s]! < strata.get(keys[s]!)!.length) {
        counts[s]!++;
        left--;
      }
    }
    const chosen = new Uint8Array(this.size);
    keys.forEach((key, s) => {
      const members = strata.get(key)!;
      const order = rng.permutation(members.length);
      for (let k = 0; k < counts[s]!; k++) chosen[members[order[k]!]!] = 1;
    });
    return chosen;
  }

  /** The examples whose class is not in `classes` (unlabeled examples stay); class ids keep their meaning. */
  withoutClasses(classes: readonly number[]): Dataset {
    const drop = this.#classSet('Dataset.withoutClasses', classes);
    const kept: number[] = [];
    for (let i = 0; i < this.size; i++) if (!drop.has(this.labels[i]!)) kept.push(i);
    return this.#view(kept);
  }

  /** The examples whose class is in `classes` (unlabeled examples go); class ids keep their meaning. */
  onlyClasses(classes: readonly number[]): Dataset {
    const keep = this.#classSet('Dataset.onlyClasses', classes);
    const kept: number[] = [];
    for (let i = 0; i < this.size; i++) if (keep.has(this.labels[i]!)) kept.push(i);
    return this.#view(kept);
  }

  #classSet(fn: string, classes: readonly number[]): Set<number> {
    if (!Array.isArray(classes)) throw argumentError(fn, 'classes', 'an array of class ids', classes);
    classes.forEach((c, k) => assertInteger(fn, `classes[${k}]`, c, 0, this.numClasses - 1));
    return new Set(classes);
  }

  /** The same examples with every label removed (-1): a transfer set without labels. */
  unlabeled(): Dataset {
    return this.#view(
      Array.from({ length: this.size }, (_, i) => i),
      new Int32Array(this.size).fill(-1),
    );
  }

  /**
   * The same examples with new `labels` (one class id per example, -1 for unlabeled) over
   * `numClasses` classes (default: this data set's), sharing the pixels: a specialist's classes
   * plus its dustbin, say. The class names stay when the class count does, unless `classNames`
   * replaces them. The labels are copied.
   */
  withLabels(options: WithLabelsOptions): Dataset {
    const fn = 'Dataset.withLabels';
    if (options === null || typeof options !== 'object' || ArrayBuffer.isView(options)) {
      throw argumentError(fn, 'options', 'an object { labels, numClasses?, classNames? }', options);
    }
    const { labels, numClasses = this.numClasses, classNames } = options;
    if (!(labels instanceof Int32Array) || labels.length !== this.size) {
      throw argumentError(fn, 'options.labels', `an Int32Array of ${this.size} class ids`, labels);
    }
    assertInteger(fn, 'options.numClasses', numClasses, 1);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i]! < -1 || labels[i]! >= numClasses) {
        throw argumentError(fn, 'options.labels', `class ids in [0, ${numClasses}) or -1`, `${labels[i]} for example ${i}`);
      }
    }
    const names = classNames ?? (numClasses === this.numClasses ? this.classNames : undefined);
    return this.#view(
      Array.from({ length: this.size }, (_, i) => i),
      labels.slice(),
      { numClasses, classNames: names },
    );
  }

  /** The first `count` examples (all of them if there are fewer). */
  take(count: number): Dataset {
    assertInteger('Dataset.take', 'count', count, 0);
    return this.#view(Array.from({ length: Math.min(count, this.size) }, (_, i) => i));
  }

  /** The examples at `indices`, in that order (repeats allowed). */
  subset(indices: ArrayLike<number>): Dataset {
    if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') {
      throw argumentError('Dataset.subset', 'indices', 'an array of indices', indices);
    }
    for (let k = 0; k < indices.length; k++) this.#checkIndex('Dataset.subset', `indices[${k}]`, indices[k]);
    return this.#view(indices);
  }

  /** This data set's examples followed by `other`'s (pixels are copied into a new buffer). */
  concat(other: Dataset): Dataset {
    const fn = 'Dataset.concat';
    if (!(other instanceof Dataset)) throw argumentError(fn, 'other', 'a Dataset', other);
    if (other.imageShape.some((d, axis) => d !== this.imageShape[axis])) {
      throw argumentError(fn, 'other', `a Dataset of ${this.imageShape.join('x')} images`, `${other.imageShape.join('x')} images`);
    }
    if (other.numClasses !== this.numClasses) {
      throw argumentError(fn, 'other', `a Dataset of ${this.numClasses} classes`, `${other.numClasses} classes`);
    }
    const images = new Float32Array((this.size + other.size) * this.exampleSize);
    const all = (d: Dataset) => Array.from({ length: d.size }, (_, i) => i);
    this.copyImages(all(this), images);
    other.copyImages(all(other), images.subarray(this.size * this.exampleSize));
    const labels = new Int32Array(this.size + other.size);
    labels.set(this.labels);
    labels.set(other.labels, this.size);
    checkedBuffers.add(images);
    return new Dataset({
      images,
      imageShape: this.imageShape,
      labels,
      numClasses: this.numClasses,
      ...(this.classNames ? { classNames: this.classNames } : {}),
      source: this.source === other.source ? this.source : `${this.source} + ${other.source}`,
    });
  }

  /**
   * A content hash of the image shape, size, class count, labels and every pixel, as 16 hex digits.
   * Equal data (in the same order) gives an equal fingerprint however it was derived. Computed
   * once, then cached. See {@link inputsFingerprint} for the inputs alone.
   */
  fingerprint(): string {
    this.#fingerprint ??= this.#hash(true);
    return this.#fingerprint;
  }

  /**
   * A content hash of what a model sees: the image shape, size and every pixel in order, as 16
   * hex digits; labels and class count do not count. A teacher's outputs depend on these alone,
   * so a teacher cache records this: it serves `unlabeled()` and `withLabels(...)` views of its
   * data set, and refuses any other order, subset or pixels. Computed once, then cached.
   */
  inputsFingerprint(): string {
    this.#inputsFingerprint ??= this.#hash(false);
    return this.#inputsFingerprint;
  }

  #hash(withLabels: boolean): string {
    let a = 0x811c9dc5;
    let b = 0x01000193;
    const add = (word: number) => {
      a = Math.imul(a ^ word, 0x01000193);
      b = Math.imul(b ^ word, 0x5bd1e995) ^ (b >>> 15);
    };
    [...this.imageShape, this.size].forEach(add);
    if (withLabels) {
      add(this.numClasses);
      for (const label of this.labels) add(label);
    }
    const size = this.exampleSize;
    const words = new Uint32Array(this.#pixels.buffer, this.#pixels.byteOffset, this.#pixels.length);
    for (let i = 0; i < this.size; i++) {
      const row = this.#rows ? this.#rows[i]! : i;
      for (let j = row * size, end = j + size; j < end; j++) add(words[j]!);
    }
    return hex8(mixDown(a, b)) + hex8(mixDown(b, a));
  }

  /**
   * The examples at `indices` (default: all) as tensors, for evaluation. The caller owns the
   * result and disposes it.
   */
  toTensors(options: ToTensorsOptions = {}): DatasetTensors {
    const fn = 'Dataset.toTensors';
    const flatten = options.flatten ?? false;
    assertBoolean(fn, 'flatten', flatten);
    const indices = options.indices ?? Array.from({ length: this.size }, (_, i) => i);
    if (typeof indices !== 'object' || indices === null || typeof indices.length !== 'number') {
      throw argumentError(fn, 'indices', 'an array of indices', indices);
    }
    const n = indices.length;
    const pixels = new Float32Array(n * this.exampleSize);
    this.copyImages(indices, pixels);
    const labels = new Int32Array(n);
    for (let k = 0; k < n; k++) labels[k] = this.labels[indices[k]!]!;
    const [h, w, c] = this.imageShape;
    const x = flatten ? tf.tensor2d(pixels, [n, this.exampleSize]) : tf.tensor4d(pixels, [n, h, w, c]);
    return { x, y: tf.tensor1d(labels, 'int32') };
  }

  #checkIndex(fn: string, arg: string, index: unknown): asserts index is number {
    assertInteger(fn, arg, index, 0, this.size - 1);
  }
}

function hex8(h: number): string {
  return (h >>> 0).toString(16).padStart(8, '0');
}

function mixDown(x: number, y: number): number {
  let h = Math.imul(x ^ (y >>> 13), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return h ^ (h >>> 13);
}
