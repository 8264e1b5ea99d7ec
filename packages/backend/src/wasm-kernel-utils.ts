import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type {
  KernelBackend,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';

/** The tfjs backend name our training kernels are registered under. */
export const WASM = 'wasm';

/**
 * Runs the `wasm` kernel registered as `name` directly, inside another kernel. Its output is an
 * untracked TensorInfo: the caller returns it or releases it with `release`.
 */
export function runWasmKernel(
  name: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
  backend: KernelBackend,
): TensorInfo {
  const kernel = getKernel(name, WASM);
  if (!kernel) throw new Error(`@kd/backend: kernel '${name}' is not registered for backend 'wasm'`);
  return kernel.kernelFunc({ inputs, attrs, backend }) as TensorInfo;
}

/** Frees intermediate results made by `runWasmKernel`; inputs passed through are kept. */
export function release(backend: KernelBackend, keep: readonly TensorInfo[], ...infos: TensorInfo[]): void {
  for (const info of infos) {
    if (!keep.includes(info)) backend.disposeData(info.dataId);
  }
}

export function transpose(x: TensorInfo, perm: number[], backend: KernelBackend): TensorInfo {
  return runWasmKernel('Transpose', { x }, { perm }, backend);
}

/** Swaps the last two axes, the layout change a transposed matmul operand needs. */
export function swapLastTwoAxes(x: TensorInfo, backend: KernelBackend): TensorInfo {
  const perm = x.shape.map((_, axis) => axis);
  const rank = perm.length;
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose(x, perm, backend);
}

/** A kernel function together with the marker that says it is one of ours. */
export const KD_KERNEL = Symbol.for('@kd/backend.kernel');

export function markKernel(kernelFunc: KernelFunc): KernelFunc {
  Object.defineProperty(kernelFunc, KD_KERNEL, { value: true });
  return kernelFunc;
}

export function isKdKernel(kernelFunc: KernelFunc | undefined): boolean {
  return kernelFunc !== undefined && (kernelFunc as unknown as Record<symbol, unknown>)[KD_KERNEL] === true;
}

/** Registers `kernelFunc` for `wasm` in place of `current`, keeping its setup and dispose functions. */
export function replaceWasmKernel(kernelName: string, kernelFunc: KernelFunc, current: KernelConfig | undefined): void {
  if (current) unregisterKernel(kernelName, WASM);
  registerKernel({
    kernelName,
    backendName: WASM,
    kernelFunc,
    ...(current?.setupFunc ? { setupFunc: current.setupFunc } : {}),
    ...(current?.disposeFunc ? { disposeFunc: current.disposeFunc } : {}),
  });
}
