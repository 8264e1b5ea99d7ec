import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

/** What `applyGradients` takes: gradients by variable name, or a list of named tensors. */
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/**
 * The fused Adam kernel @kd/backend registers on its native path (`fusedAdamKernelName` there):
 * inputs `param`, `m`, `v`, `grad`, `accBeta1`, `accBeta2`; attributes `beta1`, `beta2`,
 * `epsilon`, `learningRate`; outputs the new `param`, `m`, `v`.
 */
const FUSED_ADAM = 'KdAdam';

interface Slot {
  originalName: string;
  variable: Variable;
}

// The fields tfjs's AdamOptimizer keeps private, which this subclass updates the same way.
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: Array<Slot | undefined>;
  accumulatedSecondMoment: Array<Slot | undefined>;
}

/**
 * tfjs's Adam, updating each variable with one fused kernel where the active backend has one
 * (kd's native backend) instead of thirteen element-wise ops: the same state, the same
 * checkpoints, and the same numbers bit for bit. Elsewhere it is tfjs's `AdamOptimizer` as is.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (!tf.getKernel(FUSED_ADAM, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        const slot = (suffix: string): Slot => ({
          originalName: `${name}/${suffix}`,
          variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
        });
        const first = (self.accumulatedFirstMoment[i] ??= slot('m')).variable;
        const second = (self.accumulatedSecondMoment[i] ??= slot('v')).variable;
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const [param, m, v] = tf.engine().runKernel(
          FUSED_ADAM,
          { param: value, m: first, v: second, grad: gradient, accBeta1: self.accBeta1, accBeta2: self.accBeta2 },
          { beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, learningRate: self.learningRate },
        ) as Tensor[];
        first.assign(m!);
        second.assign(v!);
        value.assign(param!);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}
