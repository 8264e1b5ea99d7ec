import type { ParseArgsConfig } from 'node:util';
import { nameList } from './flags';
import type { RunOptions } from './training';

/**
 * How a student trains: `early-stop` (the common `--patience` and `--lr-plateau`) or `cosine`
 * (every epoch runs, the learning rate on half a cosine from its start to 0, the best validation
 * epoch's weights kept: a long schedule fixed in advance, Beyer et al. 2022's patient teaching).
 */
export type Schedule = 'early-stop' | 'cosine';
export const scheduleNames: readonly Schedule[] = ['early-stop', 'cosine'];

/** The flag of the schedules (`--schedules`), as parseArgs options. */
export const scheduleOptions = { schedules: { type: 'string' } } as const satisfies NonNullable<ParseArgsConfig['options']>;

/** `--schedules`, checked (an Error names the flag and the names it takes); nothing when not given. */
export function scheduleFlags(values: Record<string, string | boolean | undefined>): { schedules?: Schedule[] } {
  const text = values.schedules as string | undefined;
  return text === undefined ? {} : { schedules: nameList('--schedules', text, scheduleNames) };
}

/** Training options under `schedule`. */
export function scheduleRun<R extends Partial<RunOptions>>(run: R, schedule: Schedule): R {
  return schedule === 'cosine' ? { ...run, cosine: true } : run;
}

/**
 * One model per schedule of `schedules`, trained and scored by `train`, in order; the chosen one
 * has the fewest validation errors (ties to the earlier). Another seed passes its one choice.
 */
export async function trainSchedules<M extends { validationErrors: number }>(
  schedules: readonly Schedule[],
  train: (schedule: Schedule) => Promise<M>,
): Promise<{ candidates: Array<M & { schedule: Schedule }>; chosen: M & { schedule: Schedule } }> {
  const candidates: Array<M & { schedule: Schedule }> = [];
  for (const schedule of schedules) candidates.push({ ...(await train(schedule)), schedule });
  if (candidates.length === 0) throw new Error("'trainSchedules': no schedules");
  return { candidates, chosen: candidates.reduce((best, m) => (m.validationErrors < best.validationErrors ? m : best)) };
}
