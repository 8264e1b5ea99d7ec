import type { Callback } from './callback';
import type { EarlyStopping } from './fit-options';
import { higherIsBetter } from './metrics';

/** The early-stopping callback's record of the run, kept in checkpoints. */
interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  badEpochs: number;
}

/** The built-in callback behind `FitOptions.earlyStopping`: it stops after `patience` epochs without improvement. */
export function earlyStoppingCallback(options: EarlyStopping): Callback & { best(): EarlyStoppingState } {
  let state: EarlyStoppingState = { best: null, bestEpoch: 0, badEpochs: 0 };
  const sign = higherIsBetter(options.metric) ? 1 : -1;
  return {
    name: 'earlyStopping',
    onEpochEnd(record, context) {
      const value = record.validation?.[options.metric];
      if (value === undefined) return;
      if (state.best === null || sign * (value - state.best) > (options.minDelta ?? 0)) {
        state = { best: value, bestEpoch: record.epoch, badEpochs: 0 };
      } else {
        state = { ...state, badEpochs: state.badEpochs + 1 };
      }
      if (state.badEpochs >= options.patience) context.stop('earlyStopping');
    },
    getState: () => ({ ...state }),
    setState(saved) {
      state = { ...(saved as EarlyStoppingState) };
    },
    best: () => state,
  };
}
