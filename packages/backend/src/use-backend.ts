import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { describeValue } from '@kd/core';
import { loadNativeAddon } from './native-addon';
import type { NativeInfo } from './native-addon';
import { attachNativeKernels, detachNativeKernels } from './native-kernels';
import { installTrainingKernels } from './training-kernels';
import { createNodeWasmRuntime } from './wasm-runtime';
import type { WasmPackage, WasmRuntime } from './wasm-runtime';

/** A backend to ask `useBackend` for; `'auto'` takes the fastest one present. */
export type BackendPreference = 'auto' | BackendKind;

/**
 * - `gpu`: `@tensorflow/tfjs-node-gpu`, TensorFlow's native library with CUDA.
 * - `node`: `@tensorflow/tfjs-node`, TensorFlow's native library on the CPU.
 * - `native`: kd's own native CPU kernels (oneDNN, prebuilt in `@kd/backend-linux-x64-gnu`) for
 *   the heavy ops, on tfjs's WebAssembly backend for the rest; tensors stay on the wasm heap.
 * - `wasm`: `@tensorflow/tfjs-backend-wasm` with @kd/backend's training kernels and, in Node,
 *   multithreading.
 * - `cpu`: `@tensorflow/tfjs-backend-cpu`, plain JavaScript.
 */
export type BackendKind = 'gpu' | 'node' | 'native' | 'wasm' | 'cpu';

/** The order `'auto'` tries: fastest first. */
export const backendKinds: readonly BackendKind[] = ['gpu', 'node', 'native', 'wasm', 'cpu'];

export interface UseBackendOptions {
  /**
   * Threads to compute with. Default: every logical core (`os.availableParallelism()` in Node,
   * `navigator.hardwareConcurrency` in browsers). For `native`, the size of the native kernels'
   * pool (the WebAssembly code beside it then runs on one thread, so the two never compete for
   * cores); for `wasm`, WebAssembly threads, at most 8 (tfjs's limit). TensorFlow's backends
   * (`gpu`, `node`) size their own pool and ignore it; `cpu` is single-threaded.
   */
  threads?: number;
}

/** What `useBackend` set up. */
export interface BackendInfo {
  kind: BackendKind;
  /** The tfjs backend name now active (`tf.getBackend()`): `tensorflow`, `wasm` or `cpu`. */
  name: string;
  /** True when tensors live on a GPU. */
  accelerated: boolean;
  /** Threads the backend computes with. */
  threads: number;
  /** Whether its kernels use SIMD instructions (WebAssembly SIMD for `wasm`). */
  simd: boolean;
  /** The version of `@tensorflow/tfjs-core` in use. */
  tfjsVersion: string;
  /** For `native`: the library, its version and the instruction sets in use on this CPU. */
  native?: NativeInfo;
  /** With `'auto'`, each faster backend that was passed over and why. */
  skipped: ReadonlyArray<{ kind: BackendKind; reason: string }>;
}

const packages: Record<Exclude<BackendKind, 'native'>, string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const installHints: Record<Exclude<BackendKind, 'native'>, string> = {
  gpu:
    'install it with `npm install @tensorflow/tfjs-node-gpu@^4.22.0` on Linux x64 with an NVIDIA GPU, ' +
    'CUDA 11.2 and cuDNN 8.1; its install script downloads libtensorflow from storage.googleapis.com',
  node:
    'install it with `npm install @tensorflow/tfjs-node@^4.22.0`; its install script downloads ' +
    'libtensorflow from storage.googleapis.com',
  wasm: 'install it with `npm install @tensorflow/tfjs-backend-wasm@^4.22.0`',
  cpu: 'install it with `npm install @tensorflow/tfjs-backend-cpu@^4.22.0`',
};

/**
 * Resolves, initialises and activates a TensorFlow.js backend, and returns what it got.
 *
 * `'auto'` tries `gpu`, `node`, `native`, `wasm` and `cpu` in that order and takes the first that
 * loads.
 * Naming a backend that is not installed (or whose native library does not load) throws an Error
 * saying how to install it. Nothing is registered until this is called; calling it again is
 * cheap and returns the same backend. For `native` and `wasm`, call it before creating tensors on
 * `wasm`: it replaces the stock `wasm` backend (and a different `threads` later replaces it again;
 * `native` runs WebAssembly on one thread).
 *
 * @param preference which backend; default `'auto'`. See `backendPreferenceFromEnv` for
 * `KD_BACKEND`.
 */
export function useBackend(
  preference: BackendPreference = 'auto',
  options: UseBackendOptions = {},
): Promise<BackendInfo> {
  // One activation at a time: concurrent calls would each build a WebAssembly runtime.
  const result = pending.then(() => resolveBackend(preference, options));
  pending = result.catch(() => undefined);
  return result;
}

let pending: Promise<unknown> = Promise.resolve();

async function resolveBackend(
  preference: BackendPreference,
  options: UseBackendOptions,
): Promise<BackendInfo> {
  if (preference !== 'auto' && !backendKinds.includes(preference)) {
    throw new Error(
      `Argument 'preference' passed to 'useBackend' must be one of 'auto', ${backendKinds
        .map((k) => `'${k}'`)
        .join(', ')}, got ${describeValue(preference)}`,
    );
  }
  const threads = options.threads ?? (await logicalCores());
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(
      `Option 'threads' passed to 'useBackend' must be an integer >= 1, got ${describeValue(options.threads)}`,
    );
  }
  if (preference !== 'auto') return activate(preference, threads, []);

  const skipped: Array<{ kind: BackendKind; reason: string }> = [];
  for (const kind of backendKinds) {
    try {
      return await activate(kind, threads, skipped);
    } catch (error) {
      skipped.push({ kind, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(
    `useBackend('auto') found no TensorFlow.js backend that works:\n${skipped
      .map((s) => `  ${s.kind}: ${s.reason}`)
      .join('\n')}`,
  );
}

/**
 * The backend that `KD_BACKEND` names (`auto`, `gpu`, `node`, `native`, `wasm` or `cpu`), or `'auto'` when
 * it is unset or empty: how examples and the CLI let the user choose.
 */
export function backendPreferenceFromEnv(
  env: Record<string, string | undefined> = globalThis.process?.env ?? {},
): BackendPreference {
  const value = env.KD_BACKEND?.trim();
  if (!value) return 'auto';
  if (value === 'auto' || backendKinds.includes(value as BackendKind)) return value as BackendPreference;
  throw new Error(`KD_BACKEND must be one of auto, ${backendKinds.join(', ')}, got '${value}'`);
}

/**
 * The options `KD_THREADS` sets: `{ threads: n }` for a whole number n >= 1, `{}` when it is unset
 * or empty. On a machine shared with other jobs, fewer WebAssembly threads than cores can be faster
 * (the threads of one pool wait on each other when a core is taken), and one thread per process
 * lets independent runs share the cores.
 */
export function backendOptionsFromEnv(
  env: Record<string, string | undefined> = globalThis.process?.env ?? {},
): UseBackendOptions {
  const value = env.KD_THREADS?.trim();
  if (!value) return {};
  const threads = Number(value);
  if (!/^[0-9]+$/.test(value) || threads < 1) throw new Error(`KD_THREADS must be an integer >= 1, got '${value}'`);
  return { threads };
}

async function activate(
  kind: BackendKind,
  threads: number,
  skipped: BackendInfo['skipped'],
): Promise<BackendInfo> {
  const base = { kind, tfjsVersion: tf.version_core, skipped };
  if (kind === 'native') return activateNative(threads, base);
  const loaded = await importBackendPackage(kind);
  switch (kind) {
    case 'gpu':
    case 'node':
      await setBackend(kind, 'tensorflow');
      return {
        ...base,
        name: 'tensorflow',
        accelerated: kind === 'gpu',
        threads: await logicalCores(),
        simd: true,
      };
    case 'cpu':
      await setBackend(kind, 'cpu');
      return { ...base, name: 'cpu', accelerated: false, threads: 1, simd: false };
    case 'wasm': {
      installTrainingKernels();
      detachNativeKernels();
      const { threads: actual, simd } = await activateWasm(asWasmPackage(loaded), threads);
      return { ...base, name: 'wasm', accelerated: false, threads: actual, simd };
    }
  }
}

function asWasmPackage(loaded: Record<string, unknown>): WasmPackage {
  return (loaded.BackendWasm ? loaded : loaded.default) as WasmPackage;
}

/**
 * kd's native kernels for the heavy ops, with `threads` threads, on a single-threaded
 * WebAssembly backend that holds the tensors and runs everything else.
 */
async function activateNative(
  threads: number,
  base: Pick<BackendInfo, 'kind' | 'tfjsVersion' | 'skipped'>,
): Promise<BackendInfo> {
  if (!isNode()) throw new Error("useBackend('native') runs in Node only; browsers use 'wasm'");
  const addon = await loadNativeAddon();
  const loaded = await importBackendPackage('wasm');
  installTrainingKernels();
  const { simd } = await activateWasm(asWasmPackage(loaded), 1);
  addon.setThreads(threads);
  attachNativeKernels(addon);
  return { ...base, name: 'wasm', accelerated: false, threads, simd, native: addon.info() };
}

/** The `wasm` backend we registered last, so a repeated call can reuse it. */
let ours: { factory: () => KernelBackend; requestedThreads: number; runtime: WasmRuntime } | undefined;

async function activateWasm(
  wasmPackage: WasmPackage,
  threads: number,
): Promise<{ threads: number; simd: boolean }> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  if (!isNode()) {
    // Browsers run tfjs's own threaded build when the page is cross-origin isolated.
    wasmPackage.setThreadsCount(threads);
    await setBackend('wasm', 'wasm');
    return { threads: (wasmPackage as unknown as { getThreadsCount(): number }).getThreadsCount(), simd };
  }
  // Typed as always present, but null when nothing is registered under the name.
  const current = tf.findBackendFactory('wasm') as (() => unknown) | null;
  if (!ours || current !== ours.factory || ours.requestedThreads !== threads) {
    const runtime = await createNodeWasmRuntime(wasmPackage, threads, simd);
    const factory = () => runtime.backend;
    if (current) tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, 2);
    ours = { factory, requestedThreads: threads, runtime };
  }
  await setBackend('wasm', 'wasm');
  return { threads: ours.runtime.threads, simd: ours.runtime.simd };
}

async function importBackendPackage(kind: Exclude<BackendKind, 'native'>): Promise<Record<string, unknown>> {
  try {
    return (await import(/* @vite-ignore */ packages[kind])) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      `useBackend('${kind}') needs ${packages[kind]}, which is not installed or does not load (${reason}): ${installHints[kind]}`,
      { cause: error },
    );
  }
}

async function setBackend(kind: BackendKind, name: string): Promise<void> {
  if (!(await tf.setBackend(name))) {
    throw new Error(
      `useBackend('${kind}'): the tfjs backend '${name}' was registered but failed to initialise`,
    );
  }
  await tf.ready();
}

function isNode(): boolean {
  return typeof process === 'object' && typeof process.versions?.node === 'string';
}

async function logicalCores(): Promise<number> {
  if (isNode()) {
    const { availableParallelism } = await import('node:os');
    return availableParallelism();
  }
  return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
}

