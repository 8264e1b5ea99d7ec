import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateTarget, dataIds, kernelTargets, leakFree, seeded, tfjsName } from '../test/kernel-check';


// One training step of each layer type runs on wasm with @kd/backend's kernels and gives the same
// outputs and weight gradients as `cpu`, from the same weights, inputs and dropout seed. Tensors and
// the buffers of the backend under test are counted before and after every step. The outputs are
// compared one by one, not through the scalar loss: a sum of products of random signs can cancel to
// near zero, and its rounding error relative to it then says nothing about the kernels.

const layerCases: Record<string, () => tfl.layers.Layer[]> = {
  dense: () => [
    tfl.layers.dense({ units: 6, activation: 'relu', inputShape: [9] }),
    tfl.layers.dense({ units: 3 }),
  ],
  'conv2d stride 1 same': () => [
    tfl.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      inputShape: [7, 7, 2],
    }),
  ],
  'conv2d stride 1 valid': () => [
    tfl.layers.conv2d({ filters: 4, kernelSize: [3, 2], padding: 'valid', inputShape: [7, 6, 2] }),
  ],
  'conv2d stride 2 same': () => [
    tfl.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', inputShape: [8, 7, 2] }),
  ],
  'conv2d stride 2 valid': () => [
    tfl.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', inputShape: [8, 8, 2] }),
  ],
  'max pooling': () => [
    tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [7, 7, 2] }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
  ],
  // 'valid': at the borders of 'same' padding tfjs's own average-pooling gradient (cpu, wasm)
  // divides by the whole window, not by the pixels it averaged; the native kernel gives the exact
  // gradient there (native-kernels.test.ts checks it against the formula).
  'average pooling': () => [
    tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [7, 7, 2] }),
    tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid' }),
  ],
  dropout: () => [
    tfl.layers.dense({ units: 8, inputShape: [9] }),
    tfl.layers.dropout({ rate: 0.5, seed: 7 }),
  ],
  // No bias before batch norm: its gradient is zero in exact arithmetic, so only rounding is left.
  'batch normalization': () => [
    tfl.layers.dense({ units: 5, useBias: false, inputShape: [9] }),
    tfl.layers.batchNormalization(),
  ],
};

async function trainingStep(
  backend: string,
  model: tfl.LayersModel,
  x: Float32Array,
  upstream: Float32Array,
): Promise<number[][]> {
  return leakFree(backend, async () => {
    const inputShape = [4, ...(model.inputs[0]!.shape.slice(1) as number[])];
    const outputShape = [4, ...(model.outputs[0]!.shape.slice(1) as number[])];
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    let output: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const y = model.apply(tf.tensor(x, inputShape), { training: true }) as tf.Tensor;
          output = tf.keep(y);
          return tf.sum(tf.mul(y, tf.tensor(upstream, outputShape))) as tf.Scalar;
        }),
      variables,
    );
    const result = [
      Array.from(await output!.data()),
      ...(await Promise.all(variables.map(async (v) => Array.from(await grads[v.name]!.data())))),
    ];
    tf.dispose([output!, value, ...Object.values(grads)]);
    return result;
  });
}

for (const target of kernelTargets) {
  describe(`a training step of each layer type on ${target} matches cpu`, () => {
    beforeAll(async () => {
      await activateTarget(target);
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it.each(Object.keys(layerCases))('%s', async (name) => {
      // One model per backend with the same weights, so that no tensor moves between backends
      // and the buffer counts compare like with like.
      const models: Record<string, tfl.LayersModel> = {};
      let weights: Float32Array[] = [];
      for (const backend of ['cpu', target]) {
        await tf.setBackend(tfjsName(backend));
        const model = tfl.sequential({ layers: layerCases[name]!() });
        if (backend === 'cpu') {
          weights = await Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
        } else {
          const fresh = weights.map((w, i) => tf.tensor(w, model.getWeights()[i]!.shape));
          model.setWeights(fresh);
          tf.dispose(fresh);
        }
        models[backend] = model;
      }
      const inputSize = (models.cpu!.inputs[0]!.shape.slice(1) as number[]).reduce((p, s) => p * s, 4);
      const outputSize = (models.cpu!.outputs[0]!.shape.slice(1) as number[]).reduce((p, s) => p * s, 4);
      const x = seeded(inputSize, inputSize);
      const upstream = seeded(outputSize + 1, outputSize);
      const want = await trainingStep('cpu', models.cpu!, x, upstream);
      const got = await trainingStep(target, models[target]!, x, upstream);
      models.cpu!.dispose();
      models[target]!.dispose();
      // One relative error for the outputs, then one per trainable weight's gradient.
      const errors = want.map((values, i) => {
        const scale = Math.max(1e-6, ...values.map(Math.abs));
        return Math.max(0, ...values.map((v, j) => Math.abs(v - (got[i]?.[j] ?? Number.NaN)))) / scale;
      });
      expect(got.map((g) => g.length)).toEqual(want.map((w) => w.length));
      expect(Math.max(...errors)).toBeLessThan(1e-4);
    });

    it('trains a small CNN with Adam for 20 steps without growing the tensor or buffer count', async () => {
      await tf.setBackend(tfjsName(target));
      const model = tfl.sequential({
        layers: [
          tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 3 }),
        ],
      });
      const optimizer = tf.train.adam(0.01);
      const x = tf.tensor4d(seeded(1, 16 * 64), [16, 8, 8, 1]);
      const labels = tf.tensor2d(
        Array.from({ length: 16 }, (_, i) => [0, 1, 2].map((c) => (c === i % 3 ? 1 : 0))),
      );
      const loss = () =>
        tf.tidy(
          () =>
            tf.losses.softmaxCrossEntropy(
              labels,
              model.apply(x, { training: true }) as tf.Tensor,
            ) as tf.Scalar,
        );
      const losses: number[] = [];
      const counts: string[] = [];
      for (let step = 0; step < 20; step++) {
        const value = optimizer.minimize(loss, true)!;
        losses.push((await value.data())[0]!);
        value.dispose();
        counts.push(`${tf.memory().numTensors} tensors, ${dataIds()} buffers`);
      }
      // From the second step on (Adam creates its moment variables in the first).
      expect(counts.slice(1)).toEqual(counts.slice(1).map(() => counts[1]));
      expect(losses[19]!).toBeLessThan(losses[0]!);
      tf.dispose([x, labels]);
      optimizer.dispose();
      model.dispose();
    });
  });
}
