import { loadMnistDigits, loadMnistStyle } from '@kd/data';
import type { Dataset } from '@kd/data';
import { resolve } from 'node:path';
import type { DataConfig } from './experiment-config';

/** Options of {@link loadExperimentData}. */
export interface ExperimentDataOptions {
  /** Folder that `data.dir` is relative to. Default `process.cwd()`. */
  baseDir?: string;
  /** The experiment's seed: it seeds the test split (mnist digits), validation split and subsample. */
  seed?: number;
}

/** The four parts of an experiment's data. */
export interface ExperimentData {
  /** What the teacher trains on: the training part less the validation part. */
  train: Dataset;
  /** Held out of `train`, evaluated every epoch; hyperparameters are chosen on it. */
  validation: Dataset;
  /** What the student learns from: `train`, subsampled (`transferFraction`) and without `omitClasses`. */
  transfer: Dataset;
  /** Scored once, at the end. */
  test: Dataset;
}

/**
 * Loads the data an experiment's `data` section describes, exactly as `runExperiment` does, so
 * that other tools (`kd eval`, reports) score the very examples a run was scored on.
 */
export async function loadExperimentData(data: DataConfig, options: ExperimentDataOptions = {}): Promise<ExperimentData> {
  const seed = options.seed ?? 0;
  const parts =
    data.source === 'mnist-digits'
      ? await loadMnistDigits({ seed, testFraction: data.testFraction ?? 0.2 })
      : await loadMnistStyle(resolve(options.baseDir ?? process.cwd(), data.dir));
  const { train, test: validation } = parts.train.split({ testFraction: data.validationFraction ?? 0.1, seed });
  let transfer =
    data.transferFraction !== undefined && data.transferFraction < 1
      ? train.subsample({ fraction: data.transferFraction, seed })
      : train;
  if (data.omitClasses?.length) transfer = transfer.withoutClasses(data.omitClasses);
  return { train, validation, transfer, test: parts.test };
}
