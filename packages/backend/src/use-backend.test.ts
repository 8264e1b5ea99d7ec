import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { backendOptionsFromEnv, backendPreferenceFromEnv, trainingKernelNames, useBackend } from '@kd/backend';
import { afterAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../test/backends';
import { isKdKernel } from './wasm-kernel-utils';

async function loads(name: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ name);
    return true;
  } catch {
    return false;
  }
}
const nativeGpu = await loads('@tensorflow/tfjs-node-gpu');
const nativeCpu = await loads('@tensorflow/tfjs-node');
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs `body` (an async function body that imports with `await import()`) in a fresh Node process
 * that resolves @kd/backend as the tests do.
 */
function runInFreshNode(body: string, env: Record<string, string> = {}): string {
  const conditions = process.env.KD_TEST_DIST === '1' ? [] : ['--conditions=@kd/source', '--import', 'tsx'];
  const script = `(async () => {${body}})().catch((error) => { console.error(error); process.exit(1); });`;
  return execFileSync(process.execPath, [...conditions, '-e', script], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KD_BACKEND: '', ...env },
  });
}

describe('useBackend', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('registers nothing when imported', () => {
    const out = runInFreshNode(`
      const tf = await import('@tensorflow/tfjs-core');
      await import('@kd/backend');
      console.log(JSON.stringify({ backends: Object.keys(tf.engine().registryFactory), wasmKernels: tf.getKernelsForBackend('wasm').length }));
    `);
    expect(JSON.parse(out)).toEqual({ backends: [], wasmKernels: 0 });
  });

  it('lets a script that trained on threaded wasm exit by itself', () => {
    const out = runInFreshNode(`
      const tf = await import('@tensorflow/tfjs-core');
      const { useBackend } = await import('@kd/backend');
      const info = await useBackend('wasm');
      const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]), true, false);
      console.log(JSON.stringify({ threads: info.threads, corner: (await y.data())[0] }));
    `);
    expect(JSON.parse(out)).toEqual({ threads: availableParallelism(), corner: 64 });
  });

  it('activates cpu', async () => {
    const info = await useBackend('cpu');
    expect(info).toMatchObject({
      kind: 'cpu',
      name: 'cpu',
      accelerated: false,
      threads: 1,
      simd: false,
      tfjsVersion: tf.version_core,
    });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('activates wasm with every core, SIMD and the training kernels', async () => {
    const info = await useBackend('wasm');
    expect(info).toMatchObject({
      kind: 'wasm',
      name: 'wasm',
      accelerated: false,
      threads: availableParallelism(),
      simd: true,
    });
    expect(tf.getBackend()).toBe('wasm');
    const ours = trainingKernelNames.filter((name) => isKdKernel(tf.getKernel(name, 'wasm')?.kernelFunc));
    expect(ours).toEqual(trainingKernelNames);
  });

  it('is idempotent: a second call keeps the backend and its tensors', async () => {
    await useBackend('wasm');
    const kept = tf.tensor1d([1, 2, 3]);
    const again = await useBackend('wasm');
    expect(again.threads).toBe(availableParallelism());
    expect(Array.from(await kept.data())).toEqual([1, 2, 3]);
    kept.dispose();
  });

  it('runs wasm on the number of threads asked for', async () => {
    expect((await useBackend('wasm', { threads: 1 })).threads).toBe(1);
    const t = tf.tidy(() => tf.matMul(tf.ones([3, 5]), tf.ones([3, 4]), true, false));
    expect(Array.from(await t.data())).toEqual(Array.from({ length: 20 }, () => 3));
    t.dispose();
    expect((await useBackend('wasm')).threads).toBe(availableParallelism());
  });

  it('leaves the stock cpu kernels alone', async () => {
    await useBackend('wasm');
    await useBackend('cpu');
    const oursOnCpu = trainingKernelNames.filter((name) => isKdKernel(tf.getKernel(name, 'cpu')?.kernelFunc));
    expect(oursOnCpu).toEqual([]);
    const product = tf.tidy(() =>
      tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]), true, true),
    );
    expect(Array.from(await product.data())).toEqual([23, 31, 34, 46]);
    product.dispose();
  });

  it.runIf(!nativeGpu && !nativeCpu)("'auto' goes on to wasm when the native addon does not load, and says why", () => {
    const out = runInFreshNode(
      `
      const { useBackend } = await import('@kd/backend');
      const info = await useBackend('auto');
      console.log(JSON.stringify({ kind: info.kind, native: info.skipped.find((s) => s.kind === 'native') }));
    `,
      { KD_NATIVE_ADDON: '/nowhere/kd-backend.node' },
    );
    const { kind, native } = JSON.parse(out) as { kind: string; native: { reason: string } };
    expect(kind).toBe('wasm');
    expect(native.reason).toMatch(/the native kernels did not load from \/nowhere\/kd-backend\.node \(.*\): check KD_NATIVE_ADDON/);
  });

  const natives = [
    { kind: 'gpu', present: nativeGpu, pkg: '@tensorflow/tfjs-node-gpu', hint: /CUDA 11\.2 and cuDNN 8\.1/ },
    {
      kind: 'node',
      present: nativeCpu,
      pkg: '@tensorflow/tfjs-node',
      hint: /npm install @tensorflow\/tfjs-node@\^4\.22\.0/,
    },
  ] as const;

  it.each(natives.filter((n) => n.present))('$kind: runs on TensorFlow natively', async ({ kind }) => {
    expect(await useBackend(kind)).toMatchObject({ kind, name: 'tensorflow', accelerated: kind === 'gpu' });
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it.each(natives.filter((n) => !n.present))(
    '$kind: not loadable here, says how to install it',
    async ({ kind, pkg, hint }) => {
      const failure = useBackend(kind);
      await expect(failure).rejects.toThrow(
        `useBackend('${kind}') needs ${pkg}, which is not installed or does not load`,
      );
      await expect(failure).rejects.toThrow(hint);
    },
  );

  it("'auto' takes the fastest backend present and says what it passed over", async () => {
    const info = await useBackend();
    const native = testBackends.includes('native');
    const passedOver = [...natives.filter((n) => !n.present).map((n) => n.kind), ...(native ? [] : ['native'])];
    expect(info.skipped.map((s) => s.kind)).toEqual(passedOver);
    expect(
      info.skipped.every((s) => /npm install @tensorflow\/tfjs-node|native kernels did not load/.test(s.reason)),
    ).toBe(true);
    const tensorflow = natives.find((n) => n.present)?.kind;
    expect(info.kind).toBe(tensorflow ?? (testBackends.includes('native') ? 'native' : 'wasm'));
    expect(tf.getBackend()).toBe(info.name);
  });

  it.each([
    [
      'tpu',
      {},
      /Argument 'preference' passed to 'useBackend' must be one of 'auto', 'gpu', 'node', 'native', 'wasm', 'cpu', got 'tpu'/,
    ],
    ['wasm', { threads: 0 }, /Option 'threads' passed to 'useBackend' must be an integer >= 1, got 0/],
    ['wasm', { threads: 1.5 }, /must be an integer >= 1, got 1.5/],
    ['cpu', { threads: '2' }, /must be an integer >= 1, got '2'/],
  ] as const)('rejects preference %s with options %j', async (preference, options, message) => {
    await expect(useBackend(preference as never, options as never)).rejects.toThrow(message);
  });
});

describe.runIf(testBackends.includes('native'))('useBackend: native', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('activates native: oneDNN for the heavy kernels on every core, WebAssembly on one thread', async () => {
    const info = await useBackend('native');
    expect(info).toMatchObject({
      kind: 'native',
      name: 'wasm',
      accelerated: false,
      threads: availableParallelism(),
      simd: true,
      native: { library: 'oneDNN', threads: availableParallelism() },
    });
    expect(info.native!.isa).toMatch(/^(sse41|avx|avx2|avx2_vnni|avx512_\w+)$/);
    expect(info.native!.kernelIsa).toMatch(/^(baseline|avx2|avx512)$/);
    expect(tf.getBackend()).toBe('wasm');
    const t = tf.tidy(() => tf.matMul(tf.ones([3, 5]), tf.ones([3, 4]), true, false));
    expect(Array.from(await t.data())).toEqual(Array.from({ length: 20 }, () => 3));
    t.dispose();
  });

  it('runs the native pool on the number of threads asked for', async () => {
    expect((await useBackend('native', { threads: 1 })).native!.threads).toBe(1);
    expect((await useBackend('native')).native!.threads).toBe(availableParallelism());
  });

  it('lets a script that trained natively exit by itself', () => {
    const out = runInFreshNode(`
      const tf = await import('@tensorflow/tfjs-core');
      const { useBackend } = await import('@kd/backend');
      const info = await useBackend('native');
      const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]), true, false);
      console.log(JSON.stringify({ kind: info.kind, corner: (await y.data())[0] }));
    `);
    expect(JSON.parse(out)).toEqual({ kind: 'native', corner: 64 });
  });
});

describe('backendPreferenceFromEnv', () => {
  it.each([
    [{}, 'auto'],
    [{ KD_BACKEND: '' }, 'auto'],
    [{ KD_BACKEND: 'wasm' }, 'wasm'],
    [{ KD_BACKEND: ' cpu ' }, 'cpu'],
    [{ KD_BACKEND: 'gpu' }, 'gpu'],
    [{ KD_BACKEND: 'auto' }, 'auto'],
  ])('reads %j as %s', (env, expected) => {
    expect(backendPreferenceFromEnv(env)).toBe(expected);
  });

  it('names the variable and the choices for a value it does not know', () => {
    expect(() => backendPreferenceFromEnv({ KD_BACKEND: 'webgl' })).toThrow(
      "KD_BACKEND must be one of auto, gpu, node, native, wasm, cpu, got 'webgl'",
    );
  });
});

describe('backendOptionsFromEnv', () => {
  it.each([
    [{}, {}],
    [{ KD_THREADS: '' }, {}],
    [{ KD_THREADS: '1' }, { threads: 1 }],
    [{ KD_THREADS: ' 4 ' }, { threads: 4 }],
  ])('reads %j as %j', (env, expected) => {
    expect(backendOptionsFromEnv(env)).toEqual(expected);
  });

  it.each(['0', '-1', '1.5', 'two', '2x'])('names the variable for %j', (value) => {
    expect(() => backendOptionsFromEnv({ KD_THREADS: value })).toThrow(`KD_THREADS must be an integer >= 1, got '${value}'`);
  });
});
