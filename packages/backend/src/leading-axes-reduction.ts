import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The part of tfjs's `BackendWasm` used here: outputs and views on the wasm heap. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** The attributes of tfjs's `Sum` and `Mean`. */
export interface ReductionAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/**
 * A float32 reduction over leading axes seen as [rows, cols] summed down its rows, with the shape
 * of its result; undefined for any other reduction.
 */
export function leadingAxesOf(
  x: TensorInfo,
  { axis, keepDims }: ReductionAttrs,
): { rows: number; cols: number; shape: number[] } | undefined {
  const rank = x.shape.length;
  const axes = [...new Set(util.parseAxisParam(axis, x.shape))].toSorted((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (x.dtype !== 'float32' || !leading) return undefined;
  return {
    rows: util.sizeFromShape(x.shape.slice(0, axes.length)),
    cols: util.sizeFromShape(x.shape.slice(axes.length)),
    shape: keepDims ? x.shape.map((size, i) => (i < axes.length ? 1 : size)) : x.shape.slice(axes.length),
  };
}

/**
 * `Sum` and `Mean` for wasm over leading axes (a bias gradient sums [batch, h, w, c] to [c]; batch
 * norm and losses average over the batch). The stock kernels move the reduced axes to the end with
 * a transpose and then reduce, 5 to 10 times slower than one pass down the rows of the input seen
 * as [n, rest] on the wasm heap, accumulating in double precision as the `cpu` backend does.
 * (A product with a row of ones is no faster: XNNPACK repacks a fresh right operand every call.)
 * Other axes, other dtypes and full reductions go to the stock kernel.
 */
export function leadingAxesReduction(stock: KernelFunc, average: boolean): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const reduction = leadingAxesOf(x, args.attrs as unknown as ReductionAttrs);
    if (!reduction) return stock(args);
    const { rows, cols, shape } = reduction;
    const wasm = args.backend as unknown as WasmHeapBackend;
    // Allocate first: growing the heap can detach views taken before.
    const out = wasm.makeOutput(shape, 'float32');
    const values = wasm.typedArrayFromHeap(x);
    const sums = new Float64Array(cols);
    for (let start = 0; start < rows * cols; start += cols) {
      for (let c = 0; c < cols; c++) sums[c] = sums[c]! + values[start + c]!;
    }
    const result = wasm.typedArrayFromHeap(out);
    for (let c = 0; c < cols; c++) result[c] = average ? sums[c]! / rows : sums[c]!;
    return out;
  };
}
