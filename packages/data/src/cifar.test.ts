import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCifar } from '@kd/data';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'kd-data-cifar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Pixel value of image `seed`, channel c (0 red, 1 green, 2 blue), at row y, column x.
const pixel = (seed: number, c: number, y: number, x: number) => (seed * 31 + c * 97 + y * 7 + x * 3) % 256;

// CIFAR binary records as the format defines them: label byte(s), then the red, green and blue
// 32x32 planes, each row-major.
function records(labels: number[][], firstSeed: number): Uint8Array {
  const size = labels[0]!.length + 3072;
  const out = new Uint8Array(labels.length * size);
  labels.forEach((label, r) => {
    out.set(label, r * size);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) out[r * size + label.length + c * 1024 + y * 32 + x] = pixel(firstSeed + r, c, y, x);
      }
    }
  });
  return out;
}

function writeCifar10(folder: string, testBatch?: Uint8Array) {
  mkdirSync(folder, { recursive: true });
  for (let k = 1; k <= 5; k++) writeFileSync(join(folder, `data_batch_${k}.bin`), records([[k - 1], [k + 4]], 10 * k));
  writeFileSync(join(folder, 'test_batch.bin'), testBatch ?? records([[3]], 100));
  writeFileSync(join(folder, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
}

describe('loadCifar', () => {
  it('reads CIFAR-10 batches into HWC images in [0, 1] with class names', async () => {
    const parent = join(dir, 'c10');
    writeCifar10(join(parent, 'cifar-10-batches-bin'));
    const { train, test } = await loadCifar(parent);
    expect(train.size).toBe(10);
    expect(train.imageShape).toEqual([32, 32, 3]);
    expect(Array.from(train.labels)).toEqual([0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
    expect(train.classNames?.[9]).toBe('truck');
    expect(test.size).toBe(1);
    expect(test.label(0)).toBe(3);
    // Example 3 is data_batch_2's second record (seed 21): check a few pixels, every channel.
    const image = train.image(3);
    for (const [y, x] of [[0, 0], [5, 17], [31, 31]] as const) {
      for (let c = 0; c < 3; c++) expect(image[(y * 32 + x) * 3 + c]).toBeCloseTo(pixel(21, c, y, x) / 255, 6);
    }
  });

  it('reads CIFAR-100 with fine or coarse labels', async () => {
    const folder = join(dir, 'c100');
    mkdirSync(folder);
    writeFileSync(join(folder, 'train.bin'), records([[19, 99], [0, 42]], 1));
    writeFileSync(join(folder, 'test.bin'), records([[7, 1]], 5));
    writeFileSync(join(folder, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `super${i}`).join('\n'));
    const fine = await loadCifar(folder);
    expect(fine.train.numClasses).toBe(100);
    expect(Array.from(fine.train.labels)).toEqual([99, 42]);
    expect(fine.train.classNames).toBeUndefined();
    const coarse = await loadCifar(folder, { labels: 'coarse' });
    expect(coarse.train.numClasses).toBe(20);
    expect(Array.from(coarse.train.labels)).toEqual([19, 0]);
    expect(coarse.test.classNames?.[7]).toBe('super7');
    expect(coarse.test.image(0)[2]).toBeCloseTo(pixel(5, 2, 0, 0) / 255, 6);
  });

  it('names the file at fault', async () => {
    const partial = join(dir, 'partial');
    writeCifar10(partial, records([[3], [4]], 0).subarray(0, 5000));
    await expect(loadCifar(partial)).rejects.toThrow(
      `'loadCifar': '${join(partial, 'test_batch.bin')}' is 5000 bytes, not a whole number of cifar10 records (3073 bytes each)`,
    );
    const label = join(dir, 'label');
    writeCifar10(label, records([[3], [10]], 0));
    await expect(loadCifar(label)).rejects.toThrow(`'${join(label, 'test_batch.bin')}' record 1 has label 10, outside [0, 10)`);
    const missing = join(dir, 'missing');
    writeCifar10(missing);
    rmSync(join(missing, 'data_batch_4.bin'));
    await expect(loadCifar(missing)).rejects.toThrow(`'loadCifar' cannot read '${join(missing, 'data_batch_4.bin')}'`);
    await expect(loadCifar(dir)).rejects.toThrow(`'${dir}' holds neither CIFAR-10 (data_batch_1.bin) nor CIFAR-100 (train.bin) binary files`);
    await expect(loadCifar(label, { labels: 'both' as never })).rejects.toThrow(/must be 'fine' or 'coarse', got both/);
  });
});
