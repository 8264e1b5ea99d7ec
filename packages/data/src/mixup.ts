import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@kd/core';
import { assertPositive } from '@kd/core';
import type { Batch } from './batches';

/** Options of {@link mixup}. */
export interface MixupOptions {
  /** λ is drawn from Beta(alpha, alpha) once per batch: small alpha mixes little most of the time. */
  alpha: number;
  /** Classes of the labels, for the label distributions the mixed batch carries. */
  numClasses: number;
}

/**
 * Mixup (Zhang et al., 2018) on one batch: each example becomes `λ x_i + (1 - λ) x_j` with `j` a
 * random partner in the same batch and one `λ ~ Beta(alpha, alpha)` for the batch, and its label
 * the same mix of the two one-hot labels (float32 rows `[n, numClasses]`; a pair with an unlabeled
 * example gets a row of zeros, which counts as no label). A teacher run on the mixed inputs scores
 * exactly what the student sees (function matching, Beyer et al., 2022). Draws from `rng`, so a
 * seeded run repeats its mixes. The caller disposes the returned batch's `x` and `y`; `indices`
 * and `augmentation` are the first partner's.
 */
export function mixup(batch: Batch, options: MixupOptions, rng: Rng): Batch {
  const fn = 'mixup';
  assertPositive(fn, 'options.alpha', options.alpha);
  const n = batch.indices.length;
  const lambda = beta(options.alpha, rng);
  const partners = rng.permutation(n);
  let rows: Float32Array | null = null;
  if (batch.y) {
    const labels = batch.y.dataSync();
    rows = new Float32Array(n * options.numClasses);
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      const b = labels[partners[i]!]!;
      if (a < 0 || b < 0) continue;
      rows[i * options.numClasses + a]! += lambda;
      rows[i * options.numClasses + b]! += 1 - lambda;
    }
  }
  const x = tf.tidy(() => tf.add(tf.mul(batch.x, lambda), tf.mul(tf.gather(batch.x, tf.tensor1d(partners, 'int32')), 1 - lambda)));
  const y = rows ? tf.tensor2d(rows, [n, options.numClasses]) : null;
  return { x, y, indices: batch.indices, augmentation: batch.augmentation };
}

/** A draw from Beta(a, a): X / (X + Y) with X, Y ~ Gamma(a). */
function beta(a: number, rng: Rng): number {
  const x = gamma(a, rng);
  const y = gamma(a, rng);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/** A draw from Gamma(shape, 1) (Marsaglia and Tsang, 2000; shape < 1 by boosting). */
function gamma(shape: number, rng: Rng): number {
  if (shape < 1) return gamma(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = rng.normal();
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}
