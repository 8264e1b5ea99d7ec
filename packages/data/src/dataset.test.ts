import * as tf from '@tensorflow/tfjs-core';
import { Dataset } from '@kd/data';
import { describe, expect, it } from 'vitest';
import { indexed as makeDataset, originals } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';

describe('Dataset', () => {
  it('exposes size, shape, labels and pixels without copying', () => {
    const images = new Float32Array(3 * 12).map((_, i) => (i % 12) / 12);
    const d = new Dataset({ images, imageShape: [2, 2, 3], labels: new Int32Array([0, 1, -1]), numClasses: 2, classNames: ['a', 'b'] });
    expect(d.size).toBe(3);
    expect(d.exampleSize).toBe(12);
    expect(d.imageShape).toEqual([2, 2, 3]);
    expect(d.label(2)).toBe(-1);
    expect(d.classNames).toEqual(['a', 'b']);
    expect(d.image(1).buffer).toBe(images.buffer);
    expect(Array.from(d.image(1))).toEqual(Array.from(images.subarray(12, 24)));
    expect(d.hasLabels).toBe(true);
    expect(Array.from(d.classCounts())).toEqual([1, 1]);
    expect(new Dataset({ images, imageShape: [2, 2, 3], numClasses: 2 }).hasLabels).toBe(false);
  });

  it.each([
    ['a NaN pixel', { images: new Float32Array([0, Number.NaN, 0, 0]) }, /pixel 1 of image 0 is NaN, expected a finite value in \[0, 1\]/],
    ['an infinite pixel', { images: new Float32Array([0, 0, 0, Infinity]) }, /pixel 3 of image 0 is Infinity/],
    ['a pixel above 1', { images: new Float32Array([0, 0, 1.5, 0]) }, /is 1.5, expected a finite value/],
    ['a label outside the classes', { labels: new Int32Array([3]) }, /label 3 of example 0 is outside \[0, 3\)/],
    ['a label below -1', { labels: new Int32Array([-2]) }, /label -2 of example 0 is outside/],
    ['too few labels', { labels: new Int32Array([]) }, /'labels' passed to 'Dataset' must be an Int32Array of 1 class ids/],
    ['a partial image', { images: new Float32Array(5) }, /must hold a whole number of 2x2x1 images, got 5 values/],
    ['a bad shape', { imageShape: [2, 2] }, /'imageShape' passed to 'Dataset' must be \[height, width, channels\]/],
    ['a bad class count', { numClasses: 0 }, /'numClasses' passed to 'Dataset' must be an integer >= 1, got 0/],
    ['wrong class names', { classNames: ['x'] }, /'classNames' passed to 'Dataset' must be an array of 3 names/],
    ['pixels in a plain array', { images: [0, 0, 0, 0] }, /'images' passed to 'Dataset' must be a Float32Array, got an array/],
  ])('rejects %s', (_, change, message) => {
    const options = { images: new Float32Array(4), imageShape: [2, 2, 1], labels: new Int32Array([0]), numClasses: 3, ...change };
    expect(() => new Dataset(options as never)).toThrow(message);
  });

  it('names its source in errors', () => {
    expect(
      () => new Dataset({ images: new Float32Array([2, 0, 0, 0]), imageShape: [2, 2, 1], numClasses: 1, source: 'x.idx' }),
    ).toThrow(/'Dataset' \(x\.idx\)/);
  });

  it('splits seeded, stratified, exact and in order', () => {
    const n = 100;
    const d = makeDataset(n, 3);
    const { train, test } = d.split({ testFraction: 0.3, seed: 1 });
    expect(test.size).toBe(30);
    expect(train.size).toBe(70);
    const trainIds = originals(train, n);
    const testIds = originals(test, n);
    expect([...trainIds, ...testIds].toSorted((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(trainIds).toEqual(trainIds.toSorted((a, b) => a - b));
    // Class sizes 34/33/33 give quotas 10.2/9.9/9.9: each class gets 10.
    expect(Array.from(test.classCounts())).toEqual([10, 10, 10]);
    expect(originals(d.split({ testFraction: 0.3, seed: 1 }).test, n)).toEqual(testIds);
    expect(originals(d.split({ testFraction: 0.3, seed: 2 }).test, n)).not.toEqual(testIds);
    // Labels travel with pixels.
    test.labels.forEach((label, i) => expect(label).toBe(testIds[i]! % 3));
    // Derived data sets share the parent's pixels.
    expect(test.image(0).buffer).toBe(d.image(0).buffer);
  });

  it('splits without stratifying when asked, and at the extremes', () => {
    const d = makeDataset(10, 2);
    expect(d.split({ testFraction: 0.5, seed: 3, stratify: false }).test.size).toBe(5);
    expect(d.split({ testFraction: 0, seed: 3 }).test.size).toBe(0);
    expect(d.split({ testFraction: 1, seed: 3 }).train.size).toBe(0);
    expect(() => d.split({ testFraction: 1.5 })).toThrow(/'testFraction' passed to 'Dataset.split' must be a number in \[0, 1\], got 1.5/);
    expect(() => d.split({ testFraction: 0.5, seed: 0.5 })).toThrow(/'seed' passed to 'Dataset.split'/);
  });

  it('subsamples seeded and stratified', () => {
    const d = makeDataset(90, 3);
    const s = d.subsample({ fraction: 0.1, seed: 4 });
    expect(s.size).toBe(9);
    expect(Array.from(s.classCounts())).toEqual([3, 3, 3]);
    expect(originals(s, 90)).toEqual(originals(d.subsample({ fraction: 0.1, seed: 4 }), 90));
    expect(() => d.subsample({ fraction: -0.1 })).toThrow(/'fraction' passed to 'Dataset.subsample'/);
  });

  it('filters classes, keeping class ids and the unlabeled examples withoutClasses', () => {
    const d = makeDataset(6, 3, new Int32Array([0, 1, 2, -1, 1, 0]));
    const without = d.withoutClasses([1]);
    expect(Array.from(without.labels)).toEqual([0, 2, -1, 0]);
    expect(without.numClasses).toBe(3);
    expect(originals(without, 6)).toEqual([0, 2, 3, 5]);
    expect(Array.from(d.onlyClasses([1, 2]).labels)).toEqual([1, 2, 1]);
    expect(() => d.onlyClasses([3])).toThrow(/'classes\[0\]' passed to 'Dataset.onlyClasses' must be an integer in \[0, 2\], got 3/);
    expect(() => d.withoutClasses(1 as never)).toThrow(/'classes' passed to 'Dataset.withoutClasses' must be an array/);
  });

  it('relabels the same examples into other classes, sharing the pixels', () => {
    const d = new Dataset({ images: new Float32Array(3 * 4).fill(0.5), imageShape: [2, 2, 1], labels: new Int32Array([0, 1, 2]), numClasses: 3, classNames: ['a', 'b', 'c'] });
    const labels = new Int32Array([1, 0, 1]);
    const two = d.subset([2, 0, 1]).withLabels({ labels, numClasses: 2 });
    labels[0] = 0; // the data set keeps its own copy
    expect(Array.from(two.labels)).toEqual([1, 0, 1]);
    expect(two.numClasses).toBe(2);
    expect(two.classNames).toBeUndefined();
    expect(two.image(1).buffer).toBe(d.image(0).buffer);
    expect(two.withLabels({ labels: new Int32Array([0, -1, 1]), numClasses: 2, classNames: ['x', 'rest'] }).classNames).toEqual(['x', 'rest']);
    expect(d.withLabels({ labels: new Int32Array([2, 2, 2]) }).classNames).toEqual(['a', 'b', 'c']);
    expect(() => d.withLabels({ labels: new Int32Array([0, 1]) })).toThrow("Argument 'options.labels' passed to 'Dataset.withLabels' must be an Int32Array of 3 class ids, got an Int32Array");
    expect(() => d.withLabels({ labels: new Int32Array([0, 1, 2]), numClasses: 2 })).toThrow("Argument 'options.labels' passed to 'Dataset.withLabels' must be class ids in [0, 2) or -1, got '2 for example 2'");
    expect(() => d.withLabels({ labels: new Int32Array(3), numClasses: 0 })).toThrow("Argument 'options.numClasses' passed to 'Dataset.withLabels' must be an integer >= 1, got 0");
    // The old positional call names the options object.
    expect(() => d.withLabels(new Int32Array(3) as never)).toThrow("Argument 'options' passed to 'Dataset.withLabels' must be an object { labels, numClasses?, classNames? }, got an Int32Array");
  });

  it('removes labels, takes, selects and concatenates', () => {
    const d = makeDataset(10, 2);
    const u = d.unlabeled();
    expect(Array.from(u.labels)).toEqual(Array.from({ length: 10 }, () => -1));
    expect(u.hasLabels).toBe(false);
    expect(originals(d.take(3), 10)).toEqual([0, 1, 2]);
    expect(d.take(50).size).toBe(10);
    const picked = d.subset([7, 2, 7]);
    expect(originals(picked, 10)).toEqual([7, 2, 7]);
    expect(Array.from(picked.labels)).toEqual([1, 0, 1]);
    // A view of a view maps through to the original buffer.
    expect(originals(picked.subset([1]), 10)).toEqual([2]);
    expect(() => d.subset([10])).toThrow(/'indices\[0\]' passed to 'Dataset.subset' must be an integer in \[0, 9\], got 10/);
    const both = d.take(2).concat(d.subset([9]));
    expect(originals(both, 10)).toEqual([0, 1, 9]);
    expect(Array.from(both.labels)).toEqual([0, 1, 1]);
    expect(both.image(0).buffer).not.toBe(d.image(0).buffer);
    expect(() => d.concat(makeDataset(2, 3))).toThrow(/'other' passed to 'Dataset.concat' must be a Dataset of 2 classes, got '3 classes'/);
    expect(() => d.image(-1)).toThrow(/'index' passed to 'Dataset.image'/);
  });

  it('fingerprints content, not history', () => {
    const d = makeDataset(20, 2);
    const fp = d.fingerprint();
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(d.take(20).fingerprint()).toBe(fp);
    expect(makeDataset(20, 2).fingerprint()).toBe(fp);
    const others = [
      d.take(19),
      d.subset([1, 0, ...Array.from({ length: 18 }, (_, i) => i + 2)]),
      d.unlabeled(),
      makeDataset(20, 3),
      new Dataset({ images: new Float32Array(80), imageShape: [2, 2, 1], labels: d.labels, numClasses: 2 }),
      new Dataset({ images: new Float32Array(80), imageShape: [4, 1, 1], labels: d.labels, numClasses: 2 }),
    ].map((o) => o.fingerprint());
    expect(new Set([fp, ...others]).size).toBe(others.length + 1);
    const images = new Float32Array(80);
    const base = new Dataset({ images, imageShape: [2, 2, 1], numClasses: 2 }).fingerprint();
    const changed = images.slice();
    changed[77] = 1e-7;
    expect(new Dataset({ images: changed, imageShape: [2, 2, 1], numClasses: 2 }).fingerprint()).not.toBe(base);
  });

  it('fingerprints the inputs apart from the labels, for what a teacher sees', () => {
    const d = makeDataset(20, 2);
    const inputs = d.inputsFingerprint();
    expect(inputs).toMatch(/^[0-9a-f]{16}$/);
    expect(inputs).not.toBe(d.fingerprint());
    // Labels removed or changed: the same inputs.
    expect(d.unlabeled().inputsFingerprint()).toBe(inputs);
    expect(d.withLabels({ labels: new Int32Array(20), numClasses: 5 }).inputsFingerprint()).toBe(inputs);
    expect(d.unlabeled().fingerprint()).not.toBe(d.fingerprint());
    // Another order or another subset: other inputs.
    const reordered = d.subset([1, 0, ...Array.from({ length: 18 }, (_, i) => i + 2)]);
    expect(new Set([inputs, reordered.inputsFingerprint(), d.take(19).inputsFingerprint()]).size).toBe(3);
  });
});

describeBackends('Dataset.toTensors', () => {
  it('gives x and int32 y for all or some examples, image-shaped or flat', () => {
    const d = makeDataset(5, 2);
    const all = d.toTensors();
    expect(all.x.shape).toEqual([5, 2, 2, 1]);
    expect(all.y.dtype).toBe('int32');
    expect(Array.from(all.y.dataSync())).toEqual([0, 1, 0, 1, 0]);
    const some = d.toTensors({ indices: [4, 1], flatten: true });
    expect(some.x.shape).toEqual([2, 4]);
    expect(Array.from(some.x.dataSync())).toEqual([0.8, 0.8, 0.8, 0.8, 0.2, 0.2, 0.2, 0.2].map(Math.fround));
    expect(Array.from(some.y.dataSync())).toEqual([0, 1]);
    const unlabeled = d.unlabeled().toTensors({ indices: [0] });
    expect(Array.from(unlabeled.y.dataSync())).toEqual([-1]);
    tf.dispose([all.x, all.y, some.x, some.y, unlabeled.x, unlabeled.y]);
  });

  it('rejects bad indices without leaking', () => {
    const d = makeDataset(5, 2);
    expect(() => d.toTensors({ indices: [5] })).toThrow(/'indices\[0\]' passed to 'Dataset.copyImages'/);
    expect(() => d.toTensors({ flatten: 1 as never })).toThrow(/'flatten' passed to 'Dataset.toTensors' must be a boolean/);
  });
});
