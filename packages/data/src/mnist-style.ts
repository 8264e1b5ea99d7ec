import type { Dataset } from './dataset';
import { idxToDataset } from './idx-dataset';
import { loadIdx } from './load-idx';
import { nodeModules } from './node-modules';

/** Fashion-MNIST's class names, in label order. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** A data set's training and test parts. */
export interface TrainTest {
  train: Dataset;
  test: Dataset;
}

/** Options of {@link loadMnistStyle}. */
export interface MnistStyleOptions {
  /** Number of classes. Default: 10. */
  numClasses?: number;
  /** One name per class, e.g. {@link FASHION_MNIST_CLASS_NAMES}. */
  classNames?: readonly string[];
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/**
 * Loads the four IDX files of MNIST, Fashion-MNIST or Kuzushiji-MNIST from `dir`
 * (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, each raw or with `.gz`). Pixels are scaled to [0, 1]. Node only.
 * Debian: `apt-get install dataset-fashion-mnist`, then
 * `loadMnistStyle('/usr/share/datasets/fashion-mnist')`.
 */
export async function loadMnistStyle(dir: string, options: MnistStyleOptions = {}): Promise<TrainTest> {
  const fn = 'loadMnistStyle';
  if (typeof dir !== 'string' || dir === '') {
    throw new Error(`Argument 'dir' passed to '${fn}' must be a directory path, got ${typeof dir}`);
  }
  const { fs, path } = nodeModules(fn);
  const find = (base: string) => {
    for (const name of [`${base}.gz`, base]) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) return file;
    }
    throw new Error(`'${fn}': '${dir}' has neither ${base}.gz nor ${base}`);
  };
  const files = {
    trainImages: find(FILES.trainImages),
    trainLabels: find(FILES.trainLabels),
    testImages: find(FILES.testImages),
    testLabels: find(FILES.testLabels),
  };
  const part = async (imagesFile: string, labelsFile: string) => {
    // Labels first: they are small, so a broken labels file fails before the images are decoded.
    const labels = await loadIdx(labelsFile);
    return idxToDataset(await loadIdx(imagesFile), labels, {
      ...options,
      imagesSource: imagesFile,
      labelsSource: labelsFile,
    });
  };
  return {
    train: await part(files.trainImages, files.trainLabels),
    test: await part(files.testImages, files.testLabels),
  };
}
