import { util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { runWasmKernel } from './wasm-kernel-utils';

/** The part of tfjs's `BackendWasm` used here: fresh outputs, heap views, and tensor metadata. */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  dataIdMap: { get(dataId: object): { shape: number[] } };
}

/**
 * `Sum` and `Mean` for wasm over leading axes (a bias gradient sums [batch, h, w, c] to [c]; batch
 * norm and losses average over the batch). The stock kernels transpose the reduced axes to the end
 * first and then reduce on one thread, 10 to 20 times slower than one multithreaded XNNPACK product
 * of a row of ones (or of 1/n) with the input viewed as [n, rest]. Other axes, other dtypes and
 * full reductions go to the stock kernel.
 */
export function leadingAxesReduction(stock: KernelFunc, average: boolean): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return stock(args);
    const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
    const cols = util.sizeFromShape(x.shape.slice(axes.length));
    const wasm = args.backend as unknown as WasmBackendInternals;
    const weights = wasm.makeOutput([1, 1, rows], 'float32');
    wasm.typedArrayFromHeap(weights).fill(average ? 1 / rows : 1);
    try {
      const product = runWasmKernel(
        'BatchMatMul',
        { a: weights, b: { dataId: x.dataId, shape: [1, rows, cols], dtype: 'float32' } },
        { transposeA: false, transposeB: false },
        args.backend as KernelBackend,
      );
      const shape = keepDims
        ? x.shape.map((size, i) => (i < axes.length ? 1 : size))
        : x.shape.slice(axes.length);
      // The product is ours alone, so its recorded shape can change in place: kernels such as
      // _FusedMatMul read a bias's rank from that record.
      wasm.dataIdMap.get(product.dataId).shape = shape;
      return { dataId: product.dataId, shape, dtype: 'float32' };
    } finally {
      (args.backend as KernelBackend).disposeData(weights.dataId);
    }
  };
}
