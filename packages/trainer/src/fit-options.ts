import type { Augmentation } from '@kd/data';
import { Dataset } from '@kd/data';
import { describeValue } from '@kd/core';
import type { Callback } from './callback';
import { callbackHooks } from './callback';
import { metricNames } from './metrics';
import type { MetricName } from './metrics';
import type { OptimizerSpec } from './optimizer';
import { divergenceSchema } from './divergence-guard';
import type { DivergenceOptions } from './divergence-guard';
import { optimizerSpecProblems } from './optimizer-schema';
import { scheduleRangeProblems } from './schedule';
import { problemsOf } from './schema-problems';
import type { ProgressStream } from './progress-bar';

/** Early stopping on a validation metric. */
export interface EarlyStopping {
  /** A validation metric (see `metricNames`); `validation` must be given. */
  metric: MetricName;
  /** Epochs without improvement before training stops. */
  patience: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /**
   * End with the weights of the best epoch (by `metric`), not of the last one, when training ends
   * (early or after every epoch; not when aborted). Default true. Checkpoints keep the copy, so a
   * resumed run restores a best epoch from before its checkpoint too.
   */
  restoreBestWeights?: boolean;
}

/** Options shared by `trainModel` and `Distiller.fit`. */
export interface FitOptions {
  /** Epochs to train for (in total, counting epochs a resumed run already did). */
  epochs: number;
  /** Examples per step. Default 128. */
  batchSize?: number;
  /** Default `{ kind: 'adam', learningRate: 0.001 }`. */
  optimizer?: OptimizerSpec;
  /** Seeds the batch order, the augmentations and dropout. Default 0. */
  seed?: number;
  /** Input augmentation, e.g. `jitter({ maxShift: 2 })` from `@kd/data`. Default none. */
  augment?: Augmentation | readonly Augmentation[];
  /**
   * Mixup on every batch (`mixup` of `@kd/data`): inputs and labels mixed in pairs with one
   * `λ ~ Beta(alpha, alpha)` per batch, drawn from the run's seeded generator. When distilling, the
   * teacher scores the mixed inputs (a `TeacherCache` cannot serve them). Default none.
   */
  mixup?: { alpha: number };
  /**
   * The paper's max-norm constraint: after every step, each unit's incoming weight vector (each
   * column of every dense kernel, each filter of every conv kernel) is scaled down to this L2 norm
   * if it is longer. Default none.
   */
  maxNorm?: number;
  /** Held-out data, evaluated at T = 1 after every epoch. */
  validation?: Dataset;
  /** Validation metrics. Default `defaultMetrics`: `['accuracy', 'nll']`. */
  metrics?: readonly MetricName[];
  earlyStopping?: EarlyStopping;
  /**
   * The divergence guard (see `divergenceGuard`): training stops with an Error once an epoch's mean
   * loss exceeds `lossFactor` (100) times the first step's loss, or validation accuracy, once above
   * chance, has fallen to chance (no better than the most common class) for `chanceEpochs` (3)
   * epochs in a row. On by default; `false` turns it off.
   */
  divergence?: DivergenceOptions;
  /** A progress bar on `process.stderr` (drawn only on a terminal), or on the given stream. Default true. */
  progress?: boolean | ProgressStream;
  /** What is being trained, shown before the epoch in the progress bar (e.g. `teacher`). Default none. */
  name?: string;
  /** Stops training cleanly before the next step; `fit` then resolves with `stopReason: 'aborted'`. */
  signal?: AbortSignal;
  /**
   * Hooks into the loop (see `Callback`), called in this order after the built-in ones:
   * checkpoints and JSON-lines logs (`checkpoints`, `jsonlLogger` of `@kd/trainer/node`), your own.
   */
  callbacks?: readonly Callback[];
}

/** Checks the options every loop shares; throws one error listing every problem. */
export function checkFitOptions(fn: string, options: FitOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Argument 'options' passed to '${fn}' must be an object, got ${describeValue(options)}`);
  }
  const problems: string[] = [];
  const int = (key: keyof FitOptions, min: number, required = false): void => {
    const v = options[key];
    if (v === undefined && !required) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) problems.push(`options.${key}: expected an integer >= ${min}, got ${describeValue(v)}`);
  };
  int('epochs', 1, true);
  int('batchSize', 1);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) problems.push(`options.seed: expected a safe integer, got ${describeValue(options.seed)}`);
  if (options.optimizer !== undefined) {
    const shape = optimizerSpecProblems(options.optimizer, 'options.optimizer');
    problems.push(...shape);
    // A learning rate that goes below 0 in a late epoch would fail only there, after the others.
    if (shape.length === 0 && Number.isInteger(options.epochs) && options.epochs >= 1) {
      problems.push(...scheduleRangeProblems(options.optimizer.learningRate, 'options.optimizer.learningRate', options.epochs, { bound: 'nonNegative' }));
    }
  }
  if (options.divergence !== undefined) problems.push(...problemsOf(divergenceSchema, options.divergence, 'options.divergence'));
  if (options.mixup !== undefined) {
    const alpha = (options.mixup as { alpha?: unknown } | null)?.alpha;
    if (!(typeof alpha === 'number' && alpha > 0 && Number.isFinite(alpha))) {
      problems.push(`options.mixup.alpha: expected a finite number > 0, got ${describeValue(alpha)}`);
    }
  }
  if (options.maxNorm !== undefined && !(typeof options.maxNorm === 'number' && options.maxNorm > 0 && Number.isFinite(options.maxNorm))) {
    problems.push(`options.maxNorm: expected a finite number > 0, got ${describeValue(options.maxNorm)}`);
  }
  if (options.validation !== undefined && !(options.validation instanceof Dataset)) {
    problems.push(`options.validation: expected a Dataset, got ${describeValue(options.validation)}`);
  }
  for (const [i, name] of (options.metrics ?? []).entries()) {
    if (!metricNames.includes(name)) problems.push(`options.metrics[${i}]: expected one of ${metricNames.join(', ')}, got ${describeValue(name)}`);
  }
  const stop = options.earlyStopping;
  if (stop !== undefined) {
    if (!metricNames.includes(stop.metric)) problems.push(`options.earlyStopping.metric: expected one of ${metricNames.join(', ')}, got ${describeValue(stop.metric)}`);
    if (!Number.isInteger(stop.patience) || stop.patience < 1) problems.push(`options.earlyStopping.patience: expected an integer >= 1, got ${describeValue(stop.patience)}`);
    if (stop.minDelta !== undefined && !(typeof stop.minDelta === 'number' && stop.minDelta >= 0)) {
      problems.push(`options.earlyStopping.minDelta: expected a number >= 0, got ${describeValue(stop.minDelta)}`);
    }
    if (stop.restoreBestWeights !== undefined && typeof stop.restoreBestWeights !== 'boolean') {
      problems.push(`options.earlyStopping.restoreBestWeights: expected a boolean, got ${describeValue(stop.restoreBestWeights)}`);
    }
    if (options.validation === undefined) problems.push(`options.earlyStopping: needs options.validation, got none`);
  }
  const progress = options.progress;
  if (progress !== undefined && typeof progress !== 'boolean' && typeof (progress as ProgressStream | null)?.write !== 'function') {
    problems.push(`options.progress: expected a boolean or a stream with write(), got ${describeValue(progress)}`);
  }
  if (options.signal !== undefined && typeof (options.signal as AbortSignal | null)?.aborted !== 'boolean') {
    problems.push(`options.signal: expected an AbortSignal, got ${describeValue(options.signal)}`);
  }
  if (options.callbacks !== undefined) {
    if (!Array.isArray(options.callbacks)) {
      problems.push(`options.callbacks: expected an array of callbacks, got ${describeValue(options.callbacks)}`);
    } else {
      options.callbacks.forEach((callback: unknown, i) => {
        if (callback === null || typeof callback !== 'object') {
          problems.push(`options.callbacks[${i}]: expected an object of hooks (${callbackHooks.join(', ')}), got ${describeValue(callback)}`);
          return;
        }
        for (const [key, value] of Object.entries(callback)) {
          if ((callbackHooks as readonly string[]).includes(key) && typeof value !== 'function') {
            problems.push(`options.callbacks[${i}].${key}: expected a function, got ${describeValue(value)}`);
          }
        }
        const { getState, setState, name } = callback as Callback;
        if ((getState || setState) && (typeof name !== 'string' || name.length === 0)) {
          problems.push(`options.callbacks[${i}]: a callback with state needs a name to store it under, got ${describeValue(name)}`);
        }
      });
    }
  }
  const removed = (['checkpointDir', 'checkpointEvery', 'resume', 'logPath', 'onEpochEnd'] as const).filter((key) => key in options);
  for (const key of removed) {
    problems.push(`options.${key}: no longer an option; checkpoints, resume and logs are callbacks (checkpoints(), jsonlLogger() of @kd/trainer/node), and onEpochEnd is a hook of a callback`);
  }
  if (problems.length > 0) throw new Error(`'${fn}': ${problems.join('; ')}`);
}
