import { scheduleRangeProblems, scheduleValue } from '@kd/trainer';
import type { Schedule } from '@kd/trainer';
import { describe, expect, it } from 'vitest';

describe('scheduleValue', () => {
  it.each<[Schedule, number[]]>([
    [0.1, [0.1, 0.1, 0.1]],
    [{ kind: 'step', initial: 1, factor: 0.5, every: 2 }, [1, 1, 0.5, 0.5, 0.25]],
    [{ kind: 'exponential', initial: 2, decay: 0.5 }, [2, 1, 0.5]],
    [{ kind: 'linear', from: 0.5, to: 0.99, epochs: 2 }, [0.5, 0.745, 0.99, 0.99]],
    [{ kind: 'cosine', initial: 1, epochs: 2 }, [1, 0.5, 0, 0]],
    [{ kind: 'cosine', initial: 1, final: 0.2, epochs: 4 }, [1, 0.2 + 0.4 * (1 + Math.SQRT1_2), 0.6]],
    [{ kind: 'piecewise', boundaries: [2, 4], values: [20, 10, 1] }, [20, 20, 10, 10, 1, 1]],
  ])('%j gives %j in epochs 1, 2, ... (after 0, 1, ... epochs)', (schedule, expected) => {
    expected.forEach((value, done) => expect(scheduleValue(schedule, done)).toBeCloseTo(value, 12));
  });

  it.each<[unknown, RegExp]>([
    [{ kind: 'step', initial: 1, factor: 'x', every: 0 }, /lr\.factor: expected a finite number, got 'x'; lr\.every: expected an integer >= 1, got 0/],
    [{ kind: 'warp' }, /lr\.kind: expected one of 'step', .*, got 'warp'/],
    [{ kind: 'piecewise', boundaries: [3, 2], values: [1, 2, 3] }, /lr\.boundaries: expected increasing integers >= 1/],
    [{ kind: 'step', initial: 1, factor: 0.5 }, /lr\.every: required, got nothing/],
    [{ kind: 'step', initial: 1, factor: 0.5, every: 1, by: 2 }, /lr\.by: unknown key \(expected one of kind, initial, factor, every\)/],
    [{ kind: 'piecewise', boundaries: [3], values: [1] }, /lr\.values: expected 2 values/],
    [Number.POSITIVE_INFINITY, /lr: expected a finite number, got Infinity/],
    ['0.1', /lr: expected a number or a schedule object/],
  ])('rejects %j with every problem and its path', (schedule, message) => {
    expect(() => scheduleValue(schedule as Schedule, 0, 'lr')).toThrow(message);
  });

  it('takes the number of epochs done', () => {
    expect(() => scheduleValue(1, -1)).toThrow("Argument 'epochsDone' passed to 'scheduleValue' must be an integer >= 0 (0 for the first epoch), got -1");
  });
});

describe('scheduleRangeProblems', () => {
  it.each<[Schedule, number, Parameters<typeof scheduleRangeProblems>[3], string[]]>([
    [0.001, 5, { bound: 'nonNegative' }, []],
    [-0.001, 5, { bound: 'nonNegative' }, ['lr: expected a finite number >= 0, got -0.001']],
    [{ kind: 'linear', from: 1, to: -1, epochs: 4 }, 3, { bound: 'nonNegative' }, []],
    [{ kind: 'linear', from: 1, to: -1, epochs: 4 }, 5, { bound: 'nonNegative' }, ['lr: must stay >= 0 in every epoch, got -0.5 in epoch 4']],
    [{ kind: 'linear', from: 1, to: 0, epochs: 2 }, 3, { bound: 'positive' }, ['lr: must stay > 0 in every epoch, got 0 in epoch 3']],
    [{ kind: 'exponential', initial: 20, decay: 100 }, 3, { bound: 'positive', max: 1000 }, ['lr: must stay in (0, 1000] in every epoch, got 2000 in epoch 2']],
    [1e30, 1, { bound: 'positive', max: 1000 }, ['lr: expected a finite number in (0, 1000], got 1e+30']],
  ])('%j over %i epochs in %j: %j', (schedule, epochs, range, problems) => {
    expect(scheduleRangeProblems(schedule, 'lr', epochs, range)).toEqual(problems);
  });
});
