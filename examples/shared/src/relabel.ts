import { Dataset } from '@kd/data';

/**
 * A new data set of `data`'s examples at `indices` with new `labels` over `numClasses` classes:
 * a specialist's classes plus its dustbin, for instance. The pixels are copied once.
 */
export function relabelled(data: Dataset, indices: ArrayLike<number>, labels: Int32Array, numClasses: number, classNames?: readonly string[]): Dataset {
  if (labels.length !== indices.length) {
    throw new Error(`'relabelled' needs one label per index, got ${labels.length} labels for ${indices.length} indices`);
  }
  const images = new Float32Array(indices.length * data.exampleSize);
  data.copyImages(indices, images);
  return new Dataset({
    images,
    imageShape: data.imageShape,
    labels,
    numClasses,
    ...(classNames ? { classNames } : {}),
    source: `${data.source}, relabelled into ${numClasses} classes`,
  });
}
