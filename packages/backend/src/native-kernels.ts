import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { fusedAdamKernelName, nativeAdam } from './native-adam';
import type { NativeAddon } from './native-addon';
import { nativeConv2D, nativeConv2DBackpropFilter, nativeConv2DBackpropInput } from './native-conv2d';
import { nativeBinary, nativeUnary } from './native-elementwise';
import { nativeMatMul } from './native-matmul';
import { nativePool, nativePoolGrad } from './native-pooling';
import { nativeSum } from './native-sum';
import { WASM, markKernel, replaceWasmKernel } from './wasm-kernel-utils';

/** Each kernel the native path takes over on `wasm`, built around the one it replaces. */
const nativeKernels: ReadonlyArray<{
  kernelName: string;
  make: (addon: NativeAddon, fallback: KernelFunc) => KernelFunc;
}> = [
  { kernelName: 'BatchMatMul', make: nativeMatMul },
  { kernelName: '_FusedMatMul', make: nativeMatMul },
  { kernelName: 'Conv2D', make: nativeConv2D },
  { kernelName: 'FusedConv2D', make: nativeConv2D },
  { kernelName: 'Conv2DBackpropInput', make: nativeConv2DBackpropInput },
  { kernelName: 'Conv2DBackpropFilter', make: nativeConv2DBackpropFilter },
  { kernelName: 'MaxPool', make: (addon, fallback) => nativePool(addon, true, fallback) },
  { kernelName: 'AvgPool', make: (addon, fallback) => nativePool(addon, false, fallback) },
  { kernelName: 'MaxPoolGrad', make: (addon, fallback) => nativePoolGrad(addon, true, fallback) },
  { kernelName: 'AvgPoolGrad', make: (addon, fallback) => nativePoolGrad(addon, false, fallback) },
  { kernelName: 'Sum', make: nativeSum },
  { kernelName: 'Add', make: (addon, fallback) => nativeBinary(addon, false, fallback) },
  { kernelName: 'Multiply', make: (addon, fallback) => nativeBinary(addon, true, fallback) },
  { kernelName: 'Relu', make: (addon, fallback) => nativeUnary(addon, false, fallback) },
  { kernelName: 'Step', make: (addon, fallback) => nativeUnary(addon, true, fallback) },
  { kernelName: fusedAdamKernelName, make: (addon) => nativeAdam(addon) },
];

/** Names of the `wasm` kernels that run natively once `useBackend('native')` has attached the addon. */
export const nativeKernelNames: readonly string[] = nativeKernels.map((k) => k.kernelName);

/**
 * Where a native kernel keeps the kernel it replaced (null for none), to put back on detach. A
 * global symbol, so that a second copy of this package recognises the kernels of the first.
 */
const REPLACED = Symbol.for('@kd/backend.nativeReplaced');

function replacedBy(kernelFunc: KernelFunc): KernelConfig | null | undefined {
  return (kernelFunc as unknown as Record<symbol, KernelConfig | null | undefined>)[REPLACED];
}

/** True for a kernel function that `attachNativeKernels` registered. */
export function isNativeKernel(kernelFunc: KernelFunc | undefined): boolean {
  return kernelFunc !== undefined && replacedBy(kernelFunc) !== undefined;
}

/**
 * Routes the heavy `wasm` kernels to the native addon. Each keeps the kernel it replaces (its
 * setup and dispose functions too) and hands it whatever it does not take. Idempotent.
 */
export function attachNativeKernels(addon: NativeAddon): void {
  for (const { kernelName, make } of nativeKernels) {
    const current = getKernel(kernelName, WASM);
    if (isNativeKernel(current?.kernelFunc)) continue;
    const fallback: KernelFunc =
      current?.kernelFunc ??
      (() => {
        throw new Error(`@kd/backend: no wasm kernel '${kernelName}' to fall back on`);
      });
    const kernelFunc = markKernel(make(addon, fallback));
    Object.defineProperty(kernelFunc, REPLACED, { value: current ?? null });
    replaceWasmKernel(kernelName, kernelFunc, current);
  }
}

/** Puts back the `wasm` kernels that `attachNativeKernels` replaced. Idempotent. */
export function detachNativeKernels(): void {
  for (const { kernelName } of nativeKernels) {
    const current = getKernel(kernelName, WASM);
    const previous = current ? replacedBy(current.kernelFunc) : undefined;
    if (previous === undefined) continue;
    unregisterKernel(kernelName, WASM);
    if (previous) registerKernel(previous);
  }
}
