// A training run for the killed-run test (packages/trainer/src/killed-run.test.ts): trains the
// fixture model with checkpoints in argv[2], printing each finished epoch, so the test can SIGKILL
// it part-way.
import * as tf from '@tensorflow/tfjs-core';
// oxlint-disable-next-line import/no-unassigned-import -- registers the backend (or the gradients) with tfjs
import '@tensorflow/tfjs-layers';
// oxlint-disable-next-line import/no-unassigned-import -- registers the backend (or the gradients) with tfjs
import '@tensorflow/tfjs-backend-cpu';
import { trainModel } from '@kd/trainer';
import { checkpoints } from '@kd/trainer/node';
import { fixtureData, fixtureModel, fixtureOptions } from './killed-run-fixture';

tf.enableProdMode();
await tf.setBackend('cpu');
const model = fixtureModel();
await trainModel(model, fixtureData(), {
  ...fixtureOptions,
  callbacks: [
    checkpoints({ dir: process.argv[2]!, resume: 'auto' }),
    {
      async onEpochEnd(record) {
        process.stdout.write(`epoch ${record.epoch}\n`);
        // Leaves the test time to kill the run before it can finish (an epoch takes milliseconds).
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
    },
  ],
});
