import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, loadIdx, streamIdx } from '@kd/data';
import type { IdxChunk, StreamIdxOptions } from '@kd/data';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx } from '../../../test/idx-files';

const dir = mkdtempSync(join(tmpdir(), 'kd-data-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const n = 1000;
const pixels = Array.from({ length: n * 4 * 3 }, (_, i) => (i * 131) % 256);
const labels = Array.from({ length: n }, (_, i) => (i * 7) % 10);
const file = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const images = file('images.idx', encodeIdx('uint8', [n, 4, 3], pixels));
const imagesGz = file('images.idx.gz', encodeIdx('uint8', [n, 4, 3], pixels, true));
const labelsGz = file('labels.idx.gz', encodeIdx('uint8', [n], labels, true));

async function drain(options: StreamIdxOptions): Promise<IdxChunk[]> {
  const chunks: IdxChunk[] = [];
  for await (const chunk of streamIdx(options)) chunks.push(chunk);
  return chunks;
}

describe('streamIdx', () => {
  it.each([
    ['raw', images],
    ['gzipped', imagesGz],
  ])('streams %s files in chunks that equal the whole file', async (_, path) => {
    const chunks = await drain({ images: path, labels: labelsGz, chunkSize: 300 });
    expect(chunks.map((c) => [c.offset, c.dataset.size])).toEqual([[0, 300], [300, 300], [600, 300], [900, 100]]);
    const whole = await loadIdx(images);
    for (const { offset, dataset } of chunks) {
      expect(dataset).toBeInstanceOf(Dataset);
      expect(dataset.imageShape).toEqual([4, 3, 1]);
      for (const i of [0, dataset.size - 1]) {
        expect(Array.from(dataset.image(i), (v) => Math.round(v * 255))).toEqual(Array.from(whole.data.subarray((offset + i) * 12, (offset + i + 1) * 12)));
        expect(dataset.label(i)).toBe(labels[offset + i]);
      }
    }
  });

  it('streams without labels and closes the files when left early', async () => {
    const chunks = await drain({ images, chunkSize: 1000 });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.dataset.hasLabels).toBe(false);
    for await (const chunk of streamIdx({ images: imagesGz, chunkSize: 10 })) {
      expect(chunk.offset).toBe(0);
      break;
    }
  });

  it('names the file when it is truncated, too long, mismatched or out of range', async () => {
    const full = encodeIdx('uint8', [n, 4, 3], pixels);
    const short = file('short.idx', full.subarray(0, full.length - 20));
    await expect(drain({ images: short })).rejects.toThrow(`'streamIdx': '${short}' is truncated: it ends inside image 998 of 1000`);
    const long = file('long.idx', new Uint8Array([...full, 1, 2]));
    await expect(drain({ images: long })).rejects.toThrow(`'streamIdx': '${long}' is too long`);
    const fewer = file('fewer.idx', encodeIdx('uint8', [999], labels.slice(1)));
    await expect(drain({ images, labels: fewer })).rejects.toThrow(`image and label counts differ: '${images}' has 1000 images, '${fewer}' has 999 labels`);
    const range = file('range.idx', encodeIdx('uint8', [n], labels.map((l, i) => (i === 500 ? 12 : l))));
    await expect(drain({ images, labels: range, chunkSize: 200 })).rejects.toThrow(`'${range}': label 12 of example 500 is outside [0, 10)`);
    const floats = file('floats.idx', encodeIdx('float32', [1, 1, 1], [0.5]));
    await expect(drain({ images: floats })).rejects.toThrow(`'${floats}' must hold uint8 images`);
    const gz = encodeIdx('uint8', [n, 4, 3], pixels, true);
    const brokenGz = file('broken.gz', gz.subarray(0, gz.length - 10));
    await expect(drain({ images: brokenGz })).rejects.toThrow(`'streamIdx': reading '${brokenGz}' failed`);
    await expect(drain({ images: join(dir, 'none') })).rejects.toThrow(`'streamIdx' cannot read '${join(dir, 'none')}'`);
    await expect(drain({ images, labels: join(dir, 'none') })).rejects.toThrow(`'streamIdx' cannot read '${join(dir, 'none')}'`);
    await expect(drain({ images, chunkSize: 0 })).rejects.toThrow(/'chunkSize' passed to 'streamIdx' must be an integer >= 1, got 0/);
  });
});
