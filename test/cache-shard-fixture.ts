// What the sharded teacher-cache test (packages/ensemble/src/teacher-cache-shards.test.ts) builds,
// in its own process and in each child process (build-cache-shard.ts): the same teacher, data set
// and batches everywhere, as shards on several machines would have.
import * as tf from '@tensorflow/tfjs-core';
import { batches, jitter } from '@kd/data';
import type { Dataset, Batch } from '@kd/data';
import { functionTeacher } from '@kd/ensemble';
import type { Teacher } from '@kd/ensemble';
import { noise } from './datasets';

/** 30 noise images of 4x4 and a linear teacher of 3 classes over them, from fixed seeds. */
export function shardFixture(teacherSeed = 2): { dataset: Dataset; teacher: Teacher } {
  const w = tf.randomNormal([16, 3], 0, 1, 'float32', teacherSeed) as tf.Tensor2D;
  return {
    dataset: noise(30, 1),
    teacher: functionTeacher((x) => tf.matMul(x as tf.Tensor2D, w), { numClasses: 3, weights: { w } }),
  };
}

/** Jittered batches of 7 for `epochs` epochs (seed 3): every shard must be given the same. */
export function* shardBatches(dataset: Dataset, epochs = 2): Generator<Batch> {
  for (let epoch = 1; epoch <= epochs; epoch++) {
    yield* batches(dataset, { batchSize: 7, seed: 3, epoch, flatten: true, augment: jitter({ maxShift: 1 }) });
  }
}
