import * as v from 'valibot';
import { describeValue } from '@kd/core';
import { finiteNumber, integer, list, object, oneOf, problemsOf, variantOf } from './schema-problems';

const scheduleObject = variantOf('kind', [
  object({ kind: v.literal('step'), initial: finiteNumber(), factor: finiteNumber(), every: integer(1) }),
  object({ kind: v.literal('exponential'), initial: finiteNumber(), decay: finiteNumber() }),
  object({ kind: v.literal('linear'), from: finiteNumber(), to: finiteNumber(), epochs: integer(1) }),
  object({ kind: v.literal('cosine'), initial: finiteNumber(), final: v.optional(finiteNumber()), epochs: integer(1) }),
  object({ kind: v.literal('piecewise'), boundaries: list(integer(1), 'an array of increasing integers >= 1'), values: list(finiteNumber(), 'an array of finite numbers', 1) }),
]);

/** The schema of a {@link Schedule}: its type, its JSON Schema and its error messages. */
export const scheduleSchema = oneOf([finiteNumber(), scheduleObject], 'a number or a schedule object { kind, ... }');

/**
 * A value that changes with the epoch (learning rate, temperature, soft / hard weights), written
 * as plain JSON so a config file can hold it. It is a function of `k`, the number of epochs
 * completed before the epoch in question: epoch `n` (epochs are numbered from 1 everywhere in kd)
 * trains with the value at `k = n - 1`.
 *
 * - a number: constant;
 * - `{ kind: 'step', initial, factor, every }`: `initial * factor^floor(k / every)`;
 * - `{ kind: 'exponential', initial, decay }`: `initial * decay^k`;
 * - `{ kind: 'linear', from, to, epochs }`: a straight line from `from` (in epoch 1) to `to` once
 *   `epochs` epochs are done, then `to` (a warm-up or a ramp);
 * - `{ kind: 'cosine', initial, final, epochs }`: half a cosine from `initial` to `final` (default
 *   0) over `epochs` epochs, then `final`;
 * - `{ kind: 'piecewise', boundaries, values }`: `values[0]` for the first `boundaries[0]` epochs,
 *   `values[i]` once `boundaries[i - 1]` epochs are done (`values` has one more entry than
 *   `boundaries`).
 */
export type Schedule = v.InferOutput<typeof scheduleSchema>;

/** The schedule kinds {@link scheduleValue} knows. */
export const scheduleKinds = scheduleObject.options.map((option) => option.entries.kind.literal);

/**
 * The value of `schedule` once `epochsDone` epochs are complete: the value epoch `epochsDone + 1`
 * trains with (0 for the first epoch). Throws on a malformed schedule, naming `arg`.
 */
export function scheduleValue(schedule: Schedule, epochsDone: number, arg = 'schedule'): number {
  const problems = scheduleProblems(schedule, arg);
  if (problems.length > 0) throw new Error(`'scheduleValue': ${problems.join('; ')}`);
  if (!Number.isInteger(epochsDone) || epochsDone < 0) {
    throw new Error(`Argument 'epochsDone' passed to 'scheduleValue' must be an integer >= 0 (0 for the first epoch), got ${describeValue(epochsDone)}`);
  }
  const k = epochsDone;
  if (typeof schedule === 'number') return schedule;
  switch (schedule.kind) {
    case 'step':
      return schedule.initial * schedule.factor ** Math.floor(k / schedule.every);
    case 'exponential':
      return schedule.initial * schedule.decay ** k;
    case 'linear': {
      const t = Math.min(1, k / schedule.epochs);
      return schedule.from + (schedule.to - schedule.from) * t;
    }
    case 'cosine': {
      const final = schedule.final ?? 0;
      const t = Math.min(1, k / schedule.epochs);
      return final + ((schedule.initial - final) * (1 + Math.cos(Math.PI * t))) / 2;
    }
    case 'piecewise': {
      let i = 0;
      while (i < schedule.boundaries.length && k >= schedule.boundaries[i]!) i++;
      return schedule.values[i]!;
    }
  }
}

/**
 * The values a schedule must keep, as `lossOptionSpecs` of `@kd/losses` states them: a learning
 * rate `{ bound: 'nonNegative' }`, a temperature `{ bound: 'positive', max: 1000 }`.
 */
export interface ScheduleRange {
  /** `'positive'`: > 0; `'nonNegative'`: >= 0. */
  bound: 'positive' | 'nonNegative';
  /** The largest value allowed. Default none. */
  max?: number | undefined;
}

/**
 * The problem, if any, with the values a well-formed `schedule` takes over `epochs` epochs: the
 * first epoch whose value leaves `range`, named with `path` (`options.schedules.temperature:
 * must stay in (0, 1000] in every epoch, got 0 in epoch 5`). Checked before the first step, so a
 * schedule that goes below 0 in a late epoch never wastes the early ones.
 */
export function scheduleRangeProblems(schedule: Schedule, path: string, epochs: number, range: ScheduleRange): string[] {
  const positive = range.bound === 'positive';
  const { max } = range;
  const text = max === undefined ? (positive ? '> 0' : '>= 0') : `in ${positive ? '(' : '['}0, ${max}]`;
  // A constant has one value to check.
  for (let epoch = 1; epoch <= (typeof schedule === 'number' ? 1 : epochs); epoch++) {
    const value = scheduleValue(schedule, epoch - 1, path);
    if (Number.isFinite(value) && (positive ? value > 0 : value >= 0) && (max === undefined || value <= max)) continue;
    return [
      typeof schedule === 'number'
        ? `${path}: expected a finite number ${text}, got ${value}`
        : `${path}: must stay ${text} in every epoch, got ${value} in epoch ${epoch}`,
    ];
  }
  return [];
}

/**
 * Every problem with `schedule`, each prefixed by its path (`arg.field`); empty when it is valid.
 * The schema checks the shape; the order of piecewise boundaries and the count of its values are
 * checked here.
 */
export function scheduleProblems(schedule: unknown, path: string): string[] {
  const problems = problemsOf(scheduleSchema, schedule, path);
  if (problems.length > 0 || typeof schedule !== 'object' || (schedule as Schedule & object).kind !== 'piecewise') return problems;
  const { boundaries, values } = schedule as Extract<Schedule, { kind: 'piecewise' }>;
  if (!boundaries.every((b, i) => i === 0 || b > boundaries[i - 1]!)) {
    problems.push(`${path}.boundaries: expected increasing integers >= 1, got ${JSON.stringify(boundaries)}`);
  }
  if (values.length !== boundaries.length + 1) {
    problems.push(`${path}.values: expected ${boundaries.length + 1} values (one more than boundaries), got ${values.length}`);
  }
  return problems;
}
