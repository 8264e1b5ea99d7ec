import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allFloat32, heapOf, makeOutput, offsetOf, windowOf } from './native-heap';

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function geometry(shape: number[], attrs: PoolAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * `MaxPool` / `AvgPool` (NHWC) on kd's native kernels, all channels of a pixel at once. Max
 * pooling ignores padding; average pooling divides by the number of pixels inside the image, as
 * tfjs's `cpu` backend does.
 */
export function nativePool(addon: NativeAddon, max: boolean, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { backend } = args;
    const x = args.inputs.x as TensorInfo;
    if (x.shape.length !== 4 || !allFloat32(x)) return fallback(args);
    const info = geometry(x.shape, args.attrs as unknown as PoolAttrs);
    const out = makeOutput(backend, info.outShape);
    addon.pool(heapOf(backend), max ? 1 : 0, offsetOf(backend, x), offsetOf(backend, out), ...windowOf(info));
    return out;
  };
}

/**
 * `MaxPoolGrad` / `AvgPoolGrad`. Max: each window's gradient goes to its first maximum in
 * row-major order (the `cpu` backend's rule). Average: each window's gradient is shared evenly by
 * the pixels the forward pass averaged. That is the exact gradient of the forward pass; tfjs's own
 * backends divide by the full window size instead, which differs at borders with 'same' padding.
 */
export function nativePoolGrad(addon: NativeAddon, max: boolean, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { backend } = args;
    const dy = args.inputs.dy as TensorInfo;
    const input = args.inputs.input as TensorInfo;
    if (input.shape.length !== 4 || !allFloat32(dy, input)) return fallback(args);
    const info = geometry(input.shape, args.attrs as unknown as PoolAttrs);
    const out = makeOutput(backend, input.shape);
    addon.poolGrad(
      heapOf(backend),
      max ? 1 : 0,
      offsetOf(backend, dy),
      offsetOf(backend, input),
      offsetOf(backend, out),
      ...windowOf(info),
    );
    return out;
  };
}
