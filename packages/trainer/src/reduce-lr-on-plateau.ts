import { describeValue } from '@kd/core';
import type { Callback } from './callback';
import { higherIsBetter, metricNames } from './metrics';
import type { MetricName } from './metrics';
import { learningRateOf, setLearningRate } from './optimizer';

/** Options of {@link reduceLearningRateOnPlateau}. */
export interface ReduceLearningRateOnPlateauOptions {
  /** A validation metric (see `metricNames`); the run needs `validation` and must compute it. */
  metric: MetricName;
  /** Epochs without improvement before the learning rate is cut. */
  patience: number;
  /** What the learning rate is multiplied by at each cut, in (0, 1). Default 0.1. */
  factor?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** The learning rate never goes below this. Default 0. */
  minLearningRate?: number;
}

/** What the callback keeps in checkpoints. */
interface PlateauState {
  best: number | null;
  badEpochs: number;
  /** The product of the cuts so far, applied on top of the optimizer's learning-rate schedule. */
  scale: number;
}

/**
 * A callback that cuts the learning rate by `factor` once the validation `metric` has not improved
 * for `patience` epochs (Keras's `ReduceLROnPlateau`): with early stopping at a longer patience,
 * training goes on at a smaller step where a constant one only bounces around the optimum. The
 * cuts multiply the optimizer's own schedule; the epoch records show the rate each epoch used.
 */
export function reduceLearningRateOnPlateau(options: ReduceLearningRateOnPlateauOptions): Callback {
  const fn = 'reduceLearningRateOnPlateau';
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Argument 'options' passed to '${fn}' must be an object { metric, patience, factor?, minDelta?, minLearningRate? }, got ${describeValue(options)}`);
  }
  const { metric, patience, factor = 0.1, minDelta = 0, minLearningRate = 0 } = options;
  if (!metricNames.includes(metric)) throw new Error(`Argument 'options.metric' passed to '${fn}' must be one of ${metricNames.join(', ')}, got ${describeValue(metric)}`);
  if (!Number.isInteger(patience) || patience < 1) throw new Error(`Argument 'options.patience' passed to '${fn}' must be an integer >= 1, got ${describeValue(patience)}`);
  if (!(typeof factor === 'number' && factor > 0 && factor < 1)) throw new Error(`Argument 'options.factor' passed to '${fn}' must be a number in (0, 1), got ${describeValue(factor)}`);
  if (!(typeof minDelta === 'number' && minDelta >= 0)) throw new Error(`Argument 'options.minDelta' passed to '${fn}' must be a number >= 0, got ${describeValue(minDelta)}`);
  if (!(typeof minLearningRate === 'number' && minLearningRate >= 0)) {
    throw new Error(`Argument 'options.minLearningRate' passed to '${fn}' must be a number >= 0, got ${describeValue(minLearningRate)}`);
  }
  const sign = higherIsBetter(metric) ? 1 : -1;
  let state: PlateauState = { best: null, badEpochs: 0, scale: 1 };
  return {
    name: 'reduceLearningRateOnPlateau',
    onTrainBegin(context) {
      if (!context.config.metrics || !(context.config.metrics as string[]).includes(metric)) {
        throw new Error(`'${context.fn}': ${fn} watches validation '${metric}', which the run does not compute: add it to options.metrics (and give options.validation)`);
      }
    },
    onEpochBegin(_epoch, context) {
      // The loop has just set this epoch's scheduled rate.
      if (state.scale !== 1) setLearningRate(context.optimizer, Math.max(minLearningRate, learningRateOf(context.optimizer) * state.scale));
    },
    onEpochEnd(record) {
      const value = record.validation?.[metric];
      if (value === undefined) return;
      if (state.best === null || sign * (value - state.best) > minDelta) {
        state = { ...state, best: value, badEpochs: 0 };
      } else if (state.badEpochs + 1 >= patience) {
        state = { ...state, badEpochs: 0, scale: state.scale * factor };
      } else {
        state = { ...state, badEpochs: state.badEpochs + 1 };
      }
    },
    getState: () => ({ ...state }),
    setState(saved) {
      state = { ...(saved as PlateauState) };
    },
  };
}
