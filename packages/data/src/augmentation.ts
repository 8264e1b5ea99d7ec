import type { Rng } from '@kd/core';
import { argumentError, assertInteger } from '@kd/core';

/** One augmentation's parameters for one example, e.g. `{ dx: 1, dy: -2 }` or `{ flip: 1 }`. */
export type AugmentationParams = Readonly<Record<string, number>>;

/**
 * A seeded image augmentation, as a plain value. `sample` draws one example's parameters from the
 * example's own generator; `apply` is a pure function of the image and those parameters, so the
 * parameters a batch reports are enough to reproduce (or cache) exactly what the model saw.
 */
export interface Augmentation {
  /** e.g. `'jitter'`. */
  readonly name: string;
  /** The options it was created with, e.g. `{ maxShift: 2 }`. */
  readonly options: Readonly<Record<string, number>>;
  /** The parameter names `sample` returns; augmentations used together must not share one. */
  readonly paramNames: readonly string[];
  /** Draws the parameters for one example. */
  sample(rng: Rng, imageShape: readonly [number, number, number]): AugmentationParams;
  /**
   * Every parameter set `sample` can draw, for an augmentation with finitely many: `batches` with
   * `everyVariant` visits each example under each, so a teacher's outputs on all of them can be
   * cached once. Absent where the set is infinite.
   */
  variants?(imageShape: readonly [number, number, number]): AugmentationParams[];
  /** Writes the augmented `input` (HWC) into `output`; the two never overlap. */
  apply(
    input: Float32Array,
    output: Float32Array,
    imageShape: readonly [number, number, number],
    params: AugmentationParams,
  ): void;
}

// Every pair (a, b) with a and b whole numbers in [from, to], a varying slowest.
function grid(names: readonly [string, string], from: number, to: number): AugmentationParams[] {
  const out: AugmentationParams[] = [];
  for (let a = from; a <= to; a++) for (let b = from; b <= to; b++) out.push({ [names[0]]: a, [names[1]]: b });
  return out;
}

// output(y, x) = input(y - dy, x - dx), zero where that falls outside the image.
function shiftImage(
  input: Float32Array,
  output: Float32Array,
  [height, width, channels]: readonly [number, number, number],
  dx: number,
  dy: number,
): void {
  output.fill(0);
  const rowLength = width * channels;
  const x0 = Math.max(0, dx);
  const x1 = Math.min(width, width + dx);
  if (x1 <= x0) return;
  for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
    const from = (y - dy) * rowLength + (x0 - dx) * channels;
    output.set(input.subarray(from, from + (x1 - x0) * channels), y * rowLength + x0 * channels);
  }
}

/**
 * Random translation by a whole number of pixels, `dx` and `dy` each uniform in
 * [-maxShift, maxShift], filling with 0: the paper's MNIST teacher saw inputs jittered by up to 2
 * pixels. Parameters: `{ dx, dy }` (positive moves the content right / down).
 */
export function jitter(options: { maxShift: number }): Augmentation {
  const maxShift = options?.maxShift;
  assertInteger('jitter', 'maxShift', maxShift, 0);
  return {
    name: 'jitter',
    options: { maxShift },
    paramNames: ['dx', 'dy'],
    sample: (rng) => ({ dx: rng.int(2 * maxShift + 1) - maxShift, dy: rng.int(2 * maxShift + 1) - maxShift }),
    variants: () => grid(['dx', 'dy'], -maxShift, maxShift),
    apply: (input, output, shape, params) => shiftImage(input, output, shape, params.dx ?? 0, params.dy ?? 0),
  };
}

/**
 * The CIFAR recipe's random crop: pad the image with `padding` zeros on every side, then cut out a
 * window of the original size at offset `cropX`, `cropY`, each uniform in [0, 2 * padding]
 * (`padding` means no change). Parameters: `{ cropX, cropY }`.
 */
export function randomCrop(options: { padding: number }): Augmentation {
  const padding = options?.padding;
  assertInteger('randomCrop', 'padding', padding, 0);
  return {
    name: 'randomCrop',
    options: { padding },
    paramNames: ['cropX', 'cropY'],
    sample: (rng) => ({ cropX: rng.int(2 * padding + 1), cropY: rng.int(2 * padding + 1) }),
    variants: () => grid(['cropX', 'cropY'], 0, 2 * padding),
    apply: (input, output, shape, params) =>
      shiftImage(input, output, shape, padding - (params.cropX ?? padding), padding - (params.cropY ?? padding)),
  };
}

/**
 * Mirrors the image left to right with probability `probability` (default 0.5). Parameters:
 * `{ flip }`, 1 when mirrored, else 0.
 */
export function horizontalFlip(options: { probability?: number } = {}): Augmentation {
  const probability = options.probability ?? 0.5;
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
    throw argumentError('horizontalFlip', 'probability', 'a number in [0, 1]', probability);
  }
  return {
    name: 'horizontalFlip',
    options: { probability },
    paramNames: ['flip'],
    sample: (rng) => ({ flip: rng.next() < probability ? 1 : 0 }),
    variants: () => [...(probability < 1 ? [{ flip: 0 }] : []), ...(probability > 0 ? [{ flip: 1 }] : [])],
    apply: (input, output, [height, width, channels], params) => {
      if (!params.flip) {
        output.set(input);
        return;
      }
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const from = (y * width + (width - 1 - x)) * channels;
          const to = (y * width + x) * channels;
          for (let c = 0; c < channels; c++) output[to + c] = input[from + c]!;
        }
      }
    },
  };
}
