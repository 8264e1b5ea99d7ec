import * as tf from '@tensorflow/tfjs-core';
import { graphModelTeacher } from '@kd/ensemble';
import type { GraphModelLike } from '@kd/ensemble';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

/** A stand-in with GraphModel's interface: tfjs-converter is not a dependency of this repo. */
function fakeGraphModel(kernel: tf.Tensor2D): GraphModelLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    weights: { 'dense/kernel': [kernel] },
    predict(x: tf.Tensor) {
      calls.push('predict');
      return tf.matMul(x as tf.Tensor2D, kernel);
    },
    execute(x: tf.Tensor, outputs?: string | string[]) {
      calls.push(`execute:${String(outputs)}`);
      return tf.softmax(tf.matMul(x as tf.Tensor2D, kernel));
    },
  };
}

describeBackends('graphModelTeacher', () => {
  it('reads the default output through predict, a named node through execute', () => {
    const kernel = tf.tensor2d([[1, 0, -1], [2, 1, 0]]);
    const model = fakeGraphModel(kernel);
    const byPredict = graphModelTeacher(model, { numClasses: 3 });
    const byNode = graphModelTeacher(model, { numClasses: 3, outputNode: 'Identity', output: 'probabilities' });
    const [a, b] = tf.tidy(() => {
      const x = tf.tensor2d([[0.5, -1]]);
      return [byPredict.probs(x, 3).dataSync(), byNode.probs(x, 3).dataSync()];
    });
    Array.from(a).forEach((p, i) => expect(b[i]).toBeCloseTo(p, 5));
    expect(model.calls).toEqual(['predict', 'execute:Identity']);
    expect(byPredict.fingerprint()).not.toBe(byNode.fingerprint());
    kernel.dispose();
  });

  it('rejects an object without the GraphModel interface and a missing numClasses', () => {
    expect(() => graphModelTeacher({ predict() {} } as never, { numClasses: 2 })).toThrow(
      /'model' passed to 'graphModelTeacher' must be a GraphModel \(predict, execute, weights\), got object/,
    );
    const kernel = tf.tensor2d([[1]]);
    expect(() => graphModelTeacher(fakeGraphModel(kernel), {} as never)).toThrow(
      /'numClasses' passed to 'graphModelTeacher' must be an integer >= 1, got undefined/,
    );
    kernel.dispose();
  });
});
