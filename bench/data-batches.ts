// How long @kd/data takes to load Fashion-MNIST and to batch one epoch of its 60,000 training
// images, next to the cost of a training step. Prints numbers; asserts nothing.
//   npx tsx --conditions=@kd/source bench/data-batches.ts [/usr/share/datasets/fashion-mnist]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { batches, horizontalFlip, jitter, loadMnistStyle } from '@kd/data';
import type { BatchOptions } from '@kd/data';

const dir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
await tf.setBackend('cpu');

const ms = (start: number) => performance.now() - start;
const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;

let start = performance.now();
const { train } = await loadMnistStyle(dir);
console.log(`loadMnistStyle (60k + 10k, gzipped IDX): ${ms(start).toFixed(0)} ms`);
start = performance.now();
train.fingerprint();
console.log(`fingerprint of 60k images: ${ms(start).toFixed(0)} ms`);
start = performance.now();
const { train: part } = train.split({ testFraction: 1 / 6, seed: 1 });
console.log(`stratified split 50k / 10k: ${ms(start).toFixed(0)} ms (${part.size} train)`);

const cases: [string, Omit<BatchOptions, 'batchSize'>][] = [
  ['shuffled, flat (MLP input)', { flatten: true }],
  ['shuffled, image-shaped', {}],
  ['shuffled, jitter(2), flat', { flatten: true, augment: jitter({ maxShift: 2 }) }],
  ['shuffled, jitter(2) + flip', { augment: [jitter({ maxShift: 2 }), horizontalFlip()] }],
];
const batchSize = 128;
for (const [name, options] of cases) {
  const times: number[] = [];
  for (let epoch = 1; epoch <= 3; epoch++) {
    start = performance.now();
    let count = 0;
    for (const batch of batches(train, { batchSize, epoch, seed: 1, ...options })) count += batch.indices.length;
    times.push(ms(start));
    if (count !== train.size) throw new Error(`saw ${count} examples`);
  }
  const perEpoch = median(times);
  console.log(
    `${name}: ${perEpoch.toFixed(0)} ms per epoch of ${train.size} (median of 3), ${((perEpoch / Math.ceil(train.size / batchSize)) * 1000).toFixed(0)} us per batch of ${batchSize}, tensors alive after: ${tf.memory().numTensors}`,
  );
}
