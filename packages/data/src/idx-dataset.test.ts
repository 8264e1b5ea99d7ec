import { idxToDataset } from '@kd/data';
import type { IdxArray } from '@kd/data';
import { describe, expect, it } from 'vitest';

const uint8 = (shape: number[], values: number[]): IdxArray => ({ type: 'uint8', shape, data: Uint8Array.from(values) });

describe('idxToDataset', () => {
  it('scales bytes by 1/255 and reads [n, h, w] as one channel', () => {
    const d = idxToDataset(uint8([2, 1, 2], [0, 255, 51, 102]), uint8([2], [4, 1]), { numClasses: 5, classNames: ['a', 'b', 'c', 'd', 'e'] });
    expect(d.imageShape).toEqual([1, 2, 1]);
    expect(Array.from(d.image(1))).toEqual([0.2, 0.4].map(Math.fround));
    expect(Array.from(d.labels)).toEqual([4, 1]);
    expect(d.classNames?.[4]).toBe('e');
  });

  it('accepts float images in [0, 1] with channels', () => {
    const d = idxToDataset(
      { type: 'float32', shape: [1, 1, 2, 2], data: new Float32Array([0, 0.25, 0.5, 1]) },
      { type: 'int16', shape: [1], data: new Int16Array([1]) },
      { numClasses: 2 },
    );
    expect(d.imageShape).toEqual([1, 2, 2]);
    expect(Array.from(d.image(0))).toEqual([0, 0.25, 0.5, 1]);
  });

  it.each([
    ['a rank-1 images array', uint8([2], [0, 0]), uint8([2], [0, 0]), /'img': images must have shape \[n, height, width\] or \[n, height, width, channels\], got \[2\]/],
    ['float labels', uint8([1, 1, 1], [0]), { type: 'float32', shape: [1], data: new Float32Array([0]) }, /'lab': labels must be a rank-1 array of integers, got float32/],
    ['differing counts', uint8([2, 1, 1], [0, 0]), uint8([1], [0]), /image and label counts differ: 'img' has 2 images, 'lab' has 1 labels/],
    ['a negative label', uint8([1, 1, 1], [0]), { type: 'int8', shape: [1], data: new Int8Array([-1]) }, /'lab': label -1 of example 0 is outside \[0, 10\)/],
    ['a pixel above 1', { type: 'float64', shape: [1, 1, 1], data: new Float64Array([1.01]) }, uint8([1], [0]), /'img': pixel 0 of image 0 is 1.0099999904632568, expected a finite value in \[0, 1\]/],
    ['an empty image', uint8([0, 0, 3], []), uint8([0], []), /'img': images have an empty dimension: \[0, 0, 3\]/],
  ] as [string, IdxArray, IdxArray, RegExp][])('rejects %s, naming the file', (_, images, labels, message) => {
    expect(() => idxToDataset(images, labels, { imagesSource: 'img', labelsSource: 'lab' })).toThrow(message);
  });
});
