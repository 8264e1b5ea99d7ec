import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@kd/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../test/backends';

// wasm with @kd/backend's kernels always; TensorFlow's native backend too where it loads.
const targets = ['wasm', ...testBackends.filter((name) => name === 'tensorflow')];

// Each product runs on `cpu` (the reference) and on wasm with @kd/backend's kernels, on the same
// seeded inputs; results must agree to 1e-4 relative to the largest magnitude in the result.

function seeded(seed: number, size: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

async function on(
  backend: string,
  body: () => tf.Tensor,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const dataBefore = dataIds();
  const result = tf.tidy(body);
  const out = { shape: result.shape, values: Float32Array.from(await result.data()) };
  result.dispose();
  if (tf.memory().numTensors !== before) throw new Error(`tensors left on ${backend}`);
  // A kernel that forgets an intermediate buffer leaks backend memory that no tensor owns.
  if (dataIds() !== dataBefore) throw new Error(`buffers left on ${backend}`);
  return out;
}

/** Largest absolute difference over the largest magnitude in `want`; Infinity if shapes differ. */
function relativeError(
  got: { shape: number[]; values: Float32Array },
  want: { shape: number[]; values: Float32Array },
): number {
  if (got.shape.join() !== want.shape.join()) return Number.POSITIVE_INFINITY;
  const scale = Math.max(1e-6, ...Array.from(want.values, Math.abs));
  return Math.max(0, ...Array.from(got.values, (v, i) => Math.abs(v - want.values[i]!))) / scale;
}

for (const target of targets) {
  describe(`transposed matmul on ${target} matches cpu`, () => {
    beforeAll(async () => {
      await useBackend(target === 'wasm' ? 'wasm' : 'auto');
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    // [batch, rows of op(A), inner, cols of op(B)]: batch 1, a single row, odd sizes, dense-layer sizes.
    const shapes = [
      [1, 1, 7, 5],
      [1, 13, 1, 9],
      [1, 33, 17, 129],
      [3, 5, 11, 7],
      [1, 64, 784, 120],
    ] as const;
    const flags = [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const;

    it.each(shapes.flatMap((shape) => flags.map((f) => [...shape, ...f] as const)))(
      'batch %i, %i x %i x %i, transposeA=%s transposeB=%s',
      async (batch, rows, inner, cols, transposeA, transposeB) => {
        const aShape: [number, number, number] = transposeA ? [batch, inner, rows] : [batch, rows, inner];
        const bShape: [number, number, number] = transposeB ? [batch, cols, inner] : [batch, inner, cols];
        const a = seeded(rows * 31 + inner, batch * rows * inner);
        const b = seeded(cols * 17 + inner, batch * inner * cols);
        const product = () =>
          tf.matMul(tf.tensor3d(a, aShape), tf.tensor3d(b, bShape), transposeA, transposeB);
        expect(relativeError(await on(target, product), await on('cpu', product))).toBeLessThan(1e-4);
      },
    );

    it.each(flags)(
      'fused with bias and relu, transposeA=%s transposeB=%s',
      async (transposeA, transposeB) => {
        const [rows, inner, cols] = [9, 21, 6];
        const a = seeded(1, rows * inner);
        const b = seeded(2, inner * cols);
        const bias = seeded(3, cols);
        const product = () =>
          tf.fused.matMul({
            a: tf.tensor2d(a, transposeA ? [inner, rows] : [rows, inner]),
            b: tf.tensor2d(b, transposeB ? [cols, inner] : [inner, cols]),
            transposeA,
            transposeB,
            bias: tf.tensor1d(bias),
            activation: 'relu',
          });
        expect(relativeError(await on(target, product), await on('cpu', product))).toBeLessThan(1e-4);
      },
    );

    it('broadcasts a batch of one against a batch of three', async () => {
      const a = seeded(4, 1 * 6 * 5);
      const b = seeded(5, 3 * 7 * 5);
      const product = () => tf.matMul(tf.tensor3d(a, [1, 6, 5]), tf.tensor3d(b, [3, 7, 5]), false, true);
      expect(relativeError(await on(target, product), await on('cpu', product))).toBeLessThan(1e-4);
    });

    it('gives a dense layer the same gradients as cpu', async () => {
      const x = seeded(6, 16 * 30);
      const w = seeded(7, 30 * 11);
      const dy = seeded(8, 16 * 11);
      for (const wrt of [0, 1]) {
        const gradient = () => {
          const grads = tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
            tf.sum(tf.mul(tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D), tf.tensor2d(dy, [16, 11]))),
          );
          return grads([tf.tensor2d(x, [16, 30]), tf.tensor2d(w, [30, 11])])[wrt]!;
        };
        expect(relativeError(await on(target, gradient), await on('cpu', gradient))).toBeLessThan(1e-4);
      }
    });
  });
}
