// The run that src/killed-run.test.ts trains in a child process and in the test itself.
import { Dataset, createRng, jitter } from '@kd/data';
import { buildModel } from '@kd/trainer';
import type { FitOptions } from '@kd/trainer';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export function fixtureData(): Dataset {
  const rng = createRng(21);
  const size = 200;
  const images = new Float32Array(size * 64);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    labels[i] = i % 4;
    for (let p = 0; p < 64; p++) {
      const on = Math.floor(Math.floor(p / 8) / 2) === i % 4;
      images[i * 64 + p] = Math.min(1, Math.max(0, (on ? 0.6 : 0.3) + (rng.next() - 0.5) * 0.8));
    }
  }
  return new Dataset({ images, imageShape: [8, 8, 1], labels, numClasses: 4, source: 'bands' });
}

export function fixtureModel(): LayersModel {
  return buildModel({ type: 'mlp', hidden: [32], dropout: 0.2 }, { inputShape: [8, 8, 1], numClasses: 4, seed: 4 });
}

export const fixtureOptions: FitOptions = {
  epochs: 6,
  batchSize: 10,
  seed: 9,
  augment: jitter({ maxShift: 1 }),
  optimizer: { kind: 'sgd', learningRate: { kind: 'step', initial: 0.05, factor: 0.5, every: 3 }, momentum: 0.9 },
  progress: false,
};
