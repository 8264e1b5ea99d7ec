// A training run for killed-run tests (src/killed-run.test.ts): trains the fixture model with
// checkpoints in argv[2], printing each finished epoch, so the test can SIGKILL it part-way.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { trainModel } from '@kd/trainer';
import { fixtureData, fixtureModel, fixtureOptions } from './killed-run-fixture';

tf.enableProdMode();
await tf.setBackend('cpu');
const model = fixtureModel();
await trainModel(model, fixtureData(), {
  ...fixtureOptions,
  checkpointDir: process.argv[2]!,
  resume: true,
  onEpochEnd: async (record) => {
    process.stdout.write(`epoch ${record.epoch}\n`);
    // Leaves the test time to kill the run before it can finish (an epoch takes milliseconds).
    await new Promise((resolve) => setTimeout(resolve, 300));
  },
});
