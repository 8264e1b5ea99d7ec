/** What happened in one epoch: one line of a JSON-lines log, one entry of a fit's history. */
export interface EpochRecord {
  /** The epoch, numbered from 1 (the number of epochs complete once it ends). */
  epoch: number;
  /** Optimizer steps taken so far, over all epochs. */
  step: number;
  /** Mean over the epoch's batches of each loss term: `total`, and `soft` / `hard` when distilling. */
  loss: Record<string, number>;
  /** Validation metrics at temperature 1, when a validation set is given. */
  validation?: Record<string, number>;
  learningRate: number;
  /**
   * Every numeric option of the loss in this epoch, defaults included and schedules applied (e.g.
   * `{ temperature: 4, softWeight: 1, hardWeight: 0.1 }`), when the loss says what it was built with.
   */
  lossOptions?: Record<string, number>;
  /** Wall-clock seconds the epoch took. */
  seconds: number;
  /** ISO time the epoch ended. */
  time: string;
}
