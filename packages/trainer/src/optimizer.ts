import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor } from '@tensorflow/tfjs-core';
import { describeValue } from '@kd/core';
import { FusedAdamOptimizer } from './fused-adam';
import { scheduleProblems, scheduleValue } from './schedule';
import type { Schedule } from './schedule';

/**
 * An optimizer as plain JSON. `sgd` is stochastic gradient descent with (Nesterov, optionally)
 * momentum, the paper's choice; `adam` is Adam. The learning rate is a {@link Schedule} over epochs.
 */
export type OptimizerSpec =
  | {
      kind: 'sgd';
      learningRate: Schedule;
      /** Default 0.9. */
      momentum?: number;
      /** Default false. */
      nesterov?: boolean;
    }
  | {
      kind: 'adam';
      learningRate: Schedule;
      /** Default 0.9. */
      beta1?: number;
      /** Default 0.999. */
      beta2?: number;
      /** Default 1e-7. */
      epsilon?: number;
    };

/** Every problem with an optimizer spec, each with its path; empty when it is valid. */
export function optimizerProblems(spec: unknown, path: string): string[] {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return [`${path}: expected an object { kind: 'sgd' | 'adam', learningRate, ... }, got ${describeValue(spec)}`];
  }
  const s = spec as Record<string, unknown>;
  const problems = scheduleProblems(s.learningRate, `${path}.learningRate`);
  const inUnit = (key: string, closedZero: boolean): void => {
    const v = s[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !(closedZero ? v >= 0 : v > 0) || v >= 1) {
      problems.push(`${path}.${key}: expected a number in ${closedZero ? '[0' : '(0'}, 1), got ${describeValue(v)}`);
    }
  };
  if (s.kind === 'sgd') {
    inUnit('momentum', true);
    if (s.nesterov !== undefined && typeof s.nesterov !== 'boolean') {
      problems.push(`${path}.nesterov: expected a boolean, got ${describeValue(s.nesterov)}`);
    }
  } else if (s.kind === 'adam') {
    inUnit('beta1', true);
    inUnit('beta2', true);
    if (s.epsilon !== undefined && (typeof s.epsilon !== 'number' || !(s.epsilon > 0))) {
      problems.push(`${path}.epsilon: expected a number > 0, got ${describeValue(s.epsilon)}`);
    }
  } else {
    problems.push(`${path}.kind: expected 'sgd' or 'adam', got ${describeValue(s.kind)}`);
  }
  return problems;
}

/**
 * A tfjs optimizer for `spec`, at the learning rate of epoch 0. Adam is tfjs's, with a fused
 * update on backends that provide one (see {@link FusedAdamOptimizer}).
 */
export function createOptimizer(spec: OptimizerSpec): Optimizer {
  const problems = optimizerProblems(spec, 'optimizer');
  if (problems.length > 0) throw new Error(`'createOptimizer': ${problems.join('; ')}`);
  const lr = scheduleValue(spec.learningRate, 0, 'optimizer.learningRate');
  if (spec.kind === 'sgd') return tf.train.momentum(lr, spec.momentum ?? 0.9, spec.nesterov ?? false);
  return new FusedAdamOptimizer(lr, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-7);
}

// The fields tfjs keeps protected that a schedule and an exact resume need.
interface OptimizerInternals {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** Sets the learning rate of a tfjs SGD, momentum or Adam optimizer for the coming steps. */
export function setLearningRate(optimizer: Optimizer, learningRate: number): void {
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate < 0) {
    throw new Error(`Argument 'learningRate' passed to 'setLearningRate' must be a finite number >= 0, got ${describeValue(learningRate)}`);
  }
  const internals = optimizer as unknown as OptimizerInternals;
  if (typeof internals.setLearningRate === 'function') internals.setLearningRate(learningRate);
  else internals.learningRate = learningRate;
}

/** The learning rate a tfjs SGD, momentum or Adam optimizer takes its next steps with. */
export function learningRateOf(optimizer: Optimizer): number {
  return (optimizer as unknown as OptimizerInternals).learningRate;
}

/**
 * Disposes a tfjs optimizer completely. tfjs's `MomentumOptimizer.dispose` leaves the learning-rate
 * scalar its SGD base keeps, one tensor per optimizer; this disposes that too.
 */
export function disposeOptimizer(optimizer: Optimizer): void {
  optimizer.dispose();
  const rate = (optimizer as unknown as { c?: Tensor }).c;
  if (optimizer.getClassName() === 'Momentum' && rate && !rate.isDisposed) rate.dispose();
}

/** A tensor with the name it is stored under. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** An optimizer's state, read from tfjs: tensors to store, and scalars tfjs does not expose. */
export interface OptimizerState {
  /** `optimizer.getWeights()` renamed by position (`0`, `1`, ...): tfjs restores by order. */
  tensors: NamedTensor[];
  /** Adam's running beta powers, stored exactly: tfjs recomputes them with `pow` on restore. */
  scalars: Record<string, number>;
}

/**
 * Reads an optimizer's state for a checkpoint. The caller disposes `tensors` after writing them
 * (the first is a fresh scalar; the others are the optimizer's own variables, so dispose only the
 * first: use {@link disposeOptimizerState}).
 */
export async function readOptimizerState(optimizer: Optimizer): Promise<OptimizerState> {
  const weights = await optimizer.getWeights();
  const internals = optimizer as unknown as OptimizerInternals;
  const scalars: Record<string, number> = {};
  if (internals.accBeta1 && internals.accBeta2) {
    scalars.accBeta1 = (await internals.accBeta1.data())[0]!;
    scalars.accBeta2 = (await internals.accBeta2.data())[0]!;
  }
  return { tensors: weights.map((w, i) => ({ name: String(i), tensor: w.tensor })), scalars };
}

/** Disposes what {@link readOptimizerState} created (the iteration count), not the optimizer's variables. */
export function disposeOptimizerState(state: OptimizerState): void {
  state.tensors[0]?.tensor.dispose();
}

/**
 * Restores state read by {@link readOptimizerState} into a fresh optimizer of the same kind, built
 * for the same variables in the same order. Takes ownership of `state.tensors`.
 */
export async function restoreOptimizerState(optimizer: Optimizer, state: OptimizerState): Promise<void> {
  if (optimizer.iterations !== 0) {
    throw new Error(
      `Argument 'optimizer' passed to 'restoreOptimizerState' must be fresh (0 iterations), got one at iteration ${optimizer.iterations}`,
    );
  }
  try {
    await optimizer.setWeights(state.tensors);
    const internals = optimizer as unknown as OptimizerInternals;
    if (internals.accBeta1 && internals.accBeta2 && 'accBeta1' in state.scalars && 'accBeta2' in state.scalars) {
      tf.tidy(() => {
        internals.accBeta1!.assign(tf.scalar(state.scalars.accBeta1!));
        internals.accBeta2!.assign(tf.scalar(state.scalars.accBeta2!));
      });
    }
  } finally {
    // setWeights makes its own variables from these tensors (sharing their data), so the loaded
    // copies can go.
    tf.dispose(state.tensors.map((t) => t.tensor));
  }
}
