import { stat } from 'node:fs/promises';
import type { RngState } from '@kd/core';
import { describeValue, jsonDifferences } from '@kd/core';
import type { Callback } from './callback';
import { latestCheckpoint, loadCheckpoint, removeAbandonedCheckpoints, saveCheckpoint } from './checkpoint';
import type { EpochRecord } from './epoch-record';

// What a resumed run may change: how long it runs and what it measures, not what it trains.
const notTheRun = /^(epochs|metrics|earlyStopping|divergence)(\.|\[|$)/;

/** Options of {@link checkpoints}. */
export interface CheckpointsOptions {
  /** The folder of the run's checkpoints. */
  dir: string;
  /** Write a checkpoint every this many epochs, and after the last (or the one early stopping ends). Default 1. */
  every?: number;
  /** How many checkpoints to keep, newest first. Default 1. */
  keep?: number;
  /**
   * Continue from the newest checkpoint in `dir`:
   * - `false` (default): start from scratch;
   * - `true`: there must be one: a missing or mistyped folder, or one without a checkpoint, is an
   *   Error before the first step (a run you meant to continue never starts over silently);
   * - `'auto'`: continue when there is one, start from scratch when there is none (a script that
   *   runs the same command until it finishes). `FitResult.resumedFromEpoch` says which happened.
   */
  resume?: boolean | 'auto';
}

/**
 * A callback that writes atomic checkpoints of the run into `dir` (model, optimizer state, RNG,
 * the loop's and the callbacks' state, the weights callbacks keep such as early stopping's best
 * epoch, and what the run was built with) and, with `resume`, restores the newest one before the
 * first step, so that on the `cpu` backend a killed run ends with the same weights, bit for bit, as
 * an uninterrupted one.
 */
export function checkpoints(options: CheckpointsOptions): Callback {
  const fn = 'checkpoints';
  if (options === null || typeof options !== 'object') throw new TypeError(`Argument 'options' passed to '${fn}' must be an object { dir, every?, keep?, resume? }, got ${describeValue(options)}`);
  const { dir, every = 1, keep = 1, resume = false } = options;
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`Argument 'options.dir' passed to '${fn}' must be a non-empty path, got ${describeValue(dir)}`);
  if (!Number.isInteger(every) || every < 1) throw new Error(`Argument 'options.every' passed to '${fn}' must be an integer >= 1, got ${describeValue(every)}`);
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`Argument 'options.keep' passed to '${fn}' must be an integer >= 1, got ${describeValue(keep)}`);
  if (resume !== true && resume !== false && resume !== 'auto') {
    throw new Error(`Argument 'options.resume' passed to '${fn}' must be true, false or 'auto', got ${describeValue(resume)}`);
  }
  return {
    name: 'checkpoints',
    async onTrainBegin(context) {
      await removeAbandonedCheckpoints(dir);
      if (resume === false) return;
      const weightSets = new Map<string, Float32Array[]>();
      const restored = await loadCheckpoint(dir, { model: context.model, optimizer: context.optimizer }, {
        weightSets: (name, values) => void weightSets.set(name, values),
        check(state, path) {
          const differences = state.run === undefined ? [] : jsonDifferences(state.run, context.config, { labels: ['there', 'here'], ignore: (key) => notTheRun.test(key) });
          if (differences.length > 0) {
            throw new Error(
              `'${context.fn}': checkpoints({ resume }) found a checkpoint of another run, ${path}: ${differences.join('; ')}; resume continues only the same run (to start this one, give it another folder)`,
            );
          }
        },
      });
      if (restored === undefined) {
        if (resume === 'auto') return;
        const exists = await stat(dir).then((info) => info.isDirectory(), () => false);
        throw new Error(
          `'${context.fn}': checkpoints({ resume: true }) found ${exists ? 'no checkpoint in' : 'no folder'} ${dir}: nothing to continue (to start a new run, leave resume off; to continue when there is a checkpoint and start fresh otherwise, pass resume: 'auto')`,
        );
      }
      context.state = { epoch: restored.epoch, step: restored.step, rng: restored.rng as RngState, history: (restored.history ?? []) as EpochRecord[] };
      const states = (restored.callbacks ?? {}) as Record<string, unknown>;
      for (const callback of context.callbacks) {
        if (!callback.name) continue;
        if (callback.setState && callback.name in states) callback.setState(states[callback.name]);
        const values = weightSets.get(callback.name);
        if (values !== undefined) callback.setWeightsState?.(values);
      }
      context.lastCheckpoint = (await latestCheckpoint(dir)) ?? null;
    },
    async onEpochEnd(record, context) {
      if (record.epoch % every !== 0 && record.epoch !== context.epochs && context.stopRequested === null) return;
      const callbacks = Object.fromEntries(context.callbacks.flatMap((c) => (c.name && c.getState ? [[c.name, c.getState()]] : [])));
      const weightSets = Object.fromEntries(context.callbacks.flatMap((c) => {
        const values = c.name ? c.getWeightsState?.() : null;
        return values ? [[c.name, values]] : [];
      }));
      context.lastCheckpoint = await saveCheckpoint(
        dir,
        { model: context.model, optimizer: context.optimizer, state: { ...context.state, callbacks, run: context.config }, weightSets },
        { keep },
      );
    },
  };
}
