// Small seeded data sets the suites train and batch on: one home for them, typechecked and linted
// with the rest (test/tsconfig.json).
import { createRng } from '@kd/core';
import { Dataset } from '@kd/data';

/** Options of {@link bands}. */
export interface BandsOptions {
  size: number;
  seed: number;
  /** Images are side x side x 1. */
  side: number;
  /** Class c lights up the c-th horizontal band of side / classes rows. */
  classes: number;
  /** Pixel values inside and outside the band, before noise. */
  on: number;
  off: number;
  /** Uniform noise of this width is added to every pixel (then clipped to [0, 1]). */
  noise: number;
}

/** A separable problem: example i has label i % classes and lights up that class's band. */
export function bands(options: BandsOptions): Dataset {
  const { size, seed, side, classes, on, off } = options;
  const rng = createRng(seed);
  const pixels = side * side;
  const images = new Float32Array(size * pixels);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    labels[i] = i % classes;
    for (let p = 0; p < pixels; p++) {
      const lit = Math.floor(Math.floor(p / side) / (side / classes)) === i % classes;
      images[i * pixels + p] = Math.min(1, Math.max(0, (lit ? on : off) + (rng.next() - 0.5) * options.noise));
    }
  }
  return new Dataset({ images, imageShape: [side, side, 1], labels, numClasses: classes, source: 'bands' });
}

/** Three classes on 6x6 images, easy: what the trainer's suites train on. */
export function blobs(size: number, seed: number): Dataset {
  return bands({ size, seed, side: 6, classes: 3, on: 0.7, off: 0.2, noise: 0.6 });
}

/** Four classes on 8x8 images, noisier: a student can miss one. */
export function noisyBands(size: number, seed: number): Dataset {
  return bands({ size, seed, side: 8, classes: 4, on: 0.6, off: 0.3, noise: 0.8 });
}

/** `size` examples of 4x4 uniform noise, label i % 3: inputs a teacher cache can key. */
export function noise(size: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = Float32Array.from({ length: size * 16 }, () => rng.next());
  const labels = Int32Array.from({ length: size }, (_, i) => i % 3);
  return new Dataset({ images, imageShape: [4, 4, 1], labels, numClasses: 3 });
}

/** `n` examples of 2x2x1 whose every pixel is i / n, so a view's examples can be traced back. */
export function indexed(n: number, numClasses = 3, labels?: Int32Array): Dataset {
  const images = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) images.fill(i / n, i * 4, i * 4 + 4);
  return new Dataset({
    images,
    imageShape: [2, 2, 1],
    labels: labels ?? Int32Array.from({ length: n }, (_, i) => i % numClasses),
    numClasses,
  });
}

/** The example index each image of a view of {@link indexed}`(n)` came from. */
export function originals(dataset: Dataset, n: number): number[] {
  return Array.from({ length: dataset.size }, (_, i) => Math.round(dataset.image(i)[0]! * n));
}

/** `n` examples of 3x3x1 with distinct pixels inside each image (so shifts and flips show), label i % 4. */
export function patterned(n: number, labels?: Int32Array): Dataset {
  const images = Float32Array.from({ length: n * 9 }, (_, j) => ((j * 7919) % 1000) / 1000);
  return new Dataset({
    images,
    imageShape: [3, 3, 1],
    labels: labels ?? Int32Array.from({ length: n }, (_, i) => i % 4),
    numClasses: 4,
  });
}
