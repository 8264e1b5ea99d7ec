import { describeValue } from '@kd/core';

/**
 * A value that changes with the epoch (learning rate, temperature, soft / hard weights), written
 * as plain JSON so a config file can hold it. Epochs count from 0.
 *
 * - a number: constant;
 * - `{ kind: 'step', initial, factor, every }`: `initial * factor^floor(epoch / every)`;
 * - `{ kind: 'exponential', initial, decay }`: `initial * decay^epoch`;
 * - `{ kind: 'linear', from, to, epochs }`: a straight line from `from` at epoch 0 to `to` at
 *   epoch `epochs`, then `to` (a warm-up or a ramp);
 * - `{ kind: 'cosine', initial, final, epochs }`: half a cosine from `initial` to `final` (default
 *   0) over `epochs`, then `final`;
 * - `{ kind: 'piecewise', boundaries, values }`: `values[i]` from epoch `boundaries[i - 1]` on
 *   (`values` has one more entry than `boundaries`).
 */
export type Schedule =
  | number
  | { kind: 'step'; initial: number; factor: number; every: number }
  | { kind: 'exponential'; initial: number; decay: number }
  | { kind: 'linear'; from: number; to: number; epochs: number }
  | { kind: 'cosine'; initial: number; final?: number; epochs: number }
  | { kind: 'piecewise'; boundaries: number[]; values: number[] };

/** The schedule kinds {@link scheduleValue} knows. */
export const scheduleKinds = ['step', 'exponential', 'linear', 'cosine', 'piecewise'] as const;

/**
 * The value of `schedule` at `epoch` (0-based). Throws on a malformed schedule, naming `arg`.
 */
export function scheduleValue(schedule: Schedule, epoch: number, arg = 'schedule'): number {
  const problems = scheduleProblems(schedule, arg);
  if (problems.length > 0) throw new Error(`'scheduleValue': ${problems.join('; ')}`);
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new Error(`Argument 'epoch' passed to 'scheduleValue' must be an integer >= 0, got ${describeValue(epoch)}`);
  }
  if (typeof schedule === 'number') return schedule;
  switch (schedule.kind) {
    case 'step':
      return schedule.initial * schedule.factor ** Math.floor(epoch / schedule.every);
    case 'exponential':
      return schedule.initial * schedule.decay ** epoch;
    case 'linear': {
      const t = Math.min(1, epoch / schedule.epochs);
      return schedule.from + (schedule.to - schedule.from) * t;
    }
    case 'cosine': {
      const final = schedule.final ?? 0;
      const t = Math.min(1, epoch / schedule.epochs);
      return final + ((schedule.initial - final) * (1 + Math.cos(Math.PI * t))) / 2;
    }
    case 'piecewise': {
      let i = 0;
      while (i < schedule.boundaries.length && epoch >= schedule.boundaries[i]!) i++;
      return schedule.values[i]!;
    }
  }
}

/**
 * Every problem with `schedule`, each prefixed by its path (`arg.field`); empty when it is valid.
 * Shared by {@link scheduleValue} and the config validator.
 */
export function scheduleProblems(schedule: unknown, path: string): string[] {
  if (typeof schedule === 'number') {
    return Number.isFinite(schedule) ? [] : [`${path}: expected a finite number, got ${describeValue(schedule)}`];
  }
  if (schedule === null || typeof schedule !== 'object' || Array.isArray(schedule)) {
    return [`${path}: expected a number or a schedule object { kind, ... }, got ${describeValue(schedule)}`];
  }
  const s = schedule as Record<string, unknown>;
  const problems: string[] = [];
  const finite = (key: string): void => {
    if (typeof s[key] !== 'number' || !Number.isFinite(s[key])) {
      problems.push(`${path}.${key}: expected a finite number, got ${describeValue(s[key])}`);
    }
  };
  const positiveInt = (key: string): void => {
    if (typeof s[key] !== 'number' || !Number.isInteger(s[key]) || (s[key] as number) < 1) {
      problems.push(`${path}.${key}: expected an integer >= 1, got ${describeValue(s[key])}`);
    }
  };
  switch (s.kind) {
    case 'step':
      finite('initial');
      finite('factor');
      positiveInt('every');
      break;
    case 'exponential':
      finite('initial');
      finite('decay');
      break;
    case 'linear':
      finite('from');
      finite('to');
      positiveInt('epochs');
      break;
    case 'cosine':
      finite('initial');
      if (s.final !== undefined) finite('final');
      positiveInt('epochs');
      break;
    case 'piecewise': {
      const { boundaries, values } = s;
      if (!Array.isArray(boundaries) || !boundaries.every((b, i) => Number.isInteger(b) && b > (i === 0 ? 0 : boundaries[i - 1]))) {
        problems.push(`${path}.boundaries: expected increasing integers > 0, got ${JSON.stringify(boundaries)}`);
      }
      if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        problems.push(`${path}.values: expected an array of finite numbers, got ${JSON.stringify(values)}`);
      } else if (Array.isArray(boundaries) && values.length !== boundaries.length + 1) {
        problems.push(
          `${path}.values: expected ${boundaries.length + 1} values (one more than boundaries), got ${values.length}`,
        );
      }
      break;
    }
    default:
      problems.push(`${path}.kind: expected one of ${scheduleKinds.map((k) => `'${k}'`).join(', ')}, got ${describeValue(s.kind)}`);
  }
  return problems;
}
