/** The names of the sweep's axes, as they appear in cell ids and the results table. */
export const sweepParams = { temperature: 'temperature', softWeight: 'soft-weight' } as const;

/**
 * The experiment config of one sweep cell: `config` with the cell's temperature and soft-term
 * weight set (the hard term gets `1 - softWeight`). The input is not changed.
 */
export function applySweepParams(config: unknown, params: Readonly<Record<string, number>>): unknown {
  const copy = structuredClone(config) as Record<string, unknown>;
  const distillation = { ...(copy.distillation as Record<string, unknown> | undefined) };
  const temperature = params[sweepParams.temperature];
  const softWeight = params[sweepParams.softWeight];
  if (temperature !== undefined) distillation.temperature = temperature;
  if (softWeight !== undefined) {
    distillation.softWeight = softWeight;
    distillation.hardWeight = 1 - softWeight;
  }
  return { ...copy, distillation };
}
