import type { EpochRecord } from '@kd/trainer';
import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readJsonFile, readJsonLines } from './json-file';
import type { CellOutcome } from './sweep';

/** Predictions of a run's final model on one split, saved for the report. */
export interface RunPredictions {
  split: string;
  labels: number[];
  /** The final model's logits, one row per example. */
  logits: number[][];
  /** The teacher's logits for the same examples, when the run distilled. */
  teacherLogits?: number[][];
  classNames?: string[];
}

/** What `kd report` reads from a run folder. */
export interface RunFolder {
  dir: string;
  name: string;
  config: unknown;
  epochs: EpochRecord[];
  /** Final metrics by split (`validation`, `test`). */
  metrics: Record<string, Record<string, number>> | undefined;
  predictions: RunPredictions | undefined;
}

/** File names inside a run folder. */
export const runFiles = {
  config: 'config.json',
  log: 'log.jsonl',
  metrics: 'metrics.json',
  predictions: 'predictions.json',
} as const;

/** Reads a run folder; the log and config must be there, metrics and predictions may not. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  if (!(await exists(dir))) throw new Error(`run folder ${dir} does not exist`);
  const config = await readJsonFile(join(dir, runFiles.config), 'run config');
  const epochs = (await readJsonLines(join(dir, runFiles.log), 'training log')) as EpochRecord[];
  const metricsPath = join(dir, runFiles.metrics);
  const predictionsPath = join(dir, runFiles.predictions);
  return {
    dir,
    name: basename(dir),
    config,
    epochs,
    metrics: (await exists(metricsPath))
      ? (await readJsonFile(metricsPath, 'run metrics')) as RunFolder['metrics']
      : undefined,
    predictions: (await exists(predictionsPath))
      ? (await readJsonFile(predictionsPath, 'run predictions')) as RunPredictions
      : undefined,
  };
}

/** The validation and test metrics of a finished run: what a sweep cell reports. */
export async function readRunOutcome(dir: string): Promise<CellOutcome> {
  const metrics = (await readJsonFile(join(dir, runFiles.metrics), 'run metrics')) as RunFolder['metrics'];
  if (!metrics?.validation) {
    throw new Error(`run metrics in ${dir} have no validation metrics: give the experiment a validation set`);
  }
  return metrics.test ? { validation: metrics.validation, test: metrics.test } : { validation: metrics.validation };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
