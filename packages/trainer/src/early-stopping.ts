import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Callback } from './callback';
import type { EarlyStopping } from './fit-options';
import { higherIsBetter } from './metrics';

/** The early-stopping callback's record of the run, kept in checkpoints. */
interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  badEpochs: number;
}

/** A copy of a model's weights, outside tfjs (no tensor to leak, no buffer shared with training). */
interface Snapshot {
  epoch: number;
  values: Float32Array[];
}

/**
 * The built-in callback behind `FitOptions.earlyStopping`: it stops after `patience` epochs without
 * improvement and, with `restoreBestWeights` (the default), keeps a copy of the weights of the best
 * epoch so far, which `restoreBest` puts back at the end; checkpoints keep that copy, so a resumed
 * run ends with it too.
 */
export function earlyStoppingCallback(
  options: EarlyStopping,
): Callback & { best(): EarlyStoppingState; restoreBest(model: LayersModel, lastEpoch: number): boolean } {
  let state: EarlyStoppingState = { best: null, bestEpoch: 0, badEpochs: 0 };
  let snapshot: Snapshot | null = null;
  const sign = higherIsBetter(options.metric) ? 1 : -1;
  const restore = options.restoreBestWeights ?? true;
  return {
    name: 'earlyStopping',
    onEpochEnd(record, context) {
      const value = record.validation?.[options.metric];
      if (value === undefined) return;
      if (state.best === null || sign * (value - state.best) > (options.minDelta ?? 0)) {
        state = { best: value, bestEpoch: record.epoch, badEpochs: 0 };
        if (restore) {
          snapshot = { epoch: record.epoch, values: context.model.getWeights().map((w) => w.dataSync() as Float32Array) };
        }
      } else {
        state = { ...state, badEpochs: state.badEpochs + 1 };
      }
      if (state.badEpochs >= options.patience) context.stop('earlyStopping');
    },
    getState: () => ({ ...state }),
    setState(saved) {
      state = { ...(saved as EarlyStoppingState) };
    },
    getWeightsState: () => (snapshot?.epoch === state.bestEpoch ? snapshot.values : null),
    setWeightsState(values) {
      snapshot = { epoch: state.bestEpoch, values };
    },
    best: () => state,
    /**
     * Puts the best epoch's weights back into `model` when they are not there already. True when
     * the model holds them afterwards; false when they were not kept: `restoreBestWeights` is off,
     * or the run resumed from a checkpoint written without them (checkpoints keep the copy).
     */
    restoreBest(model, lastEpoch) {
      if (state.best === null) return false;
      if (state.bestEpoch === lastEpoch) return true;
      if (snapshot === null || snapshot.epoch !== state.bestEpoch) return false;
      const { values } = snapshot;
      const tensors = model.getWeights().map((w, i) => tf.tensor(values[i]!, w.shape, 'float32'));
      model.setWeights(tensors);
      tf.dispose(tensors);
      return true;
    },
  };
}
