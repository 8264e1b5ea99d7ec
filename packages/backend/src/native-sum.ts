import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { leadingAxesOf } from './leading-axes-reduction';
import type { ReductionAttrs } from './leading-axes-reduction';
import type { NativeAddon } from './native-addon';
import { heapOf, makeOutput, offsetOf } from './native-heap';

/**
 * `Sum` over leading axes (every bias gradient: [batch, ..., c] to [c]) on the native kernels,
 * columns split among threads, each summed down its rows in order. Other reductions go to
 * `fallback`.
 */
export function nativeSum(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const reduction = leadingAxesOf(x, args.attrs as unknown as ReductionAttrs);
    if (!reduction) return fallback(args);
    const out = makeOutput(args.backend, reduction.shape);
    addon.sumRows(heapOf(args.backend), offsetOf(args.backend, x), offsetOf(args.backend, out), reduction.rows, reduction.cols);
    return out;
  };
}
