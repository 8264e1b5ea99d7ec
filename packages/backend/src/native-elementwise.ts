import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allFloat32, heapOf, makeOutput, offsetOf } from './native-heap';

const ADD = 0;
const MULTIPLY = 1;
const RELU = 0;
const STEP = 1;

/** True when `row` is one row of `full`'s last axis (leading axes of size 1), broadcast over the rest. */
function isRowOf(row: TensorInfo, full: TensorInfo): boolean {
  return (
    full.shape.length >= 1 &&
    row.shape.length <= full.shape.length &&
    row.shape.at(-1) === full.shape.at(-1) &&
    row.shape.slice(0, -1).every((size) => size === 1)
  );
}

/**
 * How `a op b` maps onto the native kernel: both the same shape, or one of them a row broadcast
 * along the other's last axis (a bias); undefined for any other broadcast.
 */
function layout(a: TensorInfo, b: TensorInfo): { full: TensorInfo; other: TensorInfo; row: boolean } | undefined {
  if (util.arraysEqual(a.shape, b.shape)) return { full: a, other: b, row: false };
  if (isRowOf(b, a)) return { full: a, other: b, row: true };
  if (isRowOf(a, b)) return { full: b, other: a, row: true };
  return undefined;
}

/**
 * `Add` and `Multiply` on the native kernels, multithreaded, for float32 tensors of one shape or
 * with a row broadcast along the last axis (the bias and the ReLU gradient of every layer, the
 * element-wise ops of a training step that touch whole activations). Other cases go to `fallback`.
 */
export function nativeBinary(addon: NativeAddon, multiply: boolean, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    const plan = allFloat32(a, b) ? layout(a, b) : undefined;
    if (!plan) return fallback(args);
    const { backend } = args;
    const cols = plan.full.shape.at(-1) ?? 1;
    const size = util.sizeFromShape(plan.full.shape);
    const out = makeOutput(backend, plan.full.shape);
    addon.binary(
      heapOf(backend),
      multiply ? MULTIPLY : ADD,
      offsetOf(backend, plan.full),
      offsetOf(backend, plan.other),
      offsetOf(backend, out),
      plan.row ? size / cols : 1,
      plan.row ? cols : size,
      plan.row ? 1 : 0,
    );
    return out;
  };
}

/** `Relu` and `Step` on the native kernels, for float32 tensors. */
export function nativeUnary(addon: NativeAddon, step: boolean, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if (!allFloat32(x)) return fallback(args);
    const { backend } = args;
    const out = makeOutput(backend, x.shape);
    addon.unary(
      heapOf(backend),
      step ? STEP : RELU,
      offsetOf(backend, x),
      offsetOf(backend, out),
      util.sizeFromShape(x.shape),
      step ? ((args.attrs?.alpha as number | undefined) ?? 0) : 0,
    );
    return out;
  };
}
