import { getKernel } from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter, conv2dBackpropInput } from './conv2d-backprop';
import { leadingAxesReduction } from './leading-axes-reduction';
import { maxPoolGrad } from './max-pool-grad';
import { sharedCast, sharedIdentity } from './shared-identity';
import { transposedMatMul } from './transposed-matmul';
import { WASM, isKdKernel, markKernel, replaceWasmKernel } from './wasm-kernel-utils';

/**
 * Each kernel we register for `wasm`, built from the stock one when there is one (it handles the
 * attributes our fast path does not, and its `setupFunc` must still run at backend start).
 */
const replacements: ReadonlyArray<{
  kernelName: string;
  make: (stock: KernelFunc | undefined) => KernelFunc;
}> = [
  { kernelName: 'BatchMatMul', make: (stock) => transposedMatMul(required('BatchMatMul', stock)) },
  { kernelName: '_FusedMatMul', make: (stock) => transposedMatMul(required('_FusedMatMul', stock)) },
  { kernelName: 'Conv2DBackpropFilter', make: () => conv2dBackpropFilter },
  {
    kernelName: 'Conv2DBackpropInput',
    make: (stock) => conv2dBackpropInput(required('Conv2DBackpropInput', stock)),
  },
  { kernelName: 'MaxPoolGrad', make: () => maxPoolGrad },
  { kernelName: 'Sum', make: (stock) => leadingAxesReduction(required('Sum', stock), false) },
  { kernelName: 'Mean', make: (stock) => leadingAxesReduction(required('Mean', stock), true) },
  { kernelName: 'Identity', make: () => sharedIdentity },
  { kernelName: 'Cast', make: (stock) => sharedCast(required('Cast', stock)) },
];

/** Names of the `wasm` kernels that @kd/backend replaces or adds. */
export const trainingKernelNames: readonly string[] = replacements.map((r) => r.kernelName);

/**
 * Registers our training kernels for `wasm` in tfjs's global kernel registry. Idempotent: a
 * kernel already ours is left alone, so a second call (or a second copy of this package) is a
 * no-op. Other backends' kernels are untouched.
 */
export function installTrainingKernels(): void {
  for (const { kernelName, make } of replacements) {
    const stock = getKernel(kernelName, WASM);
    if (stock && isKdKernel(stock.kernelFunc)) continue;
    replaceWasmKernel(kernelName, markKernel(make(stock?.kernelFunc)), stock);
  }
}

function required(kernelName: string, stock: KernelFunc | undefined): KernelFunc {
  if (!stock) {
    throw new Error(
      `@kd/backend: the wasm kernel '${kernelName}' is missing; @tensorflow/tfjs-backend-wasm must be imported before its kernels are extended`,
    );
  }
  return stock;
}
