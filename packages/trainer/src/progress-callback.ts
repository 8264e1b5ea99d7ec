import type { Callback } from './callback';
import { createProgressBar } from './progress-bar';
import type { ProgressBar, ProgressStream } from './progress-bar';

/**
 * The built-in callback behind `FitOptions.progress`: a bar per epoch with the running training
 * loss and the previous epoch's validation metrics.
 */
export function progressCallback(stream: ProgressStream, name: string | undefined): Callback {
  let bar: ProgressBar | undefined;
  let sum = 0;
  let shown: Record<string, number> = {};
  return {
    onEpochBegin(epoch, context) {
      sum = 0;
      bar = createProgressBar({ total: context.stepsPerEpoch, label: `${name ? `${name} ` : ''}epoch ${epoch}/${context.epochs}`, stream });
    },
    onBatchEnd({ batch, loss }) {
      sum += loss.total ?? 0;
      bar?.update(batch, { loss: sum / batch, ...shown });
    },
    onEpochEnd(record) {
      bar?.done();
      if (record.validation) shown = Object.fromEntries(Object.entries(record.validation).map(([k, v]) => [`val ${k}`, v]));
    },
    onTrainEnd() {
      // An aborted epoch ends without onEpochEnd: close its line.
      bar?.done();
    },
  };
}
