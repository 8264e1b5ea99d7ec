import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRng } from '@kd/core';
import { loadIdx, loadMnistStyle, parseIdx, streamIdx } from '@kd/data';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, INSTALL_HINT, fashionMnistPresent } from '../../../test/idx-files';

// Fuzzing with corrupted and truncated versions of the real Fashion-MNIST test files: every load
// either succeeds (a flipped pixel byte is still a valid file) or rejects with an Error naming the
// file; none hangs or crashes the process. Seeded, so a failure reproduces.
const dir = mkdtempSync(join(tmpdir(), 'kd-data-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const real = {
  images: join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'),
  labels: join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'),
};

type Corruption = 'truncate' | 'flip' | 'append';

function corrupt(bytes: Uint8Array, kind: Corruption, rng: ReturnType<typeof createRng>): Uint8Array {
  if (kind === 'truncate') return bytes.slice(0, rng.int(bytes.length));
  if (kind === 'append') return concat(bytes, 1 + rng.int(16));
  const out = bytes.slice();
  // Half the flips hit the header, where they change the magic number, type, rank or shape.
  const flips = 1 + rng.int(4);
  for (let f = 0; f < flips; f++) {
    const at = rng.next() < 0.5 ? rng.int(Math.min(16, out.length)) : rng.int(out.length);
    out[at] = out[at]! ^ (1 + rng.int(255));
  }
  return out;
}

function concat(bytes: Uint8Array, extra: number): Uint8Array {
  const out = new Uint8Array(bytes.length + extra);
  out.set(bytes);
  return out;
}

// Runs `load` and describes anything wrong with how it failed: a throw that is not an Error, a
// message that does not name `file`, or success where `mustFail` says the file is broken.
async function check(file: string, mustFail: boolean, load: () => unknown): Promise<string[]> {
  try {
    await load();
    return mustFail ? [`${file}: loaded, but it is broken`] : [];
  } catch (error) {
    if (!(error instanceof Error)) return [`${file}: threw a non-Error ${String(error)}`];
    return error.message.includes(file) ? [] : [`${file}: message does not name the file: ${error.message}`];
  }
}

describe('corrupted files', () => {
  it('parseIdx rejects truncated and over-long real files and survives flipped bytes', async (ctx) => {
    if (!fashionMnistPresent()) ctx.skip(INSTALL_HINT);
    const rng = createRng(1503);
    const problems: string[] = [];
    for (const file of [real.images, real.labels]) {
      const raw = new Uint8Array(gunzipSync(readFileSync(file)));
      for (let round = 0; round < 40; round++) {
        const kind = (['truncate', 'flip', 'append'] as const)[round % 3]!;
        const bytes = corrupt(raw, kind, rng);
        problems.push(...(await check(file, kind !== 'flip', () => parseIdx(bytes, file))));
      }
    }
    expect(problems).toEqual([]);
  });

  it('loadIdx and streamIdx name the file for corrupted gzip and raw files', async (ctx) => {
    if (!fashionMnistPresent()) ctx.skip(INSTALL_HINT);
    const rng = createRng(2015);
    const gz = new Uint8Array(readFileSync(real.labels));
    const raw = new Uint8Array(gunzipSync(gz));
    const problems: string[] = [];
    let failures = 0;
    for (let round = 0; round < 24; round++) {
      const kind = (['truncate', 'flip', 'append'] as const)[round % 3]!;
      const compressed = round % 2 === 0;
      const path = join(dir, `labels-${round}${compressed ? '.gz' : ''}`);
      writeFileSync(path, corrupt(compressed ? gz : raw, kind, rng));
      // A cut file is always wrong; so is a raw file with bytes added (gzip ignores trailing bytes).
      const mustFail = kind === 'truncate' || (kind === 'append' && !compressed);
      const found = await check(path, mustFail, () => loadIdx(path));
      problems.push(...found);
      failures += Number(mustFail);
      // Streaming reads all 10,000 real images: a third of the rounds is enough.
      if (round % 3 === 1) {
        problems.push(
          ...(await check(path, mustFail, async () => {
            for await (const chunk of streamIdx({ images: real.images, labels: path, chunkSize: 5000 })) {
              if (chunk.dataset.size !== 5000) problems.push(`${path}: chunk of ${chunk.dataset.size}`);
            }
          })),
        );
      }
    }
    expect(problems).toEqual([]);
    expect(failures).toBeGreaterThan(0);
  });

  it('loadMnistStyle names the corrupted file among the four', async (ctx) => {
    if (!fashionMnistPresent()) ctx.skip(INSTALL_HINT);
    const rng = createRng(74);
    const raw = new Uint8Array(gunzipSync(readFileSync(real.labels)));
    const problems: string[] = [];
    for (let round = 0; round < 4; round++) {
      const folder = join(dir, `mnist-style-${round}`);
      mkdirSync(folder);
      copyFileSync(real.images, join(folder, 'train-images-idx3-ubyte.gz'));
      copyFileSync(real.labels, join(folder, 'train-labels-idx1-ubyte.gz'));
      copyFileSync(real.images, join(folder, 't10k-images-idx3-ubyte.gz'));
      const bad = join(folder, 't10k-labels-idx1-ubyte');
      writeFileSync(bad, corrupt(raw, round % 2 === 0 ? 'truncate' : 'append', rng));
      problems.push(...(await check(bad, true, () => loadMnistStyle(folder))));
    }
    expect(problems).toEqual([]);
  });
});
