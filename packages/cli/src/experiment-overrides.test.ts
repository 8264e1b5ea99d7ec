import { describe, expect, it } from 'vitest';
import { applySweepParams } from './experiment-overrides';

const config = {
  output: 'runs/x',
  loss: { key: 'distillation', options: { temperature: 1, softWeight: 0.5, hardWeight: 0.5, extra: 3 } },
  training: { epochs: 2 },
};

describe('applySweepParams', () => {
  it('sets the temperature and both weights in loss.options, leaving the input alone', () => {
    const before = structuredClone(config);
    expect(applySweepParams(config, { temperature: 20, 'soft-weight': 0.9 })).toEqual({
      ...config,
      loss: { key: 'distillation', options: { temperature: 20, softWeight: 0.9, hardWeight: 1 - 0.9, extra: 3 } },
    });
    expect(config).toEqual(before);
  });

  it('creates loss.options when the config has none, and sets only what the cell varies', () => {
    expect(applySweepParams({ loss: { key: 'distillation' } }, { temperature: 4 })).toEqual({
      loss: { key: 'distillation', options: { temperature: 4 } },
    });
  });

  it('refuses to sweep a scheduled value and a config that is not an object', () => {
    const scheduled = { ...config, training: { epochs: 2, schedules: { softWeight: { kind: 'linear', from: 0, to: 1 } } } };
    expect(() => applySweepParams(scheduled, { temperature: 2 })).not.toThrow();
    expect(() => applySweepParams(scheduled, { 'soft-weight': 0.5 })).toThrow(
      'the experiment schedules softWeight (training.schedules.softWeight): remove the schedule to sweep it',
    );
    expect(() => applySweepParams([1], { temperature: 2 })).toThrow('the experiment config must be a JSON object');
  });
});
