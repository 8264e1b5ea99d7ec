// The run that packages/trainer/src/killed-run.test.ts trains in a child process and in the test itself.
import { jitter } from '@kd/data';
import type { Dataset } from '@kd/data';
import { buildModel } from '@kd/trainer';
import type { FitOptions } from '@kd/trainer';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { noisyBands } from './datasets';

export function fixtureData(): Dataset {
  return noisyBands(200, 21);
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
