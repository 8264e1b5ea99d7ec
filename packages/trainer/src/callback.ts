import type { Optimizer } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { RngState } from '@kd/core';
import type { EpochRecord } from './epoch-record';
import type { FitResult, StopReason } from './fit-result';

/**
 * What a checkpoint must hold to continue a run exactly: epochs done, steps taken, the RNG, and
 * the records of the epochs done (so that logs can be made to agree with the checkpoint).
 */
export interface LoopState {
  /** Epochs completed (the last one's number). */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** The run's generator (dropout masks), for a bit-identical resume. */
  rng: RngState;
  /**
   * The record of every epoch completed, those before a resume included; the loop adds each
   * epoch's before its `onEpochEnd` hooks run.
   */
  history: EpochRecord[];
}

/** One step as callbacks hear of it, after the weights changed. */
export interface BatchEnd {
  /** The epoch, from 1. */
  epoch: number;
  /** The batch within the epoch, from 1. */
  batch: number;
  /** Optimizer steps taken so far, over all epochs. */
  step: number;
  /** Each loss term of this batch (`total`, `soft`, `hard`, ...). */
  loss: Readonly<Record<string, number>>;
}

/** The run a callback belongs to. */
export interface TrainingContext {
  /** The function training: `'trainModel'` or `'Distiller.fit'`. */
  readonly fn: string;
  /** The model being trained (the student). */
  readonly model: LayersModel;
  readonly optimizer: Optimizer;
  /** Epochs of the whole run, counting those a resumed run already did. */
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /**
   * What the run was built with, as JSON: the loop's options (batch size, seed, optimizer, ...)
   * and, when distilling, the loss's resolved config and schedules. Checkpoints store it.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /** Every callback of the run, built-in ones first, in the order they are called. */
  readonly callbacks: readonly Callback[];
  /** Where the loop is. A callback that restores a run (checkpoints) sets it in `onTrainBegin`. */
  state: LoopState;
  /** The newest checkpoint of the run, named in errors; set by the callback that writes them. */
  lastCheckpoint: string | null;
  /** Why the run will stop after this epoch, once a callback asked; null otherwise. */
  readonly stopRequested: Exclude<StopReason, 'completed' | 'aborted'> | null;
  /** Asks the loop to stop after the current epoch (`'stopped'` unless given). */
  stop(reason?: Exclude<StopReason, 'completed' | 'aborted'>): void;
}

/**
 * A hook into the training loop of `trainModel` and `Distiller.fit`, in the manner of Keras
 * callbacks and Lightning hooks: every method is optional, may be async (the loop waits), and runs
 * in the order the callbacks were given, after the built-in ones (early stopping, progress,
 * max-norm). Checkpoints and JSON-lines logs are callbacks too (`checkpoints`, `jsonlLogger` of
 * `@kd/trainer/node`).
 */
export interface Callback {
  /** Names the callback's state in a checkpoint; needed with `getState` / `setState`. */
  readonly name?: string;
  /** Before the first step, after the options were checked (a resume restores the run here). */
  onTrainBegin?(context: TrainingContext): void | Promise<void>;
  /** Before the first step of `epoch` (numbered from 1). */
  onEpochBegin?(epoch: number, context: TrainingContext): void | Promise<void>;
  /** After each step, once the weights changed. */
  onBatchEnd?(batch: BatchEnd, context: TrainingContext): void | Promise<void>;
  /** After each epoch's validation; `context.stop()` ends the run here. */
  onEpochEnd?(record: EpochRecord, context: TrainingContext): void | Promise<void>;
  /** When the run ends without an error (completed, stopped early or aborted). */
  onTrainEnd?(result: FitResult, context: TrainingContext): void | Promise<void>;
  /** State to keep in checkpoints (JSON), restored with `setState` on resume. */
  getState?(): unknown;
  setState?(state: unknown): void;
  /**
   * Weights to keep in checkpoints besides the model's, one array per model weight in order (early
   * stopping's copy of the best epoch), or null when it holds none; restored with
   * `setWeightsState` on resume, after `setState`.
   */
  getWeightsState?(): readonly Float32Array[] | null;
  setWeightsState?(values: Float32Array[]): void;
}

/** The hook names of {@link Callback}, for checking what a run is given. */
export const callbackHooks = ['onTrainBegin', 'onEpochBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd', 'getState', 'setState', 'getWeightsState', 'setWeightsState'] as const;
