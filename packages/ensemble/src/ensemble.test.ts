import * as tf from '@tensorflow/tfjs-core';
import { ensemble, functionTeacher } from '@kd/ensemble';
import type { EnsembleCombine, Teacher } from '@kd/ensemble';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { expectFlatTensorCount } from '../../../test/no-leak';

const A = [0.5, 0.25, 0.25];
const B = [0.1, 0.6, 0.3];

/** A teacher whose logits are log(p) for every input row: softmax(logits / T) = p^(1/T) / Z. */
function constantTeacher(p: number[], keep: tf.Tensor[]): Teacher {
  const logits = tf.log(tf.tensor2d([p]));
  keep.push(logits);
  return functionTeacher((x) => tf.tile(logits, [x.shape[0]!, 1]), { numClasses: p.length, weights: { logits } });
}

const normalise = (v: number[]): number[] => {
  const sum = v.reduce((a, b) => a + b, 0);
  return v.map((x) => x / sum);
};
const atTemperature = (p: number[], t: number): number[] => normalise(p.map((x) => x ** (1 / t)));

/** The largest absolute difference, or Infinity when the lengths differ. */
function gap(got: ArrayLike<number>, want: number[]): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  return Math.max(...want.map((w, i) => Math.abs(got[i]! - w)));
}

const probsOf = (teacher: Teacher, t: number): Float32Array =>
  tf.tidy(() => teacher.probs(tf.zeros([1, 2]), t).dataSync() as Float32Array);

describeBackends('ensemble', () => {
  const keep: tf.Tensor[] = [];
  let a: Teacher;
  let b: Teacher;
  beforeAll(() => {
    a = constantTeacher(A, keep);
    b = constantTeacher(B, keep);
  });
  afterAll(() => tf.dispose(keep.splice(0)));

  it('arithmetic: the weighted mean of the members softmax, on hand-checked numbers', () => {
    // 0.75 * [.5, .25, .25] + 0.25 * [.1, .6, .3]
    expect(gap(probsOf(ensemble([a, b], { combine: 'arithmetic', weights: [3, 1] }), 1), [0.4, 0.3375, 0.2625])).toBeLessThan(1e-6);
  });

  it('geometric: the renormalised weighted geometric mean, on hand-checked numbers', () => {
    // .5^.75 .1^.25 = .334370, .25^.75 .6^.25 = .311166, .25^.75 .3^.25 = .261659; sum .907195
    expect(gap(probsOf(ensemble([a, b], { combine: 'geometric', weights: [3, 1] }), 1), [0.368572, 0.342997, 0.288425])).toBeLessThan(1e-5);
  });

  it.each([1, 2, 5])('each combine equals its formula at T = %d', (t) => {
    const w = [0.75, 0.25];
    const pa = atTemperature(A, t);
    const pb = atTemperature(B, t);
    const expected: Record<EnsembleCombine, number[]> = {
      arithmetic: pa.map((x, i) => w[0]! * x + w[1]! * pb[i]!),
      geometric: normalise(pa.map((x, i) => x ** w[0]! * pb[i]! ** w[1]!)),
      logits: normalise(A.map((x, i) => Math.exp((w[0]! * Math.log(x) + w[1]! * Math.log(B[i]!)) / t))),
    };
    for (const combine of ['arithmetic', 'geometric', 'logits'] as const) {
      expect(gap(probsOf(ensemble([a, b], { combine, weights: [3, 1] }), t), expected[combine])).toBeLessThan(1e-5);
    }
  });

  it('arithmetic differs from geometric; geometric and logits agree (an identity for normalised weights)', () => {
    for (const t of [1, 4]) {
      const [arith, geo, logit] = (['arithmetic', 'geometric', 'logits'] as const).map((combine) =>
        Array.from(probsOf(ensemble([a, b], { combine, weights: [2, 1] }), t)),
      );
      expect(gap(arith!, geo!)).toBeGreaterThan(t === 1 ? 0.02 : 0.002);
      expect(gap(logit!, geo!)).toBeLessThan(1e-6);
    }
  });

  it('has logits for logits and geometric combines, with probs = softmax(logits / T); none for arithmetic', () => {
    expect(ensemble([a, b], { combine: 'arithmetic' }).logits).toBeUndefined();
    for (const combine of ['geometric', 'logits'] as const) {
      const teacher = ensemble([a, b], { combine, weights: [1, 3] });
      const [probs, fromLogits] = tf.tidy(() => {
        const x = tf.zeros([2, 2]);
        return [teacher.probs(x, 3).dataSync(), tf.softmax(tf.div(teacher.logits!(x), 3)).dataSync()];
      });
      expect(gap(probs, Array.from(fromLogits))).toBeLessThan(1e-6);
    }
  });

  it('nests: an arithmetic ensemble is a member of a geometric one, but not of a logits one', () => {
    const inner = ensemble([a, b]);
    const outer = ensemble([inner, a], { combine: 'geometric' });
    expect(outer.logits).toBeUndefined();
    const inner1 = A.map((x, i) => (x + B[i]!) / 2);
    expect(gap(probsOf(outer, 1), normalise(inner1.map((x, i) => Math.sqrt(x * A[i]!))))).toBeLessThan(1e-5);
    expect(() => ensemble([inner, a], { combine: 'logits' })).toThrow(
      /'ensemble' with combine 'logits' needs every member to have logits; members\[0\] has none/,
    );
  });

  it('fingerprints members, weights and combine', () => {
    const fp = (combine: EnsembleCombine, weights: number[]): string => ensemble([a, b], { combine, weights }).fingerprint();
    expect(fp('arithmetic', [1, 1])).toBe(fp('arithmetic', [2, 2]));
    expect(fp('arithmetic', [1, 1])).not.toBe(fp('arithmetic', [1, 2]));
    expect(fp('arithmetic', [1, 1])).not.toBe(fp('geometric', [1, 1]));
    expect(ensemble([a, b]).fingerprint()).not.toBe(ensemble([b, a]).fingerprint());
  });

  it('is usable inside optimizer.minimize: the student learns, nothing of the ensemble is taped', () => {
    const init = tf.zeros([2, 3]);
    const w = tf.variable(init);
    init.dispose();
    const optimizer = tf.train.sgd(0.5);
    const x = tf.ones([1, 2]);
    for (const combine of ['arithmetic', 'geometric', 'logits'] as const) {
      const teacher = ensemble([a, b], { combine });
      optimizer.minimize(() => {
        const z = tf.matMul(x, w);
        return tf.neg(tf.sum(tf.mul(teacher.probs(x, 2), tf.sub(z, tf.logSumExp(z, -1, true))))) as tf.Scalar;
      });
    }
    expect(Array.from(w.dataSync()).some((v) => v !== 0)).toBe(true);
    tf.dispose([w, x]);
    optimizer.dispose();
  });

  it('keeps the tensor count flat over repeated calls', async () => {
    const teachers = (['arithmetic', 'geometric', 'logits'] as const).map((combine) => ensemble([a, b, a], { combine }));
    const x = tf.zeros([4, 2]);
    await expect(
      expectFlatTensorCount(5, () => {
      for (const teacher of teachers) {
        teacher.probs(x, 2).dispose();
        teacher.logits?.(x).dispose();
      }
      }),
    ).resolves.toBeUndefined();
    x.dispose();
  });

  it('rejects members with different class counts, bad weights and bad combines', () => {
    const c = functionTeacher((x) => tf.zeros([x.shape[0]!, 4]), { numClasses: 4, id: 'zeros' });
    expect(() => ensemble([a, c])).toThrow(
      /Members passed to 'ensemble' must have the same number of classes: members\[0\] has 3, members\[1\] has 4/,
    );
    expect(() => ensemble([])).toThrow(/'members' passed to 'ensemble' must be a non-empty array of teachers/);
    expect(() => ensemble([a, {} as never])).toThrow(/'members\[1\]' passed to 'ensemble' must be a Teacher, got object/);
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => ensemble([a, b], { weights: [1, bad] })).toThrow(
        new RegExp(`'weights\\[1\\]' passed to 'ensemble' must be a finite number > 0, got ${bad}`),
      );
    }
    expect(() => ensemble([a, b], { weights: [1] })).toThrow(/'weights' passed to 'ensemble' must have one weight per member \(2\), got 1/);
    expect(() => ensemble([a, b], { combine: 'mean' as never })).toThrow(
      /'combine' passed to 'ensemble' must be 'arithmetic', 'geometric' or 'logits', got 'mean'/,
    );
  });
});
