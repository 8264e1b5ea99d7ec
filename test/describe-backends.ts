import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { activateBackend, testBackends } from './backends';

/**
 * Runs `suite` once per backend in `testBackends` (at least `cpu` and `wasm`), like tfjs's own
 * `describeWithFlags`. Each test runs inside an engine scope and fails if it leaves more tensors
 * alive than it found: tests dispose what they create (or use `tf.tidy`), so any tensor left over
 * was leaked by the code under test. The scope is then closed, so one leak does not fail the
 * tests after it.
 */
export function describeBackends(name: string, suite: (backend: string) => void): void {
  for (const backend of testBackends) {
    describe(`${name} [${backend}]`, () => {
      let before = 0;
      beforeAll(async () => {
        await activateBackend(backend);
      });
      beforeEach(() => {
        tf.engine().startScope();
        before = tf.memory().numTensors;
      });
      afterEach(() => {
        const leaked = tf.memory().numTensors - before;
        tf.engine().endScope();
        if (leaked !== 0) {
          throw new Error(`test left ${leaked} tensor(s) alive on backend '${backend}'`);
        }
      });
      suite(backend);
    });
  }
}
