import * as tf from '@tensorflow/tfjs-core';
import { batchKeys, batches, exampleKey, horizontalFlip, jitter } from '@kd/data';
import type { Dataset } from '@kd/data';
import type { Batch } from '@kd/data';
import { expect, it } from 'vitest';
import { patterned as makeDataset } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { expectFlatTensorCount } from '../../../test/no-leak';

// What each batch held, as plain data; the iterator disposes the tensors.
function read(dataset: Dataset, options: Parameters<typeof batches>[1]) {
  const out: { indices: number[]; x: number[]; y: number[] | null; shape: number[]; augmentation: Batch['augmentation'] }[] = [];
  for (const b of batches(dataset, options)) {
    out.push({
      indices: Array.from(b.indices),
      x: Array.from(b.x.dataSync()),
      y: b.y ? Array.from(b.y.dataSync()) : null,
      shape: b.x.shape,
      augmentation: b.augmentation,
    });
  }
  return out;
}

describeBackends('batches', () => {
  it('visits every example once per epoch with its own pixels and label', () => {
    const d = makeDataset(10);
    const got = read(d, { batchSize: 4, seed: 1 });
    expect(got.map((b) => b.indices.length)).toEqual([4, 4, 2]);
    const all = got.flatMap((b) => b.indices);
    expect(all.toSorted((a, b) => a - b)).toEqual([...Array(10).keys()]);
    for (const b of got) {
      expect(b.shape).toEqual([b.indices.length, 3, 3, 1]);
      b.indices.forEach((index, k) => {
        expect(b.x.slice(9 * k, 9 * k + 9)).toEqual(Array.from(d.image(index)));
        expect(b.y![k]).toBe(index % 4);
      });
      expect(b.augmentation).toBeNull();
    }
    expect(read(d, { batchSize: 4, dropRemainder: true }).map((b) => b.indices.length)).toEqual([4, 4]);
    expect(read(d, { batchSize: 4, flatten: true })[0]!.shape).toEqual([4, 9]);
  });

  it('repeats an order for the same seed and epoch and changes it across epochs', () => {
    const d = makeDataset(50);
    const order = (seed: number, epoch: number) => read(d, { batchSize: 50, seed, epoch })[0]!.indices;
    expect(order(1, 1)).toEqual(order(1, 1));
    expect(order(1, 2)).not.toEqual(order(1, 1));
    expect(order(1, 3)).not.toEqual(order(1, 2));
    expect(order(2, 1)).not.toEqual(order(1, 1));
    // Epochs are numbered from 1: the default is the first.
    expect(read(d, { batchSize: 50, seed: 1 })[0]!.indices).toEqual(order(1, 1));
    expect(read(d, { batchSize: 50, shuffle: false })[0]!.indices).toEqual([...Array(50).keys()]);
  });

  it('gives y null without labels and -1 for unlabeled examples', () => {
    const d = makeDataset(4);
    expect(read(d.unlabeled(), { batchSize: 4 })[0]!.y).toBeNull();
    const partly = makeDataset(4, new Int32Array([0, -1, 2, -1]));
    expect(read(partly, { batchSize: 4, shuffle: false })[0]!.y).toEqual([0, -1, 2, -1]);
  });

  it('disposes each batch when the next is requested, and the last when the loop ends or breaks', () => {
    const d = makeDataset(10);
    const before = tf.memory().numTensors;
    const seen: Batch[] = [];
    const previousDisposed: boolean[] = [];
    const currentAlive: boolean[] = [];
    for (const b of batches(d, { batchSize: 3 })) {
      previousDisposed.push(seen.at(-1)?.x.isDisposed ?? true);
      currentAlive.push(!b.x.isDisposed);
      seen.push(b);
    }
    expect(previousDisposed).toEqual([true, true, true, true]);
    expect(currentAlive).toEqual([true, true, true, true]);
    expect(seen.every((b) => b.x.isDisposed && b.y!.isDisposed)).toBe(true);
    for (const b of batches(d, { batchSize: 3 })) {
      seen.push(b);
      break;
    }
    expect(seen.at(-1)!.x.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('survives a tf.tidy around next() and leaves the tensors to the caller with keepTensors', () => {
    const d = makeDataset(10);
    const iterator = batches(d, { batchSize: 5 });
    const held: { batch?: Batch } = {};
    tf.tidy(() => {
      held.batch = iterator.next().value as Batch;
    });
    const first = held.batch!;
    expect(first.x.isDisposed).toBe(false);
    iterator.return?.(undefined);
    expect(first.x.isDisposed).toBe(true);
    const kept = [...batches(d, { batchSize: 5, keepTensors: true })];
    expect(kept.every((b) => !b.x.isDisposed && !b.y!.isDisposed)).toBe(true);
    tf.dispose(kept.flatMap((b) => [b.x, b.y!]));
  });

  it('keeps the tensor count flat over many epochs', async () => {
    const d = makeDataset(64);
    const before = tf.memory().numTensors;
    await expectFlatTensorCount(5, (round) => {
      for (const b of batches(d, { batchSize: 16, epoch: round + 1, augment: jitter({ maxShift: 1 }) })) {
        tf.tidy(() => {
          tf.sum(b.x);
        });
      }
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports per-example augmentation that reproduces the pixels, whatever the batch size or order', () => {
    const d = makeDataset(12);
    const augment = [jitter({ maxShift: 2 }), horizontalFlip()];
    const got = read(d, { batchSize: 5, seed: 3, epoch: 1, augment });
    const byKey = new Map<number, string>();
    for (const b of got) {
      expect(b.augmentation).toHaveLength(b.indices.length);
      b.indices.forEach((index, k) => {
        const params = b.augmentation![k]!;
        expect(Object.keys(params).toSorted()).toEqual(['dx', 'dy', 'flip']);
        // Rebuild the example from the data set and the reported parameters.
        const shifted = new Float32Array(9);
        augment[0]!.apply(d.image(index), shifted, d.imageShape, params);
        const expected = new Float32Array(9);
        augment[1]!.apply(shifted, expected, d.imageShape, params);
        expect(b.x.slice(9 * k, 9 * k + 9)).toEqual(Array.from(expected));
        byKey.set(index, exampleKey(index, params));
      });
    }
    const other = read(d, { batchSize: 12, shuffle: false, seed: 3, epoch: 1, augment }).flatMap((b) =>
      b.indices.map((index, k) => exampleKey(index, b.augmentation![k])),
    );
    expect(other).toEqual([...Array(12).keys()].map((i) => byKey.get(i)));
    const nextEpoch = read(d, { batchSize: 12, shuffle: false, seed: 3, epoch: 2, augment })[0]!.augmentation;
    expect(nextEpoch!.map((p, i) => exampleKey(i, p))).not.toEqual(other);
  });

  it('lists the same examples and augmentations as the batches, without tensors', () => {
    const d = makeDataset(12);
    const options = { batchSize: 5, seed: 4, epoch: 3, augment: [jitter({ maxShift: 2 }), horizontalFlip()] };
    const before = tf.memory().numTensors;
    const keys = batchKeys(d, options);
    expect(tf.memory().numTensors).toBe(before);
    expect(keys.map((k) => ({ indices: Array.from(k.indices), augmentation: k.augmentation }))).toEqual(
      read(d, options).map((b) => ({ indices: b.indices, augmentation: b.augmentation })),
    );
    expect(batchKeys(d, { batchSize: 12, shuffle: false })).toEqual([{ indices: Int32Array.from(d.labels.keys()), augmentation: null }]);
    expect(() => batchKeys(d, { batchSize: 0 })).toThrow(/'batchSize' passed to 'batchKeys' must be an integer >= 1, got 0/);
  });

  it('visits every example under every variant once with everyVariant, pixels as a drawn batch gives them', () => {
    const d = makeDataset(5);
    const augment = [jitter({ maxShift: 1 }), horizontalFlip()];
    const got = read(d, { batchSize: 4, seed: 2, augment, everyVariant: true });
    const keys = got.flatMap((b) => b.indices.map((index, k) => exampleKey(index, b.augmentation![k])));
    expect(keys).toHaveLength(5 * 9 * 2);
    expect(new Set(keys).size).toBe(keys.length);
    // Variant by variant, each in the epoch's order.
    const order = read(d, { batchSize: 5, seed: 2 })[0]!.indices;
    expect(got.flatMap((b) => b.indices).slice(0, 10)).toEqual([...order, ...order]);
    // Every example a drawn epoch shows is among them, with the same pixels.
    const byKey = new Map(got.flatMap((b) => b.indices.map((index, k) => [exampleKey(index, b.augmentation![k]), b.x.slice(9 * k, 9 * k + 9)] as const)));
    for (const epoch of [1, 2, 3]) {
      for (const b of read(d, { batchSize: 3, seed: 7, epoch, augment })) {
        b.indices.forEach((index, k) => expect(byKey.get(exampleKey(index, b.augmentation![k]))).toEqual(b.x.slice(9 * k, 9 * k + 9)));
      }
    }
    expect(batchKeys(d, { batchSize: 4, augment: jitter({ maxShift: 2 }), everyVariant: true, dropRemainder: true })).toHaveLength(Math.floor((5 * 25) / 4));
    expect(batchKeys(d, { batchSize: 100, augment: horizontalFlip({ probability: 1 }), everyVariant: true })[0]!.augmentation).toEqual(Array.from({ length: 5 }, () => ({ flip: 1 })));
  });

  it.each([
    [{ batchSize: 2, everyVariant: true }, /'augment' passed to 'batches' must be an augmentation \(or a list of them\) when 'everyVariant' is true, got undefined/],
    [{ batchSize: 2, everyVariant: 1 }, /'everyVariant' passed to 'batches' must be a boolean, got 1/],
  ])('rejects everyVariant without what it needs: %o', (options, message) => {
    expect(() => batches(makeDataset(4), options as never)).toThrow(message);
  });

  it('rejects everyVariant with an augmentation of infinitely many variants', () => {
    const { variants: _, ...endless } = jitter({ maxShift: 1 });
    expect(() => batches(makeDataset(4), { batchSize: 2, augment: { ...endless, name: 'noise' }, everyVariant: true })).toThrow(
      /'everyVariant' passed to 'batches' needs augmentations with finitely many variants, but 'noise' lists none/,
    );
  });

  it.each([
    [{ batchSize: 0 }, /'batchSize' passed to 'batches' must be an integer >= 1, got 0/],
    [{ batchSize: 2, epoch: 0 }, /'epoch' passed to 'batches' must be an integer >= 1, got 0/],
    [{ batchSize: 2, shuffle: 'yes' }, /'shuffle' passed to 'batches' must be a boolean, got 'yes'/],
    [{ batchSize: 2, augment: [jitter({ maxShift: 1 }), jitter({ maxShift: 2 })] }, /must not name parameter 'dx' twice/],
    [{ batchSize: 2, augment: [{}] }, /'augment\[0\]' passed to 'batches' must be an Augmentation/],
  ])('rejects %o', (options, message) => {
    expect(() => batches(makeDataset(4), options as never)).toThrow(message);
  });
});

it('exampleKey is stable and independent of parameter order', () => {
  expect(exampleKey(42)).toBe('42');
  expect(exampleKey(42, null)).toBe('42');
  expect(exampleKey(42, {})).toBe('42');
  expect(exampleKey(42, { dy: -2, dx: 1 })).toBe('42|dx=1,dy=-2');
  expect(exampleKey(42, { dx: 1, dy: -2 })).toBe(exampleKey(42, { dy: -2, dx: 1 }));
  expect(() => exampleKey(-1)).toThrow(/'index' passed to 'exampleKey' must be an integer >= 0, got -1/);
});
