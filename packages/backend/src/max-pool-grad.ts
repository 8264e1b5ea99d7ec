import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The part of tfjs's `BackendWasm` this kernel touches: outputs and views on the wasm heap. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/**
 * `MaxPoolGrad` for wasm. The stock 4.22 kernel drops or misplaces gradients (windows whose values
 * are all negative get none, and 'same' padding sends them to the wrong pixels), so this one
 * follows the `cpu` backend exactly: each window's gradient goes to its first maximum in row-major
 * order, and a window with no value above -Infinity passes none. It walks the NHWC tensors once,
 * all channels of a window position together, directly on the wasm heap.
 */
export const maxPoolGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasm = backend as unknown as WasmHeapBackend;
  const dy = inputs.dy as TensorInfo;
  const input = inputs.input as TensorInfo;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  // Allocate first: growing the heap can detach views taken before.
  const out = wasm.makeOutput(input.shape, 'float32');
  const x = wasm.typedArrayFromHeap(input);
  const gradient = wasm.typedArrayFromHeap(dy);
  const dx = wasm.typedArrayFromHeap(out);
  dx.fill(0);

  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const tiles2x2 =
    filterHeight === 2 &&
    filterWidth === 2 &&
    strideHeight === 2 &&
    strideWidth === 2 &&
    top === 0 &&
    left === 0;
  if (tiles2x2 && 2 * outHeight <= inHeight && 2 * outWidth <= inWidth) {
    // The CNN case (2x2 windows, stride 2, every window inside the input): no bounds to check.
    const row = inWidth * channels;
    for (let b = 0; b < batchSize; b++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) {
          const corner = ((b * inHeight + 2 * oh) * inWidth + 2 * ow) * channels;
          const g = ((b * outHeight + oh) * outWidth + ow) * channels;
          for (let c = 0; c < channels; c++) {
            const p00 = corner + c;
            const p01 = p00 + channels;
            const p10 = p00 + row;
            const p11 = p10 + channels;
            let at = -1;
            let best = Number.NEGATIVE_INFINITY;
            if (x[p00]! > best) {
              best = x[p00]!;
              at = p00;
            }
            if (x[p01]! > best) {
              best = x[p01]!;
              at = p01;
            }
            if (x[p10]! > best) {
              best = x[p10]!;
              at = p10;
            }
            if (x[p11]! > best) at = p11;
            if (at >= 0) dx[at] = dx[at]! + gradient[g + c]!;
          }
        }
      }
    }
    return out;
  }
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * inWidth * channels;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - left;
        best.fill(Number.NEGATIVE_INFINITY);
        bestAt.fill(-1);
        for (let fh = 0; fh < filterHeight; fh++) {
          const h = h0 + fh;
          if (h < 0 || h >= inHeight) continue;
          for (let fw = 0; fw < filterWidth; fw++) {
            const w = w0 + fw;
            if (w < 0 || w >= inWidth) continue;
            const pixel = image + (h * inWidth + w) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[pixel + c]!;
              if (value > best[c]!) {
                best[c] = value;
                bestAt[c] = pixel + c;
              }
            }
          }
        }
        const g = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          const at = bestAt[c]!;
          if (at >= 0) dx[at] = dx[at]! + gradient[g + c]!;
        }
      }
    }
  }
  return out;
};
