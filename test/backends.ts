import * as tf from '@tensorflow/tfjs-core';

/**
 * The tfjs backends a test run can use: `cpu` and `wasm` always (the setup file registers them),
 * and `tensorflow` when `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` loads with its
 * native binding. Set `KD_TEST_BACKENDS=cpu,wasm` to restrict a run.
 */
async function nativeBackendLoads(): Promise<boolean> {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ name);
      return true;
    } catch {
      // Not installed, or installed without its native binding: try the next one.
    }
  }
  return false;
}

const found = ['cpu', 'wasm', ...((await nativeBackendLoads()) ? ['tensorflow'] : [])];
const requested = process.env.KD_TEST_BACKENDS?.split(',').map((name) => name.trim());

export const testBackends: readonly string[] = requested
  ? found.filter((name) => requested.includes(name))
  : found;

if (testBackends.length === 0) {
  throw new Error(
    `KD_TEST_BACKENDS=${process.env.KD_TEST_BACKENDS} names none of the backends present: ${found.join(', ')}`,
  );
}

/** Switches tfjs to `name` and waits until it is ready. */
export async function activateBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) {
    throw new Error(`tfjs backend '${name}' failed to initialise`);
  }
  await tf.ready();
}
