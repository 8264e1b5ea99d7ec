import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * `Identity` (what `tf.clone` and every saved-for-backprop tensor run) that shares the input's
 * memory by reference count, as the `cpu` backend does, instead of copying it. Besides the copy,
 * the stock wasm kernel's fresh buffer makes tfjs's own leak check (`IS_TEST`) report a leak for
 * every custom-gradient op recorded on a tape, so training under test flags fails.
 */
export const sharedIdentity: KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as TensorInfo;
  (backend as KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * `Cast` that shares memory when the dtype does not change (tfjs's losses cast float labels to
 * float), for the same two reasons as `sharedIdentity`; real conversions go to the stock kernel.
 */
export function sharedCast(stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    return x.dtype === args.attrs?.dtype ? sharedIdentity(args) : stock(args);
  };
}
