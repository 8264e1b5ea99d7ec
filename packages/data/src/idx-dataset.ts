import { Dataset } from './dataset';
import type { IdxArray } from './idx';

/** Options of {@link idxToDataset}. */
export interface IdxDatasetOptions {
  /** Number of classes. Default: 10. */
  numClasses?: number;
  /** One name per class. */
  classNames?: readonly string[];
  /** The images file's name, for errors. Default: `'images'`. */
  imagesSource?: string;
  /** The labels file's name, for errors. Default: `'labels'`. */
  labelsSource?: string;
}

/**
 * A {@link Dataset} from an IDX images array (`[n, height, width]` or `[n, height, width,
 * channels]`; uint8 scaled by 1/255, or float32 / float64 already in [0, 1]) and an IDX labels
 * array (`[n]` of integers in [0, numClasses)). Errors name the file at fault.
 */
export function idxToDataset(images: IdxArray, labels: IdxArray, options: IdxDatasetOptions = {}): Dataset {
  const imagesSource = options.imagesSource ?? 'images';
  const labelsSource = options.labelsSource ?? 'labels';
  const numClasses = options.numClasses ?? 10;
  if (images.shape.length !== 3 && images.shape.length !== 4) {
    throw new Error(
      `'${imagesSource}': images must have shape [n, height, width] or [n, height, width, channels], got [${images.shape.join(', ')}]`,
    );
  }
  const [n, height, width, channels = 1] = images.shape as [number, number, number, number?];
  if (height === 0 || width === 0 || channels === 0) {
    throw new Error(`'${imagesSource}': images have an empty dimension: [${images.shape.join(', ')}]`);
  }
  if (labels.shape.length !== 1 || !['uint8', 'int8', 'int16', 'int32'].includes(labels.type)) {
    throw new Error(
      `'${labelsSource}': labels must be a rank-1 array of integers, got ${labels.type} of shape [${labels.shape.join(', ')}]`,
    );
  }
  if (labels.shape[0] !== n) {
    throw new Error(
      `image and label counts differ: '${imagesSource}' has ${n} images, '${labelsSource}' has ${labels.shape[0]} labels`,
    );
  }
  const labelIds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels.data[i]!;
    if (label < 0 || label >= numClasses) {
      throw new Error(`'${labelsSource}': label ${label} of example ${i} is outside [0, ${numClasses})`);
    }
    labelIds[i] = label;
  }
  let pixels: Float32Array;
  if (images.type === 'uint8') {
    pixels = new Float32Array(images.data.length);
    const scale = 1 / 255;
    for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! * scale;
  } else if (images.type === 'float32' || images.type === 'float64') {
    pixels = images.data instanceof Float32Array ? images.data : Float32Array.from(images.data);
    for (let i = 0; i < pixels.length; i++) {
      const value = pixels[i]!;
      if (!(value >= 0 && value <= 1)) {
        const size = height * width * channels;
        throw new Error(
          `'${imagesSource}': pixel ${i % size} of image ${Math.floor(i / size)} is ${value}, expected a finite value in [0, 1]`,
        );
      }
    }
  } else {
    throw new Error(`'${imagesSource}': images must be uint8, float32 or float64, got ${images.type}`);
  }
  return new Dataset({
    images: pixels,
    imageShape: [height, width, channels],
    labels: labelIds,
    numClasses,
    ...(options.classNames ? { classNames: options.classNames } : {}),
    source: imagesSource,
  });
}
