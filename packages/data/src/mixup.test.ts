import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@kd/core';
import { batches, mixup } from '@kd/data';
import type { Batch } from '@kd/data';
import { expect, it } from 'vitest';
import { indexed } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';

// Mixup on batches of `indexed(n)`, whose every pixel is i / n: a mixed pixel tells which two
// examples went into it and with what weight.

const n = 40;

/** The first batch of 16 examples, with its tensors kept (the caller disposes them). */
function firstBatch(labels?: Int32Array): Batch {
  const [batch] = batches(indexed(n, 3, labels), { batchSize: 16, seed: 1, keepTensors: true });
  return batch!;
}

describeBackends('mixup', () => {
  it('mixes each example with a partner by one λ, and its one-hot label by the same λ', () => {
    // 16 examples with 16 classes, one each: a mixed label row names the partner.
    const [batch] = batches(indexed(16, 16, Int32Array.from({ length: 16 }, (_, i) => i)), { batchSize: 16, seed: 1, keepTensors: true });
    const mixed = mixup(batch!, { alpha: 0.4, numClasses: 16 }, createRng(5));
    const x = mixed.x.dataSync();
    const own = batch!.x.dataSync();
    const labels = batch!.y!.dataSync();
    const rows = mixed.y!.dataSync();
    expect(mixed.y!.shape).toEqual([16, 16]);
    const lambdas = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const row = Array.from(rows.slice(i * 16, i * 16 + 16));
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
      const lambda = row[labels[i]!]!;
      const partnerLabel = row.findIndex((v, c) => v > 0 && c !== labels[i]);
      const partner = partnerLabel < 0 ? i : Array.from(labels).indexOf(partnerLabel);
      // Every pixel of the image is the same mix.
      for (let p = 0; p < 4; p++) expect(x[i * 4 + p]!).toBeCloseTo(lambda * own[i * 4 + p]! + (1 - lambda) * own[partner * 4 + p]!, 6);
      if (partner !== i) lambdas.add(lambda.toFixed(6));
    }
    expect(lambdas.size).toBe(1);
    expect(mixed.indices).toBe(batch!.indices);
    tf.dispose([batch!.x, batch!.y!, mixed.x, mixed.y!]);
  });

  it('gives a pair with an unlabeled example a row of zeros (no label)', () => {
    const batch = firstBatch(Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1 : i % 3)));
    const mixed = mixup(batch, { alpha: 1, numClasses: 3 }, createRng(2));
    const rows = mixed.y!.dataSync();
    const labels = batch.y!.dataSync();
    for (let i = 0; i < 16; i++) {
      const sum = rows[i * 3]! + rows[i * 3 + 1]! + rows[i * 3 + 2]!;
      // An unlabeled example's row sums to 0; a labelled one's to 0 (its partner unlabeled) or 1.
      const ok = labels[i]! < 0 ? sum === 0 : [0, 1].some((v) => Math.abs(sum - v) < 1e-6);
      expect(ok, `row ${i} sums to ${sum}`).toBe(true);
    }
    tf.dispose([batch.x, batch.y!, mixed.x, mixed.y!]);
  });

  it('draws λ from Beta(alpha, alpha): seeded, mean 1/2, spread 1 / (4 (2 alpha + 1))', () => {
    const batch = firstBatch();
    const draws = (alpha: number, seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 400 }, () => {
        const mixed = mixup(batch, { alpha, numClasses: 3 }, rng);
        // Example 0 mixed with its partner p: x = λ x0 + (1 - λ) xp; its label row holds λ at its own class.
        const value = mixed.y!.dataSync()[batch.y!.dataSync()[0]!]!;
        tf.dispose([mixed.x, mixed.y!]);
        return value;
      });
    };
    for (const alpha of [0.2, 2]) {
      const values = draws(alpha, 9);
      expect(draws(alpha, 9)).toEqual(values);
      const meanOf = values.reduce((a, b) => a + b) / values.length;
      const variance = values.reduce((a, b) => a + (b - meanOf) ** 2, 0) / values.length;
      expect(meanOf).toBeGreaterThan(0.45);
      expect(meanOf).toBeLessThan(0.65);
      // Beta(a, a) has variance 1 / (4 (2a + 1)): 0.179 at 0.2, 0.05 at 2 (plus the pairs with a same-class partner, which add their λ).
      expect(Math.abs(variance - 1 / (4 * (2 * alpha + 1)))).toBeLessThan(0.05);
    }
    tf.dispose([batch.x, batch.y!]);
  });

  it('names a bad alpha', () => {
    const batch = firstBatch();
    expect(() => mixup(batch, { alpha: 0, numClasses: 3 }, createRng(1))).toThrow("Argument 'options.alpha' passed to 'mixup' must be");
    tf.dispose([batch.x, batch.y!]);
  });
});
