import type { DataConfig } from '@kd/trainer';
import type { Dataset } from '@kd/data';
import { resolve } from 'node:path';

/**
 * The test set an experiment's `data` section describes, loaded the way `runExperiment` loads it
 * (same source, seed and test fraction), so `kd eval` and the report's predictions score the
 * same examples the run's `results.json` does.
 */
export async function loadTestSet(data: DataConfig, baseDir: string, seed: number): Promise<Dataset> {
  const { loadMnistDigits, loadMnistStyle } = await import('@kd/data');
  if (data.source === 'mnist-digits') {
    return (await loadMnistDigits({ seed, testFraction: data.testFraction ?? 0.2 })).test;
  }
  return (await loadMnistStyle(resolve(baseDir, data.dir))).test;
}
