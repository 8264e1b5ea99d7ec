import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FASHION_MNIST_CLASS_NAMES, loadMnistStyle } from '@kd/data';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, INSTALL_HINT, encodeIdx, fashionMnistPresent } from '../../../test/idx-files';

const dir = mkdtempSync(join(tmpdir(), 'kd-data-mnist-style-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const images = (n: number) => encodeIdx('uint8', [n, 2, 3], Array.from({ length: n * 6 }, (_, i) => (i * 37) % 256));

// Writes a small MNIST-style folder of raw IDX files: 4 training and 2 test images of 2x3.
function writeFolder(name: string, options: { trainLabels?: number[]; testImages?: Uint8Array } = {}): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  writeFileSync(join(folder, 'train-images-idx3-ubyte'), images(4));
  writeFileSync(join(folder, 'train-labels-idx1-ubyte'), encodeIdx('uint8', [(options.trainLabels ?? [0, 1, 2, 3]).length], options.trainLabels ?? [0, 1, 2, 3]));
  writeFileSync(join(folder, 't10k-images-idx3-ubyte'), options.testImages ?? images(2));
  writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [2], [9, 0]));
  return folder;
}

describe('loadMnistStyle', () => {
  it('reads the full Fashion-MNIST from Debian\'s dataset-fashion-mnist', async (ctx) => {
    if (!fashionMnistPresent()) ctx.skip(INSTALL_HINT);
    const { train, test } = await loadMnistStyle(FASHION_MNIST_DIR, { classNames: FASHION_MNIST_CLASS_NAMES });
    expect(train.size).toBe(60_000);
    expect(test.size).toBe(10_000);
    expect(train.imageShape).toEqual([28, 28, 1]);
    expect(train.classNames?.[9]).toBe('Ankle boot');
    // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
    expect(Array.from(train.classCounts())).toEqual(Array.from({ length: 10 }, () => 6000));
    expect(Array.from(test.classCounts())).toEqual(Array.from({ length: 10 }, () => 1000));
    // The first training image is an ankle boot (label 9); pixels are scaled bytes.
    expect(train.label(0)).toBe(9);
    const first = train.image(0);
    expect(Math.max(...first)).toBe(1);
    expect(first.every((v) => Number.isInteger(Math.round(v * 255)) && Math.abs(v * 255 - Math.round(v * 255)) < 1e-4)).toBe(true);
  });

  it('reads raw files and scales bytes to [0, 1]', async () => {
    const { train, test } = await loadMnistStyle(writeFolder('ok'));
    expect(train.size).toBe(4);
    expect(train.imageShape).toEqual([2, 3, 1]);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3]);
    expect(train.image(0)[1]).toBeCloseTo(37 / 255, 6);
    expect(Array.from(test.labels)).toEqual([9, 0]);
  });

  it('names the files at fault', async () => {
    const counts = writeFolder('counts', { trainLabels: [0, 1, 2] });
    await expect(loadMnistStyle(counts)).rejects.toThrow(
      `image and label counts differ: '${join(counts, 'train-images-idx3-ubyte')}' has 4 images, '${join(counts, 'train-labels-idx1-ubyte')}' has 3 labels`,
    );
    const range = writeFolder('range', { trainLabels: [0, 1, 10, 3] });
    await expect(loadMnistStyle(range)).rejects.toThrow(`'${join(range, 'train-labels-idx1-ubyte')}': label 10 of example 2 is outside [0, 10)`);
    const nan = writeFolder('nan', { testImages: encodeIdx('float32', [2, 1, 1], [0.5, Number.NaN]) });
    await expect(loadMnistStyle(nan)).rejects.toThrow(`'${join(nan, 't10k-images-idx3-ubyte')}': pixel 0 of image 1 is NaN, expected a finite value in [0, 1]`);
    const int = writeFolder('int', { testImages: encodeIdx('int32', [2, 1, 1], [0, 1]) });
    await expect(loadMnistStyle(int)).rejects.toThrow(/images must be uint8, float32 or float64, got int32/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(loadMnistStyle(empty)).rejects.toThrow(`'loadMnistStyle': '${empty}' has neither train-images-idx3-ubyte.gz nor train-images-idx3-ubyte`);
  });
});
