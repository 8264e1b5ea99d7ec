import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Debian's Fashion-MNIST (`apt-get install dataset-fashion-mnist`). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_FILES = [
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
].map((name) => `${FASHION_MNIST_DIR}/${name}`);

export const INSTALL_HINT =
  `Fashion-MNIST is not installed in ${FASHION_MNIST_DIR}: run 'apt-get install dataset-fashion-mnist' to run this test`;

/**
 * True when the Fashion-MNIST files are present. On CI (CI=true) their absence is an error, so the
 * integration tests can never pass by skipping there.
 */
export function fashionMnistPresent(): boolean {
  const present = FASHION_MNIST_FILES.every((file) => existsSync(file));
  if (!present && process.env.CI === 'true') {
    throw new Error(`CI=true but ${INSTALL_HINT} (.ci/run installs it)`);
  }
  return present;
}

const TYPE_CODES = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e } as const;
const SIZES = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 } as const;

/** Encodes an IDX file by the format's definition: an independent writer for the parser's tests. */
export function encodeIdx(type: keyof typeof TYPE_CODES, shape: number[], values: ArrayLike<number>, gzip = false): Uint8Array {
  const size = SIZES[type];
  const bytes = new Uint8Array(4 + 4 * shape.length + values.length * size);
  const view = new DataView(bytes.buffer);
  bytes[2] = TYPE_CODES[type];
  bytes[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const start = 4 + 4 * shape.length;
  for (let i = 0; i < values.length; i++) {
    const at = start + i * size;
    const v = values[i]!;
    if (type === 'uint8') view.setUint8(at, v);
    else if (type === 'int8') view.setInt8(at, v);
    else if (type === 'int16') view.setInt16(at, v, false);
    else if (type === 'int32') view.setInt32(at, v, false);
    else if (type === 'float32') view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return gzip ? new Uint8Array(gzipSync(bytes)) : bytes;
}

/**
 * Writes real digits of the `mnist` package as an MNIST-format folder `dir` (the four uncompressed
 * IDX files): `train.perClass` digits of each class from digit `train.from` on for training, and
 * `test.perClass` from `test.from` on for testing.
 */
export async function writeDigitsIdx(dir: string, train: { from: number; perClass: number }, test: { from: number; perClass: number }): Promise<void> {
  const require = createRequire(import.meta.url);
  const digits: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    digits.push((JSON.parse(await readFile(require.resolve(`mnist/src/digits/${digit}.json`), 'utf8')) as { data: number[] }).data);
  }
  await mkdir(dir, { recursive: true });
  for (const [prefix, { from, perClass }] of [['train', train], ['t10k', test]] as const) {
    const pixels = digits.flatMap((data) => data.slice(from * 784, (from + perClass) * 784).map((v) => Math.round(v * 255)));
    const labels = digits.flatMap((_, digit) => Array.from({ length: perClass }, () => digit));
    await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx('uint8', [labels.length, 28, 28], pixels));
    await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx('uint8', [labels.length], labels));
  }
}
