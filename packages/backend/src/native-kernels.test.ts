import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@kd/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../test/backends';
import { computeOn, leakFree, relativeError, seeded, seededTensor as tensor } from '../test/kernel-check';
import { fusedAdamKernelName } from './native-adam';
import { isNativeKernel, nativeKernelNames } from './native-kernels';

// kd's native kernels against `cpu` on seeded inputs, to 1e-4 relative to the largest magnitude
// in the result: the ops the other suites do not already cover on every target (fused bias and
// activations, batches, convolution forward passes, average pooling, reductions, Adam), the
// fallbacks, and attaching and detaching. Run under KD_NATIVE_MAX_ISA=avx2 and =baseline too
// (vitest projects `backend-avx2`, `backend-baseline`).

const native = testBackends.includes('native');

/** What `BackendInfo.native` must say under each KD_NATIVE_MAX_ISA cap. */
const capped: Record<string, object> = {
  avx2: { kernelIsa: 'avx2', isa: 'avx2' },
  baseline: { kernelIsa: 'baseline', isa: 'sse41' },
};

/** A shape with its last two axes swapped when `yes`. */
const swapLastTwo = (shape: number[], yes: boolean) => (yes ? [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!] : shape);

/** The native kernels now registered for `wasm`. */
const attached = () => nativeKernelNames.filter((name) => isNativeKernel(tf.getKernel(name, 'wasm')?.kernelFunc));

/** Seeded values with NaN, -0, 0 and both infinities at the end. */
const withSpecials = () => tf.concat([tf.mul(tensor(3, [5000]), 9), tf.tensor1d([Number.NaN, -0, 0, Infinity, -Infinity])]);

async function expectSame(body: () => tf.Tensor, tolerance = 1e-4): Promise<void> {
  const want = await computeOn('cpu', body);
  const got = await computeOn('native', body);
  expect(got.shape).toEqual(want.shape);
  expect(relativeError(got, want)).toBeLessThan(tolerance);
}

describe.runIf(native)('native kernels match cpu', () => {
  beforeAll(async () => {
    await useBackend('native');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('reports what it runs on, capped by KD_NATIVE_MAX_ISA', async () => {
    const info = await useBackend('native');
    expect(info).toMatchObject({ kind: 'native', name: 'wasm', native: { library: 'oneDNN', version: '2.6.3' } });
    expect(info.native).toMatchObject(capped[process.env.KD_NATIVE_MAX_ISA ?? ''] ?? {});
    expect(nativeKernelNames.filter((name) => isNativeKernel(tf.getKernel(name, 'wasm')?.kernelFunc))).toEqual(
      nativeKernelNames,
    );
  });

  const activations = ['linear', 'relu', 'relu6', 'leakyrelu', 'elu', 'sigmoid'] as const;
  it.each(activations)('fused matmul with a bias and %s, every transpose combination', async (activation) => {
    for (const [transposeA, transposeB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      for (const [m, k, n] of [
        [1, 3, 5],
        [7, 13, 9],
        [33, 17, 64],
      ] as const) {
        await expectSame(() =>
          tf.fused.matMul({
            a: tensor(m + k, transposeA ? [k, m] : [m, k]),
            b: tensor(n + k, transposeB ? [n, k] : [k, n]),
            transposeA,
            transposeB,
            bias: tf.mul(tensor(n, [n]), 3),
            activation,
            leakyreluAlpha: 0.1,
          }),
        );
      }
    }
  });

  it.each([
    ['the same batch', [4, 5, 6], [4, 6, 3]],
    ['a broadcast right operand', [2, 3, 5, 6], [6, 7]],
    ['a broadcast left operand', [5, 6], [3, 6, 2]],
    ['batch dimensions of size 1', [1, 5, 6], [3, 6, 2]],
  ])('batched matmul with %s', async (_, aShape, bShape) => {
    for (const [transposeA, transposeB] of [
      [false, false],
      [true, true],
    ] as const) {
      await expectSame(() =>
        tf.matMul(
          tensor(1, swapLastTwo(aShape!, transposeA)),
          tensor(2, swapLastTwo(bShape!, transposeB)),
          transposeA,
          transposeB,
        ),
      );
    }
  });

  it('fused matmul with PReLU weights goes to the wasm kernel and still matches', async () => {
    await expectSame(() =>
      tf.fused.matMul({ a: tensor(1, [4, 6]), b: tensor(2, [6, 5]), activation: 'prelu', preluActivationWeights: tensor(3, [5]) }),
    );
  });

  // [input [n, h, w, c], filter [kh, kw, c, out], stride, pad, dilation]
  const convolutions: Array<[number[], number[], number, 'same' | 'valid' | number, number]> = [
    [[1, 5, 5, 1], [3, 3, 1, 2], 1, 'same', 1],
    [[3, 7, 6, 3], [3, 2, 3, 4], 1, 'valid', 1],
    [[2, 8, 8, 2], [3, 3, 2, 5], 2, 'same', 1],
    [[2, 7, 7, 2], [3, 3, 2, 3], 2, 'same', 1],
    [[1, 9, 8, 3], [3, 3, 3, 2], 2, 'valid', 1],
    [[2, 9, 9, 4], [3, 3, 4, 8], 1, 'same', 2],
    [[1, 6, 7, 2], [2, 3, 2, 2], 1, 1, 1],
    [[2, 14, 14, 16], [3, 3, 16, 32], 1, 'same', 1],
  ];

  it.each(convolutions)('conv2d %j by %j, stride %i, pad %s, dilation %i, with bias and relu', async (x, w, stride, pad, dilation) => {
    await expectSame(() => tf.conv2d(tensor(1, x) as tf.Tensor4D, tensor(2, w) as tf.Tensor4D, stride, pad, 'NHWC', dilation));
    await expectSame(() =>
      tf.fused.conv2d({
        x: tensor(1, x) as tf.Tensor4D,
        filter: tensor(2, w) as tf.Tensor4D,
        strides: stride,
        pad,
        dilations: dilation,
        bias: tensor(3, [w[3]!]),
        activation: 'relu',
      }),
    );
  });

  // [input [n, h, w, c], window, stride, pad]
  const pools: Array<[number[], number | [number, number], number, 'same' | 'valid']> = [
    [[2, 7, 7, 3], 2, 2, 'same'],
    [[1, 6, 9, 5], 3, 1, 'same'],
    [[3, 8, 8, 4], [2, 3], 2, 'valid'],
    [[1, 5, 5, 17], 3, 2, 'same'],
  ];

  it.each(pools)('max and average pooling of %j, window %j, stride %i, %s', async (x, size, stride, pad) => {
    await expectSame(() => tf.maxPool(tensor(4, x) as tf.Tensor4D, size, stride, pad));
    await expectSame(() => tf.avgPool(tensor(4, x) as tf.Tensor4D, size, stride, pad));
  });

  it.each(pools)('max pooling gradient of %j, window %j, stride %i, %s', async (x, size, stride, pad) => {
    const gradient = () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, stride, pad), 1.5)))(tensor(5, x));
    await expectSame(gradient);
  });

  it.each(pools.filter((p) => p[3] === 'valid'))(
    'average pooling gradient of %j, window %j, stride %i, %s, as cpu gives it',
    async (x, size, stride, pad) => {
      const gradient = () =>
        tf.grad((t: tf.Tensor) => {
          const y = tf.avgPool(t as tf.Tensor4D, size, stride, pad);
          return tf.sum(tf.mul(y, tensor(6, y.shape)));
        })(tensor(5, x));
      await expectSame(gradient);
    },
  );

  it('average pooling gradient shares each window among the pixels it averaged, at borders too', async () => {
    // 'same' padding: windows at the bottom and right edges cover fewer pixels. d/dx of
    // sum(w * avgPool(x)) is, for each pixel, the sum over its windows of w / (pixels in the window).
    const [n, h, w, c] = [1, 5, 5, 2];
    const x = seeded(7, n * h * w * c);
    const got = await leakFree('native', async () => {
      const g = tf.tidy(() =>
        tf.grad((t: tf.Tensor) => {
          const y = tf.avgPool(t as tf.Tensor4D, 2, 2, 'same');
          return tf.sum(tf.mul(y, tf.reshape(tf.range(1, 1 + y.size), y.shape)));
        })(tf.tensor(x, [n, h, w, c])),
      );
      const values = Float32Array.from(await g.data());
      g.dispose();
      return values;
    });
    const want = new Float32Array(n * h * w * c);
    for (let oh = 0; oh < 3; oh++) {
      for (let ow = 0; ow < 3; ow++) {
        const rows = [2 * oh, 2 * oh + 1].filter((r) => r < h);
        const cols = [2 * ow, 2 * ow + 1].filter((q) => q < w);
        for (let k = 0; k < c; k++) {
          const weight = 1 + (oh * 3 + ow) * c + k;
          for (const r of rows) for (const q of cols) want[(r * w + q) * c + k]! += weight / (rows.length * cols.length);
        }
      }
    }
    expect(Array.from(got).map((v) => Number(v.toFixed(5)))).toEqual(Array.from(want).map((v) => Number(v.toFixed(5))));
  });

  it.each([
    [[128, 800], [0]],
    [[6, 5, 4, 3], [0, 1, 2]],
    [[3, 1000], [0]],
  ])('sums %j over axes %j', async (shape, axes) => {
    await expectSame(() => tf.sum(tensor(8, shape!), axes));
    await expectSame(() => tf.sum(tensor(8, shape!), axes, true));
  });

  it.each([
    ['one shape', [64, 33], [64, 33]],
    ['a bias row', [8, 5, 5, 17], [17]],
    ['a bias row first', [1, 17], [8, 17]],
    ['a column (other broadcasts go to wasm)', [6, 1], [6, 9]],
    ['a scalar', [40, 50], []],
  ])('adds and multiplies with %s', async (_, aShape, bShape) => {
    // Exact: one rounding per element, as on cpu.
    await expectSame(() => tf.add(tensor(1, aShape!), tensor(2, bShape!)), 1e-12);
    await expectSame(() => tf.mul(tensor(1, aShape!), tensor(2, bShape!)), 1e-12);
  });

  it('applies relu, relu6 and step as tfjs does, NaN and -0 included', async () => {
    const ops = [
      tf.relu,
      (t: tf.Tensor) => tf.step(t),
      (t: tf.Tensor) => tf.step(t, 0.25),
      (t: tf.Tensor) => tf.fused.matMul({ a: tf.reshape(t, [5005, 1]), b: tf.ones([1, 1]), activation: 'relu' }),
      (t: tf.Tensor) => tf.fused.matMul({ a: tf.reshape(t, [5005, 1]), b: tf.ones([1, 1]), activation: 'relu6' }),
    ];
    for (const op of ops) {
      const want = await computeOn('cpu', () => op(withSpecials()));
      const got = await computeOn('native', () => op(withSpecials()));
      expect(Array.from(got.values)).toEqual(Array.from(want.values));
    }
  });

  it('updates a variable with Adam exactly as tfjs computes it, bit for bit', async () => {
    const shape = [37, 41];
    const attrs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.003 };
    const reference = (p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, acc1: tf.Tensor, acc2: tf.Tensor) => {
      const m1 = tf.add(tf.mul(m, attrs.beta1), tf.mul(g, 1 - attrs.beta1));
      const v1 = tf.add(tf.mul(v, attrs.beta2), tf.mul(tf.square(g), 1 - attrs.beta2));
      const update = tf.div(tf.div(m1, tf.sub(1, acc1)), tf.add(tf.sqrt(tf.div(v1, tf.sub(1, acc2))), attrs.epsilon));
      return [tf.add(tf.mul(update, -attrs.learningRate), p), m1, v1];
    };
    const inputs = () => ({
      param: tensor(1, shape),
      m: tf.mul(tensor(2, shape), 0.1),
      v: tf.abs(tf.mul(tensor(3, shape), 0.01)),
      grad: tensor(4, shape),
      accBeta1: tf.scalar(0.9 ** 3),
      accBeta2: tf.scalar(0.999 ** 3),
    });
    for (const output of [0, 1, 2]) {
      const want = await computeOn('cpu', () => {
        const i = inputs();
        return reference(i.param, i.m, i.v, i.grad, i.accBeta1, i.accBeta2)[output]!;
      });
      const got = await computeOn('native', () => (tf.engine().runKernel(fusedAdamKernelName, inputs(), attrs) as tf.Tensor[])[output]!);
      expect(Array.from(got.values)).toEqual(Array.from(want.values));
    }
  });

  it('refuses offsets outside the heap, naming the kernel', async () => {
    const { loadNativeAddon } = await import('./native-addon');
    const addon = await loadNativeAddon();
    const heap = new Uint8Array(64);
    expect(() => addon.sumRows(heap, 0, 60, 2, 4)).toThrow(/sumRows: argument 2: 4 floats at byte offset 60 do not fit the 64-byte heap/);
  });

  it('wasm puts the wasm kernels back; native attaches its own again', async () => {
    await useBackend('wasm', { threads: 1 });
    expect(attached()).toEqual([]);
    expect(tf.getKernel(fusedAdamKernelName, 'wasm')).toBeUndefined();
    const product = await computeOn('wasm', () => tf.matMul(tensor(1, [3, 4]), tensor(2, [4, 5])));
    await useBackend('native');
    expect(attached()).toEqual(nativeKernelNames);
    expect(relativeError(await computeOn('native', () => tf.matMul(tensor(1, [3, 4]), tensor(2, [4, 5]))), product)).toBeLessThan(1e-6);
  });

  it('takes signals during its kernels: a training loop under the V8 profiler (SIGPROF every millisecond)', () => {
    // Before signals were deferred while a kernel runs, oneDNN's GEMM code corrupted the C heap
    // when a signal arrived in it, and this run aborted.
    const profiles = mkdtempSync(join(tmpdir(), 'kd-cpu-prof-'));
    const conditions = process.env.KD_TEST_DIST === '1' ? [] : ['--conditions=@kd/source', '--import', 'tsx'];
    const script = `
      const tf = await import('@tensorflow/tfjs-core');
      const tfl = await import('@tensorflow/tfjs-layers');
      const { useBackend } = await import('@kd/backend');
      await useBackend('native');
      const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), tfl.layers.dense({ units: 10 })] });
      const optimizer = tf.train.adam(0.001);
      const x = tf.randomUniform([128, 784], 0, 1, 'float32', 1);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 10), 'int32'), 10);
      for (let step = 0; step < 300; step++) tf.dispose(optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)), true));
      console.log('done');
    `;
    try {
      const out = execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, ...conditions, '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, KD_BACKEND: '' },
      });
      expect(out.trim()).toBe('done');
    } finally {
      rmSync(profiles, { recursive: true, force: true });
    }
  });
});
