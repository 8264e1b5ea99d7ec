import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layersModelTeacher } from '@kd/ensemble';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

function mlp(seed: number, activation: 'linear' | 'softmax' = 'linear'): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ inputShape: [4], units: 6, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  model.add(tfl.layers.dropout({ rate: 0.5 }));
  model.add(tfl.layers.dense({ units: 3, activation, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  return model;
}

function weightBytes(model: tfl.LayersModel): number[][] {
  return model.weights.map((w) => Array.from(new Uint32Array(w.read().dataSync().slice().buffer)));
}

describeBackends('layersModelTeacher', () => {
  let model: tfl.LayersModel;
  beforeAll(() => {
    model = mlp(1);
  });
  afterAll(() => model.dispose());

  it('returns the model logits in inference mode (dropout off: two calls agree)', () => {
    const teacher = layersModelTeacher(model);
    expect(teacher.numClasses).toBe(3);
    const [a, b, direct] = tf.tidy(() => {
      const x = tf.tensor2d([[1, 2, 3, 4], [-1, 0.5, 0, 2]]);
      return [teacher.logits!(x).arraySync(), teacher.logits!(x).arraySync(), (model.predict(x) as tf.Tensor).arraySync()];
    });
    expect(a).toEqual(b);
    expect(a).toEqual(direct);
  });

  it('gives softmax(logits / T) as probs', () => {
    const teacher = layersModelTeacher(model);
    const [probs, expected] = tf.tidy(() => {
      const x = tf.tensor2d([[1, 2, 3, 4]]);
      return [teacher.probs(x, 4).dataSync(), tf.softmax(tf.div(teacher.logits!(x), 4)).dataSync()];
    });
    Array.from(probs).forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 6));
  });

  it('recovers logits from a softmax output (same probabilities at every T)', () => {
    const withLogits = mlp(7, 'linear');
    const withSoftmax = mlp(7, 'softmax');
    const a = layersModelTeacher(withLogits);
    const b = layersModelTeacher(withSoftmax, { output: 'probabilities' });
    const [pa, pb] = tf.tidy(() => {
      const x = tf.tensor2d([[0.3, -2, 1, 0.5]]);
      return [a.probs(x, 3).dataSync(), b.probs(x, 3).dataSync()];
    });
    Array.from(pa).forEach((p, i) => expect(pb[i]).toBeCloseTo(p, 5));
    expect(a.fingerprint()).not.toBe(b.fingerprint());
    withLogits.dispose();
    withSoftmax.dispose();
  });

  it('is frozen: a student step through the teacher outputs leaves teacher weights bit-identical', () => {
    const teacher = layersModelTeacher(model);
    // A plain-variable student: with IS_TEST set, tfjs's kernel leak check fails a taped Dense layer
    // (fusedMatMul) and logSoftmax on wasm, a false positive of the check that is not ours to test.
    const init = tf.randomNormal([4, 3], 0, 0.5, 'float32', 3);
    const kernel = tf.variable(init);
    init.dispose();
    const before = weightBytes(model);
    const studentBefore = Array.from(kernel.dataSync());
    const fingerprint = teacher.fingerprint();
    const optimizer = tf.train.adam(0.1);
    const x = tf.tensor2d([[1, 2, 3, 4], [0, 1, 0, 1]]);
    for (let step = 0; step < 3; step++) {
      // No variable list: minimize differentiates every trainable variable, the teacher's included.
      optimizer.minimize(() => {
        const p = teacher.probs(x, 2);
        const z = tf.div(tf.matMul(x, kernel), 2);
        const logq = tf.sub(z, tf.logSumExp(z, -1, true));
        const studentLogits = teacher.logits!(x);
        return tf.add(tf.neg(tf.mean(tf.sum(tf.mul(p, logq), -1))), tf.mean(tf.square(studentLogits)));
      });
    }
    expect(weightBytes(model)).toEqual(before);
    expect(Array.from(kernel.dataSync())).not.toEqual(studentBefore);
    expect(teacher.fingerprint()).toBe(fingerprint);
    x.dispose();
    optimizer.dispose();
    kernel.dispose();
  });

  it('changes its fingerprint when a weight changes', () => {
    const other = mlp(1);
    expect(layersModelTeacher(other).fingerprint()).toBe(layersModelTeacher(model).fingerprint());
    const w = other.layers[0]!.getWeights();
    const bumped = tf.add(w[1]!, 1e-6);
    other.layers[0]!.setWeights([w[0]!, bumped]);
    bumped.dispose();
    expect(layersModelTeacher(other).fingerprint()).not.toBe(layersModelTeacher(model).fingerprint());
    other.dispose();
  });

  it('takes images for a model of flat inputs (and rows for one of images), naming x when the sizes differ', () => {
    const teacher = layersModelTeacher(model);
    const [fromImages, fromRows] = tf.tidy(() => {
      const rows = tf.tensor2d([[1, 2, 3, 4], [-1, 0.5, 0, 2]]);
      return [teacher.logits!(tf.reshape(rows, [2, 2, 2, 1])).arraySync(), teacher.logits!(rows).arraySync()];
    });
    expect(fromImages).toEqual(fromRows);
    const images = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [2, 2, 1] }), tfl.layers.dense({ units: 3 })] });
    tf.tidy(() => {
      expect(layersModelTeacher(images).probs(tf.ones([3, 4])).shape).toEqual([3, 3]);
      expect(() => teacher.probs(tf.ones([2, 5]))).toThrow(
        "Argument 'x' passed to 'layersModelTeacher.probs' must hold 4 values per example for a model of input [batch, 4], got shape [2, 5]",
      );
    });
    images.dispose();
  });

  it('rejects a non-model, a bad output option and bad temperatures', () => {
    expect(() => layersModelTeacher({} as never)).toThrow(/'model' passed to 'layersModelTeacher' must be a tfjs LayersModel, got object/);
    expect(() => layersModelTeacher(model, { output: 'probs' as never })).toThrow(
      /'output' passed to 'layersModelTeacher' must be 'logits' or 'probabilities', got 'probs'/,
    );
    const teacher = layersModelTeacher(model);
    tf.tidy(() => {
      expect(() => teacher.probs(tf.zeros([1, 4]), 0)).toThrow(/'temperature' passed to 'layersModelTeacher.probs' must be a finite number > 0, got 0/);
    });
  });
});
