/** The names of the sweep's axes, as they appear in cell ids and the results table. */
export const sweepParams = { temperature: 'temperature', softWeight: 'soft-weight' } as const;

/**
 * The experiment config of one sweep cell: `config` with the cell's temperature and soft-term
 * weight set in `loss.options` (the hard term gets `1 - softWeight`). The input is not changed.
 * A schedule for a swept value would silently override it every epoch, so that is an error.
 */
export function applySweepParams(config: unknown, params: Readonly<Record<string, number>>): unknown {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error('the experiment config must be a JSON object');
  }
  const copy = structuredClone(config) as Record<string, unknown>;
  const loss = { ...(copy.loss as Record<string, unknown> | undefined) };
  const options = { ...(loss.options as Record<string, unknown> | undefined) };
  const schedules = ((copy.training as Record<string, unknown> | undefined)?.schedules ?? {}) as Record<string, unknown>;
  const set = (key: string, value: number): void => {
    if (schedules[key] !== undefined) {
      throw new Error(`the experiment schedules ${key} (training.schedules.${key}): remove the schedule to sweep it`);
    }
    options[key] = value;
  };
  const temperature = params[sweepParams.temperature];
  const softWeight = params[sweepParams.softWeight];
  if (temperature !== undefined) set('temperature', temperature);
  if (softWeight !== undefined) {
    set('softWeight', softWeight);
    set('hardWeight', 1 - softWeight);
  }
  return { ...copy, loss: { ...loss, options } };
}
