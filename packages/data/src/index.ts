export { horizontalFlip, jitter, randomCrop } from './augmentation';
export type { Augmentation, AugmentationParams } from './augmentation';
export { batchKeys, batches, exampleKey } from './batches';
export { mixup } from './mixup';
export type { MixupOptions } from './mixup';
export type { Batch, BatchKeys, BatchOptions } from './batches';
export { loadCifar } from './cifar';
export type { CifarOptions } from './cifar';
export { Dataset } from './dataset';
export type { DatasetOptions, DatasetTensors, SplitOptions, SubsampleOptions, ToTensorsOptions, WithLabelsOptions } from './dataset';
export { parseIdx, parseIdxHeader } from './idx';
export type { IdxArray, IdxHeader, IdxType } from './idx';
export { idxToDataset } from './idx-dataset';
export type { IdxDatasetOptions } from './idx-dataset';
export { streamIdx } from './idx-stream';
export type { IdxChunk, StreamIdxOptions } from './idx-stream';
export { loadIdx } from './load-idx';
export { loadMnistDigits } from './mnist-digits';
export type { MnistDigitsOptions } from './mnist-digits';
export { FASHION_MNIST_CLASS_NAMES, loadMnistStyle } from './mnist-style';
export type { MnistStyleOptions, TrainTest } from './mnist-style';
/** @deprecated The seeded generator's home is `@kd/core`: import it from there. */
export { createRng, deriveSeed, restoreRng } from '@kd/core';
/** @deprecated Import these types from `@kd/core`. */
export type { Rng, RngState } from '@kd/core';
