import { util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { release, swapLastTwoAxes } from './wasm-kernel-utils';

/**
 * `BatchMatMul` / `_FusedMatMul` for wasm that never hand a transposed operand to the stock
 * kernel: tfjs 4.22's XNNPACK path is about 10x slower with `transposeA` / `transposeB` set, and
 * every dense layer's backward pass sets them. Two exact rewrites, each a wasm `Transpose` or two
 * around one plain product:
 *
 * - C = op(A) op(B): transpose the operands that need it;
 * - C = (op(B)^T op(A)^T)^T: transpose what needs it, multiply, transpose C back.
 *
 * The stock kernel repacks its right operand into XNNPACK's layout on every call, so the cheaper
 * rewrite is the one that moves and packs fewer elements: for `dy w^T` (the input gradient of a
 * dense layer) the second one packs the small `dy` instead of the weight matrix. The second form
 * is only used without a bias or PReLU weights, which broadcast along C's last axis.
 */
export function transposedMatMul(stock: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    if (!transposeA && !transposeB) return stock({ inputs, attrs, backend });
    const wasm = backend as KernelBackend;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
    const sizeA = util.sizeFromShape(a.shape);
    const sizeB = util.sizeFromShape(b.shape);
    const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
    const cols = b.shape[b.shape.length - (transposeB ? 2 : 1)]!;
    const batch = Math.max(sizeA / matrixSize(a), sizeB / matrixSize(b));
    const sizeC = batch * rows * cols;
    const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
    const swapped = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + sizeA + sizeC;
    const fusedExtras = inputs.bias != null || inputs.preluActivationWeights != null;
    const temporaries: TensorInfo[] = [];
    const transposed = (x: TensorInfo): TensorInfo => {
      const t = swapLastTwoAxes(x, wasm);
      temporaries.push(t);
      return t;
    };
    try {
      if (fusedExtras || direct <= swapped) {
        const plainInputs: NamedTensorInfoMap = {
          ...inputs,
          a: transposeA ? transposed(a) : a,
          b: transposeB ? transposed(b) : b,
        };
        return stock({ inputs: plainInputs, attrs: plainAttrs, backend });
      }
      const left = transposeB ? b : transposed(b);
      const right = transposeA ? a : transposed(a);
      const product = stock({
        inputs: { ...inputs, a: left, b: right },
        attrs: plainAttrs,
        backend,
      }) as TensorInfo;
      temporaries.push(product);
      return swapLastTwoAxes(product, wasm);
    } finally {
      release(wasm, [a, b], ...temporaries);
    }
  };
}

function matrixSize(x: TensorInfo): number {
  return x.shape[x.shape.length - 1]! * x.shape[x.shape.length - 2]!;
}
