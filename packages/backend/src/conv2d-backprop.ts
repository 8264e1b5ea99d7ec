import { backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { release, runWasmKernel, transpose } from './wasm-kernel-utils';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Strides = [number, number] | number;
type Shape4 = [number, number, number, number];

const NHWC_FROM_NCHW = [0, 2, 3, 1];

/**
 * The two conv2d gradients for wasm, each one XNNPACK convolution (multithreaded) between
 * rearranged operands instead of a loop over output pixels.
 *
 * Forward (NHWC, dilation 1): y[b,i,j,o] = sum x[b, i*sh + di - top, j*sw + dj - left, c] w[di,dj,c,o].
 *
 * Filter gradient: dw[di,dj,c,o] = sum_{b,i,j} x[b, di + i*sh - top, dj + j*sw - left, c] dy[b,i,j,o]
 * is a convolution of x with batch and channel axes swapped ([C,H,W,B]) by dy laid out as a
 * filter ([oh,ow,B,O]), at stride 1 and dilation (sh, sw), with the forward's top/left padding and
 * the bottom/right padding that makes the output exactly kh x kw; rows the forward never read
 * (valid padding with a remainder) are sliced off instead of padded. At stride 1, when x is the
 * smaller tensor, x plays the filter instead (`swappedOperands`).
 *
 * Input gradient at stride 1: dx[b,h,w,c] = sum dy[b, h + top - di, w + left - dj, o] w[di,dj,c,o]
 * is a convolution of dy by the filter reversed in space with in/out channels swapped, padded
 * kh-1-top above. Strides above 1 go to the stock kernel.
 */
export const conv2dBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasm = backend as KernelBackend;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: Strides;
    pad: Pad;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: Shape4;
  };
  const channelsFirst = dataFormat === 'NCHW';
  const x0 = inputs.x as TensorInfo;
  const dy0 = inputs.dy as TensorInfo;
  const x = channelsFirst ? transpose(x0, NHWC_FROM_NCHW, wasm) : x0;
  const dy = channelsFirst ? transpose(dy0, NHWC_FROM_NCHW, wasm) : dy0;
  const temporaries: TensorInfo[] = [x, dy];
  try {
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    checkGradientShape('Conv2DBackpropFilter', 'dy', dy.shape, info.outShape);
    const [, inHeight, inWidth] = x.shape as Shape4;
    const { top, left } = info.padInfo;
    const swap = swappedOperands(info, x, dy);
    if (swap) {
      const input = transpose(dy, [3, 1, 2, 0], wasm);
      temporaries.push(input);
      const filter = transpose(x, [1, 2, 0, 3], wasm);
      temporaries.push(filter);
      const flipped = runWasmKernel(
        'Conv2D',
        { x: input, filter },
        { strides: [1, 1], pad: swap, dataFormat: 'NHWC', dilations: [1, 1] },
        wasm,
      );
      temporaries.push(flipped);
      const unflipped = runWasmKernel('Reverse', { x: flipped }, { dims: [1, 2] }, wasm);
      temporaries.push(unflipped);
      return transpose(unflipped, [1, 2, 3, 0], wasm);
    }
    // Padding after the input that makes the dilated "filter" (dy) slide exactly kh x kw times.
    const bottom = info.filterHeight + (info.outHeight - 1) * info.strideHeight - inHeight - top;
    const right = info.filterWidth + (info.outWidth - 1) * info.strideWidth - inWidth - left;

    let input = transpose(x, [3, 1, 2, 0], wasm);
    temporaries.push(input);
    if (bottom < 0 || right < 0) {
      const shape = input.shape as Shape4;
      input = runWasmKernel(
        'Slice',
        { x: input },
        {
          begin: [0, 0, 0, 0],
          size: [shape[0], shape[1] + Math.min(bottom, 0), shape[2] + Math.min(right, 0), shape[3]],
        },
        wasm,
      );
      temporaries.push(input);
    }
    const filter = transpose(dy, [1, 2, 0, 3], wasm);
    temporaries.push(filter);
    const swapped = runWasmKernel(
      'Conv2D',
      { x: input, filter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, Math.max(bottom, 0)],
          [left, Math.max(right, 0)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
      },
      wasm,
    );
    temporaries.push(swapped);
    return transpose(swapped, [1, 2, 0, 3], wasm);
  } finally {
    release(wasm, [x0, dy0], ...temporaries);
  }
};

/**
 * At stride 1 the filter gradient is also a convolution of dy ([O,oh,ow,B]) by x laid out as a
 * filter ([H,W,B,C]), with kh x kw outputs in reverse order: dw[kh-1-p] = sum_r dy_pad[p + r] x[r]
 * with dy padded kh-1-top above and H-oh+top below. XNNPACK repacks its filter operand on every
 * call, so this form wins when x is the smaller tensor, as long as C fills a GEMM tile (8 wide).
 * Returns its padding when it applies.
 */
function swappedOperands(
  info: backend_util.Conv2DInfo,
  x: TensorInfo,
  dy: TensorInfo,
): backend_util.ExplicitPadding | undefined {
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.inChannels < 8) return undefined;
  if (util.sizeFromShape(x.shape) >= util.sizeFromShape(dy.shape)) return undefined;
  const { top, left } = info.padInfo;
  const above = info.filterHeight - 1 - top;
  const below = info.inHeight - info.outHeight + top;
  const before = info.filterWidth - 1 - left;
  const after = info.inWidth - info.outWidth + left;
  if (Math.min(above, below, before, after) < 0) return undefined;
  return [
    [0, 0],
    [above, below],
    [before, after],
    [0, 0],
  ];
}

export function conv2dBackpropInput(stock: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const wasm = backend as KernelBackend;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
      strides: Strides;
      pad: Pad;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: Shape4;
    };
    const channelsFirst = dataFormat === 'NCHW';
    const xShape = (channelsFirst ? NHWC_FROM_NCHW.map((axis) => inputShape[axis]) : inputShape) as Shape4;
    const filter0 = inputs.filter as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      xShape,
      filter0.shape as Shape4,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    if (info.strideHeight !== 1 || info.strideWidth !== 1 || channelsFirst) {
      return stock({ inputs, attrs, backend });
    }
    const dy = inputs.dy as TensorInfo;
    checkGradientShape('Conv2DBackpropInput', 'dy', dy.shape, info.outShape);
    const temporaries: TensorInfo[] = [];
    try {
      const reversed = runWasmKernel('Reverse', { x: filter0 }, { dims: [0, 1] }, wasm);
      temporaries.push(reversed);
      const filter = transpose(reversed, [0, 1, 3, 2], wasm);
      temporaries.push(filter);
      const top = info.filterHeight - 1 - info.padInfo.top;
      const left = info.filterWidth - 1 - info.padInfo.left;
      return runWasmKernel(
        'Conv2D',
        { x: dy, filter },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [top, xShape[1] + info.filterHeight - 1 - info.outHeight - top],
            [left, xShape[2] + info.filterWidth - 1 - info.outWidth - left],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [1, 1],
        },
        wasm,
      );
    } finally {
      release(wasm, [], ...temporaries);
    }
  };
}

function checkGradientShape(kernel: string, arg: string, got: number[], expected: number[]): void {
  if (got.length !== expected.length || got.some((size, axis) => size !== expected[axis])) {
    throw new Error(
      `Argument '${arg}' passed to '${kernel}' must have shape [${expected.join(
        ', ',
      )}] (the convolution's output), got [${got.join(', ')}]`,
    );
  }
}
