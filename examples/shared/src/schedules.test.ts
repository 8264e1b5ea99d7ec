import { describe, expect, it } from 'vitest';
import { scheduleFlags, scheduleRun, trainSchedules } from './schedules';

describe('schedules', () => {
  it('reads --schedules, and nothing when not given', () => {
    expect(scheduleFlags({ schedules: 'early-stop, cosine' })).toEqual({ schedules: ['early-stop', 'cosine'] });
    expect(scheduleFlags({})).toEqual({});
  });

  it('refuses a schedule it does not know, naming the flag and the names it takes', () => {
    expect(() => scheduleFlags({ schedules: 'patient' })).toThrow("--schedules must be a list of early-stop, cosine, got 'patient'");
  });

  it('turns the cosine schedule on and leaves early stopping as it is', () => {
    const run = { seed: 1, progress: false, patience: 10 };
    expect(scheduleRun(run, 'cosine')).toEqual({ ...run, cosine: true });
    expect(scheduleRun(run, 'early-stop')).toBe(run);
  });

  it('trains one model per schedule in order and keeps the fewest validation errors, ties to the earlier', async () => {
    const errors = { 'early-stop': 5, cosine: 5 };
    const order: string[] = [];
    const { candidates, chosen } = await trainSchedules(['early-stop', 'cosine'], async (schedule) => {
      order.push(schedule);
      return { validationErrors: errors[schedule] };
    });
    expect(order).toEqual(['early-stop', 'cosine']);
    expect(candidates).toEqual([
      { validationErrors: 5, schedule: 'early-stop' },
      { validationErrors: 5, schedule: 'cosine' },
    ]);
    expect(chosen.schedule).toBe('early-stop');
    errors.cosine = 4;
    expect((await trainSchedules(['early-stop', 'cosine'], async (schedule) => ({ validationErrors: errors[schedule] }))).chosen.schedule).toBe('cosine');
    await expect(trainSchedules([], async () => ({ validationErrors: 0 }))).rejects.toThrow('no schedules');
  });
});
