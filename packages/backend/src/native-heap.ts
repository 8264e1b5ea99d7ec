import { backend_util } from '@tensorflow/tfjs-core';
import type { DataId, TensorInfo } from '@tensorflow/tfjs-core';

/** The part of tfjs's `BackendWasm` the native kernels use: its heap and where each tensor lies in it. */
interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  refCount(dataId: DataId): number;
  incRef(dataId: DataId): void;
}

/**
 * The wasm heap as it is now. Take it after allocating outputs: allocating can grow the heap,
 * which replaces the array.
 */
export function heapOf(backend: object): Uint8Array {
  return (backend as unknown as WasmHeapBackend).wasm.HEAPU8;
}

/** The byte offset of a tensor's data on the wasm heap. */
export function offsetOf(backend: object, info: TensorInfo): number {
  return (backend as unknown as WasmHeapBackend).dataIdMap.get(info.dataId).memoryOffset;
}

/** A new float32 tensor on the wasm heap, for a kernel to fill. */
export function makeOutput(backend: object, shape: number[]): TensorInfo {
  return (backend as unknown as WasmHeapBackend).makeOutput(shape, 'float32');
}

/**
 * True when no tensor but the one holding `info` refers to its data, so a kernel may overwrite it
 * in place (tfjs counts one reference per tensor object sharing a buffer).
 */
export function soleOwner(backend: object, info: TensorInfo): boolean {
  return (backend as unknown as WasmHeapBackend).refCount(info.dataId) === 1;
}

/** `info` again as a kernel output: the same buffer, one more reference (tfjs's `Identity` does this). */
export function alias(backend: object, info: TensorInfo): TensorInfo {
  (backend as unknown as WasmHeapBackend).incRef(info.dataId);
  return { dataId: info.dataId, shape: info.shape, dtype: info.dtype };
}

/** True when every tensor given is float32. */
export function allFloat32(...infos: Array<TensorInfo | undefined>): boolean {
  return infos.every((info) => info === undefined || info.dtype === 'float32');
}

/** The activations the native kernels fuse, by tfjs's names, with the codes the addon takes. */
export const activationCodes: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 3,
  elu: 4,
  sigmoid: 5,
};

/**
 * A pooling or convolution geometry as the addon takes it: input n, h, w, c; output h, w; filter
 * h, w; strides; dilations; padding top, left, bottom, right.
 */
export function windowOf(info: backend_util.Conv2DInfo): number[] {
  const { top, left, bottom, right } = info.padInfo;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    top,
    left,
    bottom,
    right,
  ];
}
