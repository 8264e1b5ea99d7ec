import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The tfjs backends a test run can use: `cpu` and `wasm` always, `native` (kd's native kernels
 * on wasm) where its addon loads, and `tensorflow` when `@tensorflow/tfjs-node-gpu` or
 * `@tensorflow/tfjs-node` loads with its native binding. Set `KD_TEST_BACKENDS=cpu,wasm` to
 * restrict a run. With `CI=true` on Linux x64, a native addon that does not load fails the run.
 */
async function tensorflowLoads(): Promise<boolean> {
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

function nativeLoads(): boolean {
  const addon = process.env.KD_NATIVE_ADDON || '@kd/backend-linux-x64-gnu';
  try {
    createRequire(import.meta.url)(addon);
    return true;
  } catch (error) {
    if (process.env.CI === 'true' && process.platform === 'linux' && process.arch === 'x64') {
      throw new Error(`CI: kd's native kernels must load here (npm run build:native): ${(error as Error).message}`, { cause: error });
    }
    return false;
  }
}

const found = ['cpu', 'wasm', ...(nativeLoads() ? ['native'] : []), ...((await tensorflowLoads()) ? ['tensorflow'] : [])];
const requested = process.env.KD_TEST_BACKENDS?.split(',').map((name) => name.trim());

export const testBackends: readonly string[] = requested
  ? found.filter((name) => requested.includes(name))
  : found;

if (testBackends.length === 0) {
  throw new Error(
    `KD_TEST_BACKENDS=${process.env.KD_TEST_BACKENDS} names none of the backends present: ${found.join(', ')}`,
  );
}

/**
 * Switches tfjs to the test backend `name` and waits until it is ready. `wasm` and `native` are
 * set up by @kd/backend's `useBackend`, both on one single-threaded WebAssembly runtime, so that
 * switching between them keeps it: `native` attaches the native kernels, `wasm` detaches them.
 */
export async function activateBackend(name: string): Promise<void> {
  if (name === 'wasm' || name === 'native') {
    const { useBackend } = await import('@kd/backend');
    await useBackend(name, name === 'wasm' ? { threads: 1 } : {});
    return;
  }
  if (!(await tf.setBackend(name))) {
    throw new Error(`tfjs backend '${name}' failed to initialise`);
  }
  await tf.ready();
}
