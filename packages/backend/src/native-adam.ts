import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { alias, allFloat32, heapOf, makeOutput, offsetOf, soleOwner } from './native-heap';

/**
 * The name of the fused Adam kernel: one pass over a variable instead of tfjs's thirteen
 * element-wise ops. @kd/trainer's Adam runs it when the active backend has it.
 *
 * Inputs: `param`, `m`, `v`, `grad` (same shape) and the optimizer's running powers `accBeta1`,
 * `accBeta2` (scalars, before this step's update). Attributes: `beta1`, `beta2`, `epsilon`,
 * `learningRate`. Outputs: the new `param`, `m` and `v`, equal bit for bit to what tfjs's
 * `AdamOptimizer` computes. When nothing but the optimizer's variables holds `param`, `m` and `v`
 * (the usual case), they are updated in place and returned as outputs: one pass over four arrays
 * instead of seven, and a training step's working set stays smaller than the L3 cache.
 */
export const fusedAdamKernelName = 'KdAdam';

interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

export function nativeAdam(addon: NativeAddon): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { param, m, v, grad, accBeta1, accBeta2 } = inputs as Record<string, TensorInfo>;
    const { beta1, beta2, epsilon, learningRate } = attrs as unknown as AdamAttrs;
    if (!allFloat32(param, m, v, grad, accBeta1, accBeta2)) {
      throw new Error(`'${fusedAdamKernelName}' takes float32 tensors only`);
    }
    const shape = param!.shape;
    for (const [name, info] of Object.entries({ m, v, grad })) {
      if (!util.arraysEqual(info!.shape, shape)) {
        throw new Error(`'${fusedAdamKernelName}': '${name}' has shape [${info!.shape}], the parameter [${shape}]`);
      }
    }
    const inPlace = [param!, m!, v!].every((info) => soleOwner(backend, info)) && new Set([param, m, v, grad].map((i) => i!.dataId)).size === 4;
    const [newParam, newM, newV] = inPlace
      ? [alias(backend, param!), alias(backend, m!), alias(backend, v!)]
      : [makeOutput(backend, shape), makeOutput(backend, shape), makeOutput(backend, shape)];
    addon.adam(
      heapOf(backend),
      offsetOf(backend, param!),
      offsetOf(backend, m!),
      offsetOf(backend, v!),
      offsetOf(backend, grad!),
      offsetOf(backend, newParam),
      offsetOf(backend, newM),
      offsetOf(backend, newV),
      offsetOf(backend, accBeta1!),
      offsetOf(backend, accBeta2!),
      util.sizeFromShape(shape),
      beta1,
      beta2,
      epsilon,
      learningRate,
    );
    return [newParam, newM, newV];
  };
}
