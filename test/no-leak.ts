import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Runs `body` `rounds` times and expects `tf.memory().numTensors` to be the same after every
 * round as after the first: the check for long loops (training, batching, caching).
 */
export async function expectFlatTensorCount(
  rounds: number,
  body: (round: number) => unknown | Promise<unknown>,
): Promise<void> {
  const counts: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await body(round);
    counts.push(tf.memory().numTensors);
  }
  expect(counts, 'tf.memory().numTensors after each round').toEqual(counts.map(() => counts[0]));
}
