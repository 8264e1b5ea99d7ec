import { specialistDataset } from '@kd/ensemble';
import { describe, expect, it } from 'vitest';

// 10 examples of each of 4 classes, and 5 unlabeled ones.
const labels = Int32Array.from([...Array.from({ length: 40 }, (_, i) => i % 4), -1, -1, -1, -1, -1]);
const dataset = { labels, numClasses: 4 };

describe('specialistDataset', () => {
  it('draws half from the specialist classes, half from the rest, relabelled with a dustbin', () => {
    const drawn = specialistDataset(dataset, [3, 1], { seed: 1 });
    expect(drawn.indices).toHaveLength(40);
    expect(drawn.dustbin).toBe(2);
    const original = Array.from(drawn.indices, (i) => labels[i]!);
    expect(original.filter((c) => c === 1 || c === 3)).toHaveLength(20);
    expect(original.every((c) => c >= 0)).toBe(true);
    // classes[0] = 3 -> 0, classes[1] = 1 -> 1, everything else -> dustbin 2.
    expect(Array.from(drawn.labels)).toEqual(original.map((c) => (c === 3 ? 0 : c === 1 ? 1 : 2)));
    // The 20 in-class examples are each drawn once (without replacement while there are enough).
    expect(new Set(Array.from(drawn.indices).filter((i) => labels[i] === 1 || labels[i] === 3)).size).toBe(20);
    // Drawn 20:20 where the data set has 20:20 labelled: no oversampling.
    expect(drawn.oversamplingRatio).toBe(1);
  });

  it('reports the oversampling ratio of a rare class and repeats its examples', () => {
    const drawn = specialistDataset(dataset, [2], { size: 30, seed: 2 });
    const inClass = Array.from(drawn.indices).filter((i) => labels[i] === 2);
    expect(inClass).toHaveLength(15);
    expect(new Set(inClass).size).toBe(10);
    // (15 / 15) / (10 / 30)
    expect(drawn.oversamplingRatio).toBeCloseTo(3, 12);
  });

  it('is deterministic for a seed and different across seeds', () => {
    const a = specialistDataset(dataset, [0, 2], { seed: 5 });
    expect(Array.from(a.indices)).toEqual(Array.from(specialistDataset(dataset, [0, 2], { seed: 5 }).indices));
    expect(Array.from(a.indices)).not.toEqual(Array.from(specialistDataset(dataset, [0, 2], { seed: 6 }).indices));
  });

  it('rejects classes that are not a subset of the data set classes', () => {
    expect(() => specialistDataset(dataset, [1, 4])).toThrow(
      /'classes' passed to 'specialistDataset' must be a subset of the generalist's classes 0..3, got 4 at classes\[1\]/,
    );
    expect(() => specialistDataset(dataset, [])).toThrow(/must be a non-empty array of class ids/);
    expect(() => specialistDataset({ labels: Int32Array.from([0, 0, 1]), numClasses: 3 }, [2])).toThrow(
      /'specialistDataset' needs labelled examples both of classes \[2\] and of other classes, got 0 and 3/,
    );
    expect(() => specialistDataset(dataset, [1], { size: 1 })).toThrow(/'size' passed to 'specialistDataset' must be at least 2/);
  });
});
