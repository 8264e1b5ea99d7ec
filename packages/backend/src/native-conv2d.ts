import { backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { activationCodes, allFloat32, heapOf, makeOutput, offsetOf, windowOf } from './native-heap';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Pair = [number, number] | number;
type Shape4 = [number, number, number, number];
type RoundingMode = 'floor' | 'round' | 'ceil';

interface ConvAttrs {
  strides: Pair;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: Pair;
  dimRoundingMode?: RoundingMode;
  activation?: string;
  leakyreluAlpha?: number;
}

const FORWARD = 0;
const INPUT_GRADIENT = 1;
const FILTER_GRADIENT = 2;

/**
 * The padding after the image (bottom or right) that gives exactly `out` outputs: the one tfjs
 * gave when it does, else the one the output size needs; undefined if neither does.
 */
function padAfter(size: number, before: number, given: number, span: number, stride: number, out: number) {
  const exact = (pad: number) => pad >= 0 && Math.floor((size + before + pad - span) / stride) + 1 === out;
  const needed = (out - 1) * stride + span - size - before;
  return exact(given) ? given : exact(needed) ? needed : undefined;
}

/**
 * The geometry of a conv2d in NHWC, or undefined when the native kernels cannot take it. oneDNN
 * wants each output size to follow from the input, filter, stride and padding exactly. tfjs's
 * sizes do not always (a numeric `pad` with a filter that is not square takes the output width
 * from the filter's height; a `dimRoundingMode` can round up): then the bottom or right padding is
 * made what the output size needs, which is what tfjs's own backends compute (they read zeros
 * outside the image).
 */
function geometry(xShape: Shape4, filterShape: Shape4, attrs: ConvAttrs): backend_util.Conv2DInfo | undefined {
  if (attrs.dataFormat === 'NCHW') return undefined;
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { top, left } = info.padInfo;
  const bottom = padAfter(info.inHeight, top, info.padInfo.bottom, info.effectiveFilterHeight, info.strideHeight, info.outHeight);
  const right = padAfter(info.inWidth, left, info.padInfo.right, info.effectiveFilterWidth, info.strideWidth, info.outWidth);
  if (bottom === undefined || right === undefined || top < 0 || left < 0 || info.outHeight < 1 || info.outWidth < 1) {
    return undefined;
  }
  return { ...info, padInfo: { ...info.padInfo, bottom, right } };
}

/** `Conv2D` and `FusedConv2D` (bias, activation) on oneDNN. */
export function nativeConv2D(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs;
    const x = inputs.x as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const bias = inputs.bias as TensorInfo | undefined;
    const activation = activationCodes[attrs.activation ?? 'linear'];
    const info = geometry(x.shape as Shape4, filter.shape as Shape4, attrs);
    if (
      !info ||
      activation === undefined ||
      inputs.preluActivationWeights != null ||
      !allFloat32(x, filter, bias) ||
      (bias !== undefined && util.sizeFromShape(bias.shape) !== info.outChannels)
    ) {
      return fallback(args);
    }
    const out = makeOutput(backend, info.outShape);
    addon.conv2d(
      heapOf(backend),
      FORWARD,
      offsetOf(backend, x),
      offsetOf(backend, filter),
      offsetOf(backend, out),
      bias ? offsetOf(backend, bias) : -1,
      info.outChannels,
      activation,
      attrs.leakyreluAlpha ?? 0.2,
      ...windowOf(info),
    );
    return out;
  };
}

/** `Conv2DBackpropInput`: the gradient with respect to the images. */
export function nativeConv2DBackpropInput(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: Shape4 };
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const info = geometry(attrs.inputShape, filter.shape as Shape4, attrs);
    if (!info || !allFloat32(dy, filter) || dy.shape.join() !== info.outShape.join()) return fallback(args);
    const out = makeOutput(backend, attrs.inputShape);
    addon.conv2d(
      heapOf(backend),
      INPUT_GRADIENT,
      offsetOf(backend, out),
      offsetOf(backend, filter),
      offsetOf(backend, dy),
      -1,
      info.outChannels,
      0,
      0,
      ...windowOf(info),
    );
    return out;
  };
}

/** `Conv2DBackpropFilter`: the gradient with respect to the filter. */
export function nativeConv2DBackpropFilter(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const info = geometry(x.shape as Shape4, attrs.filterShape, attrs);
    if (!info || !allFloat32(x, dy) || dy.shape.join() !== info.outShape.join()) return fallback(args);
    const out = makeOutput(backend, attrs.filterShape);
    addon.conv2d(
      heapOf(backend),
      FILTER_GRADIENT,
      offsetOf(backend, x),
      offsetOf(backend, out),
      offsetOf(backend, dy),
      -1,
      info.outChannels,
      0,
      0,
      ...windowOf(info),
    );
    return out;
  };
}
