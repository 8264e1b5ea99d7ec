import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@kd/core';
import { findConfusableClusters } from '@kd/ensemble';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

/**
 * Predictions of a generalist that confuses classes within groups: an example of a group spreads
 * most of its probability at random over that group's classes, a little over the rest.
 */
function groupedPredictions(groups: number[][], examples: number, seed: number): number[][] {
  const rng = createRng(seed);
  const numClasses = groups.flat().length;
  return Array.from({ length: examples }, (_unused, i) => {
    const group = groups[i % groups.length]!;
    const raw = Array.from({ length: numClasses }, (_, c) => (group.includes(c) ? 1 + 4 * rng.next() : 0.1 * rng.next()));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / sum);
  });
}

describeBackends('findConfusableClusters', () => {
  it('recovers the groups of classes the generalist confuses, without labels', () => {
    const groups = [
      [0, 4, 8],
      [1, 3, 6],
      [2, 5, 7],
    ];
    const clusters = tf.tidy(() => findConfusableClusters(tf.tensor2d(groupedPredictions(groups, 300, 1)), { clusters: 3 }));
    expect(clusters).toEqual(groups);
  });

  it('is deterministic for a seed and always returns K non-empty clusters covering every class', () => {
    const probs = tf.tensor2d(groupedPredictions([[0, 1], [2, 3], [4, 5]], 60, 2));
    for (const k of [1, 2, 5, 6]) {
      const a = findConfusableClusters(probs, { clusters: k, seed: 7 });
      expect(a).toEqual(findConfusableClusters(probs, { clusters: k, seed: 7 }));
      expect(a).toHaveLength(k);
      expect(a.every((c) => c.length > 0)).toBe(true);
      expect(a.flat().toSorted((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
    }
    probs.dispose();
  });

  it('rejects too many clusters, one example and non-matrices', () => {
    tf.tidy(() => {
      expect(() => findConfusableClusters(tf.ones([4, 3]), { clusters: 4 })).toThrow(
        /'clusters' passed to 'findConfusableClusters' must be at most the number of classes \(3\), got 4/,
      );
      expect(() => findConfusableClusters(tf.ones([4, 3]), { clusters: 0 })).toThrow(/'clusters' passed to 'findConfusableClusters' must be an integer >= 1, got 0/);
      expect(() => findConfusableClusters(tf.ones([1, 3]), { clusters: 2 })).toThrow(/needs at least 2 examples for a covariance, got 1/);
      expect(() => findConfusableClusters(tf.ones([3]), { clusters: 1 })).toThrow(/must be a rank-2 tensor \[examples, classes\], got shape \[3\]/);
    });
  });
});
