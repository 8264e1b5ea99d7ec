import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Augmentation, AugmentationParams } from './augmentation';
import { Dataset } from './dataset';
import { createRng, deriveSeed } from '@kd/core';
import { argumentError, assertInteger } from '@kd/core';
import { assertBoolean } from './validate';

/** One batch of examples, with everything needed to line teacher outputs up with it. */
export interface Batch {
  /** Pixels `[n, height, width, channels]`, or `[n, height * width * channels]` with `flatten`. */
  x: Tensor;
  /**
   * int32 class ids `[n]` (-1 for an unlabeled example), or null when the data set has no labels.
   * After {@link mixup}: float32 label distributions `[n, classes]` (a row of zeros: no label).
   */
  y: Tensor1D | Tensor2D | null;
  /** Each example's index in the data set being batched. */
  indices: Int32Array;
  /**
   * The augmentation parameters applied to each example (one object per example, all augmentations'
   * parameters merged, e.g. `{ dx: 1, dy: -2, flip: 0 }`), or null without augmentation.
   */
  augmentation: ReadonlyArray<AugmentationParams> | null;
}

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Examples per batch, an integer >= 1. */
  batchSize: number;
  /** Visit the examples in a seeded random order. Default: true. */
  shuffle?: boolean;
  /** Seed of the order and of the augmentations. Default: 0. */
  seed?: number;
  /**
   * The epoch, numbered from 1 as everywhere in kd: the same seed and epoch give the same order and
   * the same augmentations, different epochs different ones. Default: 1.
   */
  epoch?: number;
  /** Leave out a last batch smaller than `batchSize`. Default: false. */
  dropRemainder?: boolean;
  /** An augmentation or a list of them, applied in order. Default: none. */
  augment?: Augmentation | readonly Augmentation[];
  /** Give `x` the shape `[n, height * width * channels]` (for MLPs). Default: false. */
  flatten?: boolean;
  /**
   * Instead of drawing one augmentation per example, visit every example under every parameter set
   * the augmentations can draw (their `variants`, combined), one variant after another, each in
   * the epoch's order: the inputs to cache a teacher's outputs on once for any number of augmented
   * epochs. Needs `augment`, each augmentation with `variants`. Default: false.
   */
  everyVariant?: boolean;
  /**
   * Who disposes each batch's tensors. false (default): the iterator does, when the next batch is
   * requested and when iteration ends or is left early (`break`, `return`, a throw in a `for..of`
   * body); clone what you want to keep. true: the caller owns every batch and disposes `x` and `y`.
   */
  keepTensors?: boolean;
}

// Tags that give the order and the augmentations independent streams from one seed.
const ORDER_STREAM = 1;
const AUGMENT_STREAM = 2;

/**
 * The examples of `dataset` in batches. The order depends only on (`seed`, `epoch`), and an
 * example's augmentation only on (`seed`, `epoch`, its index), not on the batch size or its
 * position, so a teacher output cached under `exampleKey(index, params)` always matches the pixels
 * it was computed from.
 *
 * Each batch is built by typed-array copies into a fresh buffer and wrapped in one tensor (`y` in a
 * second). Tensors are kept out of any `tf.tidy` the iteration happens in; see `keepTensors` for
 * who disposes them.
 */
export function batches(dataset: Dataset, options: BatchOptions): IterableIterator<Batch> {
  const fn = 'batches';
  const plan = planBatches(fn, dataset, options);
  const flatten = options.flatten ?? false;
  const keepTensors = options.keepTensors ?? false;
  assertBoolean(fn, 'flatten', flatten);
  assertBoolean(fn, 'keepTensors', keepTensors);
  const augmentations = checkAugmentations(options.augment);
  const hasLabels = dataset.hasLabels;
  const [height, width, channels] = dataset.imageShape;
  const exampleSize = dataset.exampleSize;

  function makeBatch({ indices, augmentation }: BatchKeys): Batch {
    const n = indices.length;
    // A fresh buffer per batch: the cpu backend keeps the array it is given as the tensor's storage,
    // so a reused buffer would change batches already handed out.
    const pixels = new Float32Array(n * exampleSize);
    dataset.copyImages(indices, pixels);
    if (augmentation) {
      const buffers = [new Float32Array(exampleSize), new Float32Array(exampleSize)] as const;
      for (let k = 0; k < n; k++) {
        const image = pixels.subarray(k * exampleSize, (k + 1) * exampleSize);
        let current = image;
        for (const aug of augmentations) {
          const next = current === buffers[0] ? buffers[1] : buffers[0];
          aug.apply(current, next, dataset.imageShape, augmentation[k]!);
          current = next;
        }
        if (current !== image) image.set(current);
      }
    }
    const x = flatten ? tf.tensor2d(pixels, [n, exampleSize]) : tf.tensor4d(pixels, [n, height, width, channels]);
    let y: Tensor1D | null = null;
    if (hasLabels) {
      const labels = new Int32Array(n);
      for (let k = 0; k < n; k++) labels[k] = dataset.labels[indices[k]!]!;
      y = tf.tensor1d(labels, 'int32');
    }
    tf.keep(x);
    if (y) tf.keep(y);
    return { x, y, indices, augmentation };
  }

  function* generate(): Generator<Batch, void, undefined> {
    let current: Batch | null = null;
    try {
      for (const keys of plan) {
        if (current && !keepTensors) tf.dispose([current.x, ...(current.y ? [current.y] : [])]);
        current = makeBatch(keys);
        yield current;
      }
    } finally {
      if (current && !keepTensors) tf.dispose([current.x, ...(current.y ? [current.y] : [])]);
    }
  }
  return generate();
}

/** Which examples one batch holds and how each is augmented: a {@link Batch} without its tensors. */
export interface BatchKeys {
  /** Each example's index in the data set being batched. */
  indices: Int32Array;
  /** Each example's augmentation parameters, or null without augmentation. */
  augmentation: ReadonlyArray<AugmentationParams> | null;
}

/**
 * The batches {@link batches} would give for the same data set and options, without pixels or
 * tensors: each batch's example indices and augmentation parameters. Cheap, so a trainer can check
 * before its first step that a teacher cache holds every example of every epoch.
 */
export function batchKeys(dataset: Dataset, options: BatchOptions): BatchKeys[] {
  return planBatches('batchKeys', dataset, options);
}

function planBatches(fn: string, dataset: Dataset, options: BatchOptions): BatchKeys[] {
  if (!(dataset instanceof Dataset)) throw argumentError(fn, 'dataset', 'a Dataset', dataset);
  if (options === null || typeof options !== 'object') throw argumentError(fn, 'options', 'an object', options);
  const { batchSize } = options;
  const shuffle = options.shuffle ?? true;
  const seed = options.seed ?? 0;
  const epoch = options.epoch ?? 1;
  const dropRemainder = options.dropRemainder ?? false;
  const everyVariant = options.everyVariant ?? false;
  assertInteger(fn, 'batchSize', batchSize, 1);
  assertBoolean(fn, 'shuffle', shuffle);
  assertInteger(fn, 'seed', seed, Number.MIN_SAFE_INTEGER);
  assertInteger(fn, 'epoch', epoch, 1);
  assertBoolean(fn, 'dropRemainder', dropRemainder);
  assertBoolean(fn, 'everyVariant', everyVariant);
  const augmentations = checkAugmentations(options.augment);
  const order = shuffle
    ? createRng(deriveSeed(seed, ORDER_STREAM, epoch - 1)).permutation(dataset.size)
    : Int32Array.from({ length: dataset.size }, (_, i) => i);
  if (everyVariant) return variantBatches(fn, dataset, order, augmentations, batchSize, dropRemainder);
  const count = dropRemainder ? Math.floor(dataset.size / batchSize) : Math.ceil(dataset.size / batchSize);
  return Array.from({ length: count }, (_, b) => {
    const indices = order.slice(b * batchSize, Math.min((b + 1) * batchSize, dataset.size));
    if (augmentations.length === 0) return { indices, augmentation: null };
    const augmentation = Array.from(indices, (index) => {
      const rng = createRng(deriveSeed(seed, AUGMENT_STREAM, epoch - 1, index));
      const params: Record<string, number> = {};
      for (const aug of augmentations) Object.assign(params, aug.sample(rng, dataset.imageShape));
      return Object.freeze(params);
    });
    return { indices, augmentation: Object.freeze(augmentation) };
  });
}

// Every example of `order` under each combination of the augmentations' variants, variant by variant.
function variantBatches(
  fn: string,
  dataset: Dataset,
  order: Int32Array,
  augmentations: readonly Augmentation[],
  batchSize: number,
  dropRemainder: boolean,
): BatchKeys[] {
  if (augmentations.length === 0) throw argumentError(fn, 'augment', "an augmentation (or a list of them) when 'everyVariant' is true", undefined);
  let combined: AugmentationParams[] = [{}];
  for (const aug of augmentations) {
    if (typeof aug.variants !== 'function') {
      throw new Error(`Argument 'everyVariant' passed to '${fn}' needs augmentations with finitely many variants, but '${aug.name}' lists none (it has no 'variants')`);
    }
    const own = aug.variants(dataset.imageShape);
    combined = combined.flatMap((params) => own.map((more) => Object.freeze({ ...params, ...more })));
  }
  const total = combined.length * order.length;
  const count = dropRemainder ? Math.floor(total / batchSize) : Math.ceil(total / batchSize);
  return Array.from({ length: count }, (_, b) => {
    const positions = Array.from({ length: Math.min(batchSize, total - b * batchSize) }, (__, k) => b * batchSize + k);
    const indices = Int32Array.from(positions, (p) => order[p % order.length]!);
    const augmentation = positions.map((p) => combined[Math.floor(p / order.length)]!);
    return { indices, augmentation: Object.freeze(augmentation) };
  });
}

function checkAugmentations(augment: BatchOptions['augment']): readonly Augmentation[] {
  if (augment === undefined) return [];
  const list = Array.isArray(augment) ? augment : [augment];
  const seen = new Map<string, string>();
  list.forEach((aug: Augmentation, k) => {
    if (!aug || typeof aug.sample !== 'function' || typeof aug.apply !== 'function' || !Array.isArray(aug.paramNames)) {
      throw argumentError('batches', `augment[${k}]`, 'an Augmentation (jitter, randomCrop, horizontalFlip)', aug);
    }
    for (const name of aug.paramNames) {
      const owner = seen.get(name);
      if (owner) {
        throw new Error(
          `Argument 'augment' passed to 'batches' must not name parameter '${name}' twice, got it from '${owner}' and '${aug.name}'`,
        );
      }
      seen.set(name, aug.name);
    }
  });
  return list as readonly Augmentation[];
}

/**
 * A stable string key for one example as a model saw it: its data-set index plus the
 * augmentation parameters applied (sorted by name), e.g. `'42'` or `'42|dx=1,dy=-2,flip=0'`.
 * A teacher cache keys its outputs by it.
 */
export function exampleKey(index: number, params?: AugmentationParams | null): string {
  assertInteger('exampleKey', 'index', index, 0);
  if (params === undefined || params === null) return String(index);
  if (typeof params !== 'object') throw argumentError('exampleKey', 'params', 'an object of numbers or null', params);
  const names = Object.keys(params).toSorted();
  if (names.length === 0) return String(index);
  return `${index}|${names.map((name) => `${name}=${params[name]}`).join(',')}`;
}
