// What the training loop costs on top of a bare tfjs loop: the per-step NaN/Inf check (one read
// of the losses and the gradient norm), the yield to the event loop, dropout seeding and the
// epoch bookkeeping. Prints samples/s for both on the same model, data, batches and optimizer.
//   node --conditions=@kd/source --import tsx bench/fit-overhead.ts [cpu|wasm] [hidden]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { batches, loadMnistDigits } from '@kd/data';
import { hardLabelLoss } from '@kd/losses';
import { buildModel, createOptimizer, disposeOptimizer, trainModel } from '@kd/trainer';

const backend = process.argv[2] ?? 'wasm';
const hidden = Number(process.argv[3] ?? 256);
await tf.setBackend(backend);
await tf.ready();
const { train } = await loadMnistDigits({ seed: 0 });
const data = train.subsample({ fraction: 0.25, seed: 0 });
const epochs = 2;
const batchSize = 128;
const arch = { type: 'mlp' as const, hidden: [hidden, hidden] };

async function bare(): Promise<number> {
  const model = buildModel(arch, { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  const optimizer = createOptimizer({ kind: 'adam', learningRate: 0.001 });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const batch of batches(data, { batchSize, seed: 0, epoch })) {
      tf.tidy(() => {
        optimizer.minimize(() => hardLabelLoss({ studentLogits: model.apply(batch.x, { training: true }) as tf.Tensor, labels: batch.y! }), false, vars);
      });
    }
  }
  // Wait for the last step's work before stopping the clock.
  await model.getWeights()[0]!.data();
  const seconds = (performance.now() - start) / 1000;
  disposeOptimizer(optimizer);
  model.dispose();
  return (epochs * data.size) / seconds;
}

async function loop(): Promise<number> {
  const model = buildModel(arch, { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  const start = performance.now();
  await trainModel(model, data, { epochs, batchSize, optimizer: { kind: 'adam', learningRate: 0.001 }, progress: false });
  const seconds = (performance.now() - start) / 1000;
  model.dispose();
  return (epochs * data.size) / seconds;
}

const results: Record<string, number[]> = { bare: [], trainModel: [] };
for (let round = 0; round < 3; round++) {
  results.bare!.push(await bare());
  results.trainModel!.push(await loop());
}
const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`backend ${backend}, MLP 784-${hidden}-${hidden}-10, Adam, batch ${batchSize}, ${data.size} digits x ${epochs} epochs, 3 rounds alternating`);
for (const [name, xs] of Object.entries(results)) {
  console.log(`${name.padEnd(10)} median ${median(xs).toFixed(0)} samples/s  (${xs.map((x) => x.toFixed(0)).join(', ')})`);
}
console.log(`loop overhead: ${((median(results.bare!) / median(results.trainModel!) - 1) * 100).toFixed(1)}% (includes trainModel's one extra forward pass that checks the loss before training)`);
