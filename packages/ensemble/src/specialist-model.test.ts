import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { correctDustbinBias, createSpecialistModel } from '@kd/ensemble';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

function generalistModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
      tfl.layers.dense({ units: 5, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }), biasInitializer: tfl.initializers.randomNormal({ seed: 3 }) }),
    ],
  });
}

const X = [
  [1, -1, 0.5, 2],
  [0, 0.3, -2, 1],
];

const logitsOf = (model: tfl.LayersModel): number[][] =>
  tf.tidy(() => (model.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][]);

describeBackends('createSpecialistModel', () => {
  let generalist: tfl.LayersModel;
  beforeAll(() => {
    generalist = generalistModel();
  });
  afterAll(() => generalist.dispose());

  it('copies the generalist, with its classes plus a dustbin as outputs', async () => {
    const specialist = await createSpecialistModel(generalist, [3, 1]);
    expect(specialist.outputs[0]!.shape).toEqual([null, 3]);
    const g = logitsOf(generalist);
    const s = logitsOf(specialist);
    g.forEach((row, i) => {
      expect(s[i]![0]).toBeCloseTo(row[3]!, 5);
      expect(s[i]![1]).toBeCloseTo(row[1]!, 5);
      // Dustbin: the mean of the other classes' logits plus log(3).
      expect(s[i]![2]).toBeCloseTo((row[0]! + row[2]! + row[4]!) / 3 + Math.log(3), 5);
    });
    specialist.dispose();
  });

  it('has its own weights: changing the specialist leaves the generalist unchanged', async () => {
    const before = logitsOf(generalist);
    const specialist = await createSpecialistModel(generalist, [0]);
    const layer = specialist.layers[0]!;
    const bumped = tf.tidy(() => layer.getWeights().map((w) => tf.add(w, 1)));
    layer.setWeights(bumped);
    tf.dispose(bumped);
    expect(logitsOf(generalist)).toEqual(before);
    specialist.dispose();
  });

  it('works for a functional model', async () => {
    const input = tfl.input({ shape: [4] });
    const hidden = tfl.layers.dense({ units: 6, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 4 }) }).apply(input) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }) }).apply(hidden) as tfl.SymbolicTensor;
    const functional = tfl.model({ inputs: input, outputs: output });
    const specialist = await createSpecialistModel(functional, [2]);
    const g = logitsOf(functional);
    const s = logitsOf(specialist);
    g.forEach((row, i) => expect(s[i]![0]).toBeCloseTo(row[2]!, 5));
    functional.dispose();
    specialist.dispose();
  });

  it('correctDustbinBias adds log(ratio) to the dustbin logit only', async () => {
    const specialist = await createSpecialistModel(generalist, [1, 2]);
    const before = logitsOf(specialist);
    correctDustbinBias(specialist, 4);
    const after = logitsOf(specialist);
    before.forEach((row, i) => {
      expect(after[i]![0]).toBeCloseTo(row[0]!, 6);
      expect(after[i]![1]).toBeCloseTo(row[1]!, 6);
      expect(after[i]![2]).toBeCloseTo(row[2]! + Math.log(4), 5);
    });
    expect(() => correctDustbinBias(specialist, 0)).toThrow(/'oversamplingRatio' passed to 'correctDustbinBias' must be a finite number > 0, got 0/);
    specialist.dispose();
  });

  it('rejects classes that are not a subset of the generalist classes and a non-Dense output', async () => {
    await expect(createSpecialistModel(generalist, [5])).rejects.toThrow(
      /'classes' passed to 'createSpecialistModel' must be a subset of the generalist's classes 0..4, got 5 at classes\[0\]/,
    );
    const withSoftmaxLayer = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 3 }), tfl.layers.softmax()] });
    await expect(createSpecialistModel(withSoftmaxLayer, [0])).rejects.toThrow(/'createSpecialistModel' needs a model whose output layer is Dense, got Softmax/);
    withSoftmaxLayer.dispose();
  });
});
