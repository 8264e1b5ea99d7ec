import * as tf from '@tensorflow/tfjs-core';
import { combineWithSpecialists } from '@kd/ensemble';
import type { SpecialistPrediction } from '@kd/ensemble';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { expectFlatTensorCount } from '../../../test/no-leak';

const kl = (p: tf.Tensor, logr: tf.Tensor): tf.Tensor => tf.sum(tf.mul(p, tf.sub(tf.log(p), logr)));

/** The objective the combination minimises, written out directly and differentiated by tfjs. */
function objective(z: tf.Tensor, pg: tf.Tensor, specialists: Array<{ classes: number[]; probs: number[] }>): tf.Scalar {
  const logq = tf.sub(z, tf.logSumExp(z, -1, true));
  const q = tf.exp(logq);
  const numClasses = pg.shape[1]!;
  let total = kl(pg, logq);
  for (const { classes, probs } of specialists) {
    const others = Array.from({ length: numClasses }, (_, c) => c).filter((c) => !classes.includes(c));
    // Selection by matMul, not gather: gather's gradient (UnsortedSegmentSum) is missing on wasm.
    const select = (cols: number[]) =>
      tf.tensor2d(Array.from({ length: numClasses }, (_, c) => cols.map((k) => (k === c ? 1 : 0))));
    const qm = tf.concat([tf.matMul(q, select(classes)), tf.sum(tf.matMul(q, select(others)), 1, true)], 1);
    total = tf.add(total, kl(tf.tensor2d([probs]), tf.log(qm)));
  }
  return total as tf.Scalar;
}

const row = (t: tf.Tensor): number[] => Array.from(t.dataSync());

const run = (r: number[][], s: number[][], topK = 1): number[] =>
  row(combineWithSpecialists(tf.tensor2d(r), [{ classes: [1, 2], probs: tf.tensor2d(s) }], { topK }));

describeBackends('combineWithSpecialists', () => {
  it('reaches the closed-form optimum with one specialist', () => {
    // p_g = [.5 .2 .2 .1]; specialist on {0, 1}: [.3 .6 | dustbin .1]. At the optimum q is the mean
    // of the two on {0, 1}; q outside is p_g rescaled to (G + dustbin) / 2 = (.3 + .1) / 2.
    const q = tf.tidy(() =>
      row(combineWithSpecialists(tf.tensor2d([[0.5, 0.2, 0.2, 0.1]]), [{ classes: [0, 1], probs: tf.tensor2d([[0.3, 0.6, 0.1]]) }])),
    );
    const expected = [0.4, 0.4, (0.2 * 0.2) / 0.3, (0.1 * 0.2) / 0.3];
    q.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
  });

  it('ends at a stationary point of the objective (autodiff gradient ~ 0) that beats the generalist', () => {
    const specialists = [
      { classes: [0, 2], probs: [0.2, 0.7, 0.1] },
      { classes: [2, 3, 4], probs: [0.5, 0.3, 0.1, 0.1] },
    ];
    const pgValues = [[0.15, 0.1, 0.45, 0.2, 0.1]];
    const [gradient, atResult, atGeneralist] = tf.tidy(() => {
      const pg = tf.tensor2d(pgValues);
      const q = combineWithSpecialists(
        pg,
        specialists.map(({ classes, probs }) => ({ classes, probs: tf.tensor2d([probs]) })),
        { steps: 300 },
      );
      const z = tf.log(q);
      const grad = tf.grad((logits: tf.Tensor) => objective(logits, pg, specialists))(z);
      return [row(grad), objective(z, pg, specialists).dataSync()[0]!, objective(tf.log(pg), pg, specialists).dataSync()[0]!];
    });
    gradient.forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-4));
    expect(atResult).toBeLessThan(atGeneralist);
  });

  it('returns the generalist exactly where no specialist is active', () => {
    const pgValues = [
      [0.1, 0.6, 0.2, 0.1],
      [0.7, 0.1, 0.1, 0.1],
    ];
    const [got, pg] = tf.tidy(() => {
      const generalist = tf.tensor2d(pgValues);
      // Active only where the top class is 0 or 3: not in row 0 (top class 1).
      const specialist: SpecialistPrediction = { classes: [0, 3], probs: tf.tensor2d([[0.1, 0.1, 0.8], [0.2, 0.7, 0.1]]) };
      return [combineWithSpecialists(generalist, [specialist]).arraySync() as number[][], generalist.arraySync() as number[][]];
    });
    expect(got[0]).toEqual(pg[0]);
    expect(got[1]).not.toEqual(pg[1]);
    expect(tf.tidy(() => row(combineWithSpecialists(tf.tensor2d(pgValues), [])))).toEqual(pgValues.flat().map(Math.fround));
  });

  it('moves the prediction toward the class a confident, correct specialist names', () => {
    // The generalist leans to class 1 over class 2; the specialist for {1, 2} is sure it is 2.
    const q = tf.tidy(() =>
      row(
        combineWithSpecialists(tf.tensor2d([[0.05, 0.45, 0.4, 0.1]]), [
          { classes: [1, 2], probs: tf.tensor2d([[0.03, 0.95, 0.02]]) },
        ]),
      ),
    );
    expect(q[2]).toBeGreaterThan(q[1]!);
    expect(q[2]).toBeGreaterThan(0.4);
    expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('treats each example on its own in a batch, and uses the top-k classes', () => {
    const rows = [
      [0.05, 0.45, 0.4, 0.1],
      [0.5, 0.1, 0.3, 0.1],
    ];
    const specialistRows = [
      [0.03, 0.95, 0.02],
      [0.4, 0.2, 0.4],
    ];
    const [batched, single0, single1, top1, top2] = tf.tidy(() => {
      return [
        run(rows, specialistRows),
        run([rows[0]!], [specialistRows[0]!]),
        run([rows[1]!], [specialistRows[1]!]),
        run([rows[1]!], [specialistRows[1]!], 1),
        run([rows[1]!], [specialistRows[1]!], 2),
      ];
    });
    batched.forEach((v, i) => expect(v).toBeCloseTo([...single0, ...single1][i]!, 6));
    // Row 1's top class (0) is not covered: inactive at top-1, active at top-2 (class 2 is second).
    expect(top1).toEqual(rows[1]!.map(Math.fround));
    expect(top2).not.toEqual(top1);
  });

  it('keeps the tensor count flat over repeated calls', async () => {
    const pg = tf.tensor2d([[0.05, 0.45, 0.4, 0.1]]);
    const probs = tf.tensor2d([[0.03, 0.95, 0.02]]);
    await expect(
      expectFlatTensorCount(3, () => combineWithSpecialists(pg, [{ classes: [1, 2], probs }], { steps: 5 }).dispose()),
    ).resolves.toBeUndefined();
    tf.dispose([pg, probs]);
  });

  it('rejects specialists whose classes are not a subset of the generalist classes, and bad shapes', () => {
    tf.tidy(() => {
      const pg = tf.tensor2d([[0.25, 0.25, 0.25, 0.25]]);
      const probs = tf.tensor2d([[0.5, 0.3, 0.2]]);
      expect(() => combineWithSpecialists(pg, [{ classes: [1, 7], probs }])).toThrow(
        /'specialists\[0\].classes' passed to 'combineWithSpecialists' must be a subset of the generalist's classes 0..3, got 7 at specialists\[0\].classes\[1\]/,
      );
      expect(() => combineWithSpecialists(pg, [{ classes: [1, 1], probs }])).toThrow(/must not repeat a class, got 1 twice/);
      expect(() => combineWithSpecialists(pg, [{ classes: [0, 1, 2, 3], probs }])).toThrow(/must leave at least one of the generalist's 4 classes for the dustbin/);
      expect(() => combineWithSpecialists(pg, [{ classes: [0, 1, 2], probs }])).toThrow(
        /'specialists\[0\].probs' passed to 'combineWithSpecialists' must have shape \[1, 4\] \(examples, its classes \+ dustbin\), got \[1, 3\]/,
      );
      expect(() => combineWithSpecialists(pg, [], { topK: 5 })).toThrow(/'topK' passed to 'combineWithSpecialists' must be at most the number of classes \(4\), got 5/);
      expect(() => combineWithSpecialists(tf.tensor1d([1]), [])).toThrow(/'generalistProbs' passed to 'combineWithSpecialists' must be a rank-2 tensor/);
    });
  });
});
