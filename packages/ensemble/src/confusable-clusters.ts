import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { assertInteger, createRng } from '@kd/core';
import type { Rng } from '@kd/core';
import { assertProbs2d } from './validate';

/** Options of {@link findConfusableClusters}. */
export interface ConfusableClustersOptions {
  /** Number of clusters K, an integer in [1, classes]. Required. */
  clusters: number;
  /** Seed of the K-means++ initialisation. Default 0. */
  seed?: number;
  /** Most Lloyd iterations; it stops earlier once no class changes cluster. Default 100. */
  maxIterations?: number;
}

/**
 * Groups classes the generalist confuses, for specialists (paper section 5): K-means on the
 * columns of the covariance matrix of the generalist's predictions over a set of examples. Classes
 * that are predicted together have similar columns. No labels are needed.
 *
 * @param generalistProbs the generalist's probabilities `[examples, classes]`, examples >= 2.
 * @returns K lists of class ids, each sorted, ordered by their smallest class; every class is in
 *   exactly one list and no list is empty.
 */
export function findConfusableClusters(generalistProbs: Tensor, options: ConfusableClustersOptions): number[][] {
  const fn = 'findConfusableClusters';
  assertProbs2d(fn, 'generalistProbs', generalistProbs);
  const [n, numClasses] = generalistProbs.shape as [number, number];
  if (n < 2) throw new Error(`Argument 'generalistProbs' passed to '${fn}' needs at least 2 examples for a covariance, got ${n}`);
  const { clusters, seed = 0, maxIterations = 100 } = options ?? ({} as ConfusableClustersOptions);
  assertInteger(fn, 'clusters', clusters, 1);
  if (clusters > numClasses) {
    throw new Error(`Argument 'clusters' passed to '${fn}' must be at most the number of classes (${numClasses}), got ${clusters}`);
  }
  assertInteger(fn, 'maxIterations', maxIterations, 1);
  const covariance = tf.tidy(() => {
    const centred = tf.sub(generalistProbs, tf.mean(generalistProbs, 0, true));
    return tf.div(tf.matMul(centred, centred, true, false), n - 1).arraySync() as number[][];
  });
  // The matrix is symmetric: its columns are its rows.
  const assignment = kMeans(covariance, clusters, createRng(seed), maxIterations);
  const groups: number[][] = Array.from({ length: clusters }, () => []);
  assignment.forEach((cluster, c) => groups[cluster]!.push(c));
  return groups.toSorted((a, b) => a[0]! - b[0]!);
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum;
}

/** Lloyd's algorithm with K-means++ seeding; no cluster is left empty. */
function kMeans(points: number[][], k: number, rng: Rng, maxIterations: number): Int32Array {
  const centres: number[][] = [points[rng.int(points.length)]!.slice()];
  while (centres.length < k) {
    const weights = points.map((p) => Math.min(...centres.map((c) => squaredDistance(p, c))));
    const total = weights.reduce((a, b) => a + b, 0);
    let pick = 0;
    if (total > 0) {
      let r = rng.next() * total;
      while (pick < points.length - 1 && (r -= weights[pick]!) >= 0) pick++;
    } else {
      pick = rng.int(points.length);
    }
    centres.push(points[pick]!.slice());
  }
  const assignment = new Int32Array(points.length).fill(-1);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let changed = false;
    points.forEach((p, i) => {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      centres.forEach((c, j) => {
        const d = squaredDistance(p, c);
        if (d < bestDistance) {
          bestDistance = d;
          best = j;
        }
      });
      if (assignment[i] !== best) {
        assignment[i] = best;
        changed = true;
      }
    });
    for (let j = 0; j < k; j++) {
      const members = points.filter((_, i) => assignment[i] === j);
      if (members.length === 0) {
        // Take the point farthest from its centre among clusters that can spare one, so filling
        // this cluster never empties another (K <= number of points guarantees one exists).
        const sizes = new Int32Array(k);
        for (const a of assignment) sizes[a]!++;
        let far = -1;
        let farDistance = -1;
        points.forEach((p, i) => {
          const d = squaredDistance(p, centres[assignment[i]!]!);
          if (sizes[assignment[i]!]! > 1 && d > farDistance) {
            far = i;
            farDistance = d;
          }
        });
        assignment[far] = j;
        centres[j] = points[far]!.slice();
        changed = true;
        continue;
      }
      centres[j] = members[0]!.map((_, d) => members.reduce((sum, m) => sum + m[d]!, 0) / members.length);
    }
    if (!changed) break;
  }
  return assignment;
}
