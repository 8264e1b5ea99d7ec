import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { activationCodes, allFloat32, heapOf, makeOutput, offsetOf } from './native-heap';

/**
 * `BatchMatMul` and `_FusedMatMul` on the native kernels: every transpose combination, a bias
 * along the last axis and the activations the addon fuses. Batches of the same size, or one side
 * unbatched (broadcast), run as products on the heap in place; a broadcast right operand under an
 * untransposed left one becomes a single taller product. Anything else (PReLU, other bias shapes,
 * other broadcasts, non-float32) goes to `fallback`.
 */
export function nativeMatMul(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const bias = inputs.bias as TensorInfo | undefined;
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    const activation = activationCodes[(attrs?.activation as string | undefined) ?? 'linear'];
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    const m = a.shape[rankA - (transposeA ? 1 : 2)]!;
    const k = a.shape[rankA - (transposeA ? 2 : 1)]!;
    const n = b.shape[rankB - (transposeB ? 2 : 1)]!;
    const batchA = util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = util.sizeFromShape(b.shape.slice(0, -2));
    const supported =
      rankA >= 2 &&
      rankB >= 2 &&
      activation !== undefined &&
      inputs.preluActivationWeights == null &&
      allFloat32(a, b, bias) &&
      b.shape[rankB - (transposeB ? 1 : 2)] === k &&
      (batchA === batchB || batchA === 1 || batchB === 1) &&
      (bias === undefined || util.sizeFromShape(bias.shape) === n);
    if (!supported) return fallback(args);
    const batchShape = (batchA >= batchB ? a : b).shape.slice(0, -2);
    const batch = Math.max(batchA, batchB);
    const out = makeOutput(backend, [...batchShape, m, n]);
    // One taller product: the batch of A stacked into its rows, all against the same B.
    const stacked = batchB === 1 && !transposeA;
    addon.matmul(
      heapOf(backend),
      offsetOf(backend, a),
      offsetOf(backend, b),
      offsetOf(backend, out),
      bias ? offsetOf(backend, bias) : -1,
      stacked ? 1 : batch,
      stacked ? batchA * m : m,
      n,
      k,
      transposeA ? 1 : 0,
      transposeB ? 1 : 0,
      batchA === 1 || stacked ? 0 : m * k,
      batchB === 1 ? 0 : k * n,
      activation,
      (attrs?.leakyreluAlpha as number | undefined) ?? 0.2,
    );
    return out;
  };
}
