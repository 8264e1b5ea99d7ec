import type { EpochRecord } from './epoch-record';
import type { MetricName } from './metrics';

/**
 * Why a run stopped: it ran every epoch, early stopping ended it, its `signal` aborted it (between
 * two steps), or a callback stopped it.
 */
export type StopReason = 'completed' | 'earlyStopping' | 'aborted' | 'stopped';

/** What a training run did. */
export interface FitResult {
  /** One record per epoch this call ran (a resumed run lists only the epochs after the checkpoint). */
  history: EpochRecord[];
  stopReason: StopReason;
  /** Epochs completed, in total (the last one's number). */
  epochs: number;
  /** Optimizer steps taken, in total. */
  steps: number;
  /** The last epoch of the checkpoint the run resumed from (it went on with the next), or null. */
  resumedFromEpoch: number | null;
  /**
   * The best validation value of the early-stopping metric and its epoch, when early stopping was
   * on; `inModel` is true when the model ends with that epoch's weights (restored, or it was the
   * last epoch).
   */
  best: { metric: MetricName; value: number; epoch: number; inModel: boolean } | null;
}
