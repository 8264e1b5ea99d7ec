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
