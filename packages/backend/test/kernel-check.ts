import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@kd/backend';
import { createRng } from '@kd/data';
import { testBackends } from '../../../test/backends';

/**
 * Backends whose kernels these suites check against `cpu`: wasm with @kd/backend's kernels, kd's
 * native kernels where they load, and TensorFlow's native backend where it loads.
 */
export const kernelTargets: readonly string[] = [
  'wasm',
  ...testBackends.filter((name) => name === 'native' || name === 'tensorflow'),
];

/** The tfjs backend a target runs on: `native` is kd's native kernels on the `wasm` backend. */
export function tfjsName(target: string): string {
  return target === 'native' ? 'wasm' : target;
}

/** Sets `target` up with @kd/backend's `useBackend` (TensorFlow's backend through `'auto'`). */
export async function activateTarget(target: string): Promise<void> {
  await useBackend(target === 'wasm' || target === 'native' ? target : 'auto');
}

/** `size` seeded values in [-1, 1). */
export function seeded(seed: number, size: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

/** A tensor of `shape` holding {@link seeded} values. */
export function seededTensor(seed: number, shape: number[]): tf.Tensor {
  return tf.tensor(seeded(seed, shape.reduce((p, s) => p * s, 1)), shape);
}

/** Buffers the active backend holds, whether or not a tensor owns them. */
export const dataIds = (): number => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

/**
 * Runs `body` on `backend` and throws if it leaves tensors alive, or backend buffers that no
 * tensor owns (a kernel that forgets an intermediate leaks those).
 */
export async function leakFree<T>(backend: string, body: () => Promise<T>): Promise<T> {
  await tf.setBackend(tfjsName(backend));
  const before = tf.memory().numTensors;
  const dataBefore = dataIds();
  const result = await body();
  if (tf.memory().numTensors !== before) throw new Error(`tensors left on ${backend}`);
  if (dataIds() !== dataBefore) throw new Error(`buffers left on ${backend}`);
  return result;
}

export interface Computed {
  shape: number[];
  values: Float32Array;
}

/** The tensor `body` makes on `backend`, read back, leak-checked. */
export function computeOn(backend: string, body: () => tf.Tensor): Promise<Computed> {
  return leakFree(backend, async () => {
    const result = tf.tidy(body);
    const out = { shape: result.shape, values: Float32Array.from(await result.data()) };
    result.dispose();
    return out;
  });
}

/** Largest absolute difference over the largest magnitude in `want`; Infinity if shapes differ. */
export function relativeError(got: Computed, want: Computed): number {
  if (got.shape.join() !== want.shape.join()) return Number.POSITIVE_INFINITY;
  const scale = Math.max(1e-6, ...Array.from(want.values, Math.abs));
  return Math.max(0, ...Array.from(got.values, (v, i) => Math.abs(v - want.values[i]!))) / scale;
}
