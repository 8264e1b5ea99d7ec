import * as tf from '@tensorflow/tfjs-core';
import { functionTeacher } from '@kd/ensemble';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

const identity = (x: tf.Tensor): tf.Tensor => tf.clone(x);
const fp = (options: Parameters<typeof functionTeacher>[1]): string => functionTeacher(identity, options).fingerprint();

describeBackends('functionTeacher', () => {
  it('returns the function logits, and softmax(logits / T) as probs', () => {
    const w = tf.tensor2d([[1, -1, 0], [0.5, 2, -3]]);
    const teacher = functionTeacher((x) => tf.matMul(x, w), { numClasses: 3, weights: { w } });
    const [logits, probs] = tf.tidy(() => {
      const x = tf.tensor2d([[1, 2]]);
      return [teacher.logits!(x).arraySync(), teacher.probs(x, 2).arraySync()];
    });
    expect(logits).toEqual([[2, 3, -6]]);
    const e = [1, 1.5, -3].map(Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    (probs as number[][])[0]!.forEach((p, i) => expect(p).toBeCloseTo(e[i]! / sum, 6));
    w.dispose();
  });

  it('stops gradients at the teacher: a loss on its outputs does not reach its variables', () => {
    const init = tf.ones([2, 3]);
    const w = tf.variable(init);
    const teacher = functionTeacher((x) => tf.matMul(x, w), { numClasses: 3, id: 'ones' });
    tf.tidy(() => {
      const x = tf.ones([1, 2]);
      expect(() => tf.variableGrads(() => tf.sum(teacher.probs(x, 2)), [w])).toThrow(
        /Cannot find a connection between any variable and the result of the loss function/,
      );
    });
    tf.dispose([init, w]);
  });

  it('fingerprints by weights and id', () => {
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([1, 2.0001]);
    expect(fp({ numClasses: 2, weights: { a } })).toBe(fp({ numClasses: 2, weights: { a } }));
    expect(fp({ numClasses: 2, weights: { a } })).not.toBe(fp({ numClasses: 2, weights: { a: b } }));
    expect(fp({ numClasses: 2, id: 'v1' })).not.toBe(fp({ numClasses: 2, id: 'v2' }));
    tf.dispose([a, b]);
  });

  it('rejects a missing fingerprint source, bad numClasses and a wrongly shaped output', () => {
    const f = identity;
    expect(() => functionTeacher(f, { numClasses: 2 })).toThrow(/'functionTeacher' needs options.weights or options.id/);
    expect(() => functionTeacher(f, { numClasses: 2.5, id: 'x' })).toThrow(
      /'numClasses' passed to 'functionTeacher' must be an integer >= 1, got 2.5/,
    );
    expect(() => functionTeacher('f' as never, { numClasses: 2, id: 'x' })).toThrow(/'forward' passed to 'functionTeacher' must be a function, got 'f'/);
    const teacher = functionTeacher(f, { numClasses: 3, id: 'x' });
    tf.tidy(() => {
      expect(() => teacher.logits!(tf.zeros([2, 4]))).toThrow(/'functionTeacher' expected the model to return \[batch, 3\], got shape \[2, 4\]/);
    });
  });
});
