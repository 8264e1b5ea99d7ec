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
 * that other tools (`kd eval`, reports) score the very examples a run was scored on. A section that
 * leaves a part empty (a fraction that rounds to no example, `omitClasses` covering every class, a
 * data folder without examples) or names a class the data lacks is one Error naming each key (or
 * file) and its value, before anything trains.
 */
export async function loadExperimentData(data: DataConfig, options: ExperimentDataOptions = {}): Promise<ExperimentData> {
  const seed = options.seed ?? 0;
  const parts =
    data.source === 'mnist-digits'
      ? await loadMnistDigits({ seed, testFraction: data.testFraction ?? 0.2 })
      : await loadMnistStyle(resolve(options.baseDir ?? process.cwd(), data.dir)).catch((error: Error) => {
          throw dataError([`data.dir: ${error.message}`]);
        });
  const problems: string[] = [];
  const none = (part: Dataset, key: string, what: string): boolean => {
    if (part.size > 0) return false;
    problems.push(`${key}: ${what}`);
    return true;
  };
  if (data.source === 'idx') none(parts.test, 'data.dir', `${parts.test.source} holds no test examples`);
  else none(parts.test, 'data.testFraction', `${data.testFraction} of the ${parts.train.size + parts.test.size} digits is no test example`);
  if (none(parts.train, 'data.dir', `${parts.train.source} holds no training examples`)) throw dataError(problems);
  const validationFraction = data.validationFraction ?? 0.1;
  const { train, test: validation } = parts.train.split({ testFraction: validationFraction, seed });
  const of = `of the ${parts.train.size} training examples`;
  none(validation, 'data.validationFraction', `${validationFraction} ${of} is no validation example`);
  none(train, 'data.validationFraction', `${validationFraction} ${of} leaves none to train on`);
  const unknown = (data.omitClasses ?? []).filter((c) => c >= train.numClasses);
  if (unknown.length > 0) problems.push(`data.omitClasses: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a class' : 'are not classes'} of the data (0 to ${train.numClasses - 1})`);
  if (problems.length > 0) throw dataError(problems);
  let transfer =
    data.transferFraction !== undefined && data.transferFraction < 1
      ? train.subsample({ fraction: data.transferFraction, seed })
      : train;
  const sampled = transfer.size;
  if (!none(transfer, 'data.transferFraction', `${data.transferFraction} of the ${train.size} training examples left after validation is no transfer example`) && data.omitClasses?.length) {
    transfer = transfer.withoutClasses(data.omitClasses);
    none(transfer, 'data.omitClasses', `[${data.omitClasses.join(', ')}] leaves no transfer example: all ${sampled} are of those classes`);
  }
  if (problems.length > 0) throw dataError(problems);
  return { train, validation, transfer, test: parts.test };
}

function dataError(problems: string[]): Error {
  return new Error(`'loadExperimentData': ${problems.join('; ')}`);
}
