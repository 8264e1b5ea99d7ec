import * as v from 'valibot';
import type { Dataset } from '@kd/data';
import type { Callback } from './callback';
import { expected, integer, object, oneOf } from './schema-problems';

const factor = (() => {
  const m = expected('a finite number > 1');
  return v.pipe(v.number(m), v.finite(m), v.gtValue(1, m));
})();

/** The schema of `FitOptions.divergence`: `false`, or the guard's options. */
export const divergenceSchema = oneOf(
  [
    v.literal(false),
    object({
      /** Stop once an epoch's mean loss exceeds this multiple of the first step's loss. Default 100. */
      lossFactor: v.optional(factor),
      /** Stop once validation accuracy, after being above chance, has fallen to chance for this many epochs in a row. Default 3. */
      chanceEpochs: v.optional(integer(1)),
    }),
  ],
  'false or an object { lossFactor?, chanceEpochs? }',
);

/** `FitOptions.divergence`: `false` turns the guard off; an object tunes it. */
export type DivergenceOptions = v.InferOutput<typeof divergenceSchema>;

/**
 * The built-in callback behind `FitOptions.divergence` (on by default): a run that diverges without
 * a NaN (a learning rate far too high trains to a loss of 5e10 and chance accuracy) stops with an
 * Error, as the NaN guard does, before the epoch that shows it is checkpointed, naming the last
 * checkpoint. Its rule, checked after every epoch:
 *
 * - the epoch's mean loss is more than `lossFactor` (100) times the loss of the run's first step,
 *   the model as it was given (when that loss is > 0). A loss that rises a hundredfold is not
 *   learning, whatever a schedule does to the loss's weights; or
 * - validation `accuracy` (when it is a metric and the validation set has labels), once above
 *   chance in an earlier epoch, has fallen to no better than always answering the validation set's
 *   most common class, for `chanceEpochs` (3) epochs in a row. A model that has not yet risen
 *   above chance (a slow start, a hard problem) is left to learn.
 *
 * The first step's loss is kept in checkpoints, so a resumed run is judged by the same rule.
 */
export function divergenceGuard(options: Exclude<DivergenceOptions, false>, validation: Dataset | undefined): Callback {
  const lossFactor = options.lossFactor ?? 100;
  const chanceEpochs = options.chanceEpochs ?? 3;
  const counts = validation ? Array.from(validation.classCounts()) : [];
  const labelled = counts.reduce((a, b) => a + b, 0);
  const chance = labelled > 0 ? Math.max(...counts) / labelled : undefined;
  let firstLoss: number | null = null;
  return {
    name: 'divergenceGuard',
    onBatchEnd({ loss }) {
      firstLoss ??= loss.total ?? null;
    },
    onEpochEnd(record, context) {
      const total = record.loss.total;
      let why: string | undefined;
      if (firstLoss !== null && firstLoss > 0 && total !== undefined && total > lossFactor * firstLoss) {
        why = `its mean loss, ${show(total)}, is more than ${lossFactor} times the loss of the first step (${show(firstLoss)})`;
      } else if (chance !== undefined) {
        const accuracies = context.state.history.map((r) => r.validation?.accuracy ?? Number.NaN);
        const recent = accuracies.slice(-chanceEpochs);
        const fell = accuracies.slice(0, -chanceEpochs).some((accuracy) => accuracy > chance);
        if (fell && recent.length === chanceEpochs && recent.every((accuracy) => accuracy <= chance)) {
          why = `validation accuracy has fallen to no better than always answering the most common class (${show(chance)}) for ${chanceEpochs} epochs in a row (${recent.map(show).join(', ')}; it reached ${show(Math.max(...accuracies.slice(0, -chanceEpochs)))} before)`;
        }
      }
      if (why === undefined) return;
      throw new Error(
        `'${context.fn}': training diverged in epoch ${record.epoch}: ${why}${context.lastCheckpoint ? `; the last checkpoint, from before this epoch, is ${context.lastCheckpoint}` : ''} (the divergence guard: options.divergence tunes it, false turns it off)`,
      );
    },
    getState: () => ({ firstLoss }),
    setState(saved) {
      firstLoss = (saved as { firstLoss: number | null }).firstLoss;
    },
  };
}

function show(value: number): string {
  return String(Number(value.toPrecision(4)));
}
