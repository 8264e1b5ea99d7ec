import { readJsonFile } from '@kd/core/node';
import type { EpochRecord } from '@kd/trainer';
import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readJsonLines } from './json-file';
import type { ExperimentResult } from './run-experiment';
import type { CellOutcome } from './sweep';

/** Predictions of a run's final student on its test set, saved by `kd run` for the report. */
export interface RunPredictions {
  split: string;
  labels: number[];
  /** The student's logits, one row per example. */
  logits: number[][];
  /**
   * Logits whose softmax at T is the teacher's soft targets at T, when the teacher has them (a
   * single model, or an ensemble combined geometrically or by logits).
   */
  teacherLogits?: number[][];
  classNames?: string[];
}

/** The models a run trains, each with its own JSON-lines log. */
export const runRoles = ['teacher', 'student', 'baseline'] as const;
export type RunRole = (typeof runRoles)[number];

/** What `kd report` reads from a run folder. */
export interface RunFolder {
  dir: string;
  name: string;
  /** One record per epoch, by model; a model that was loaded, not trained, has none. */
  logs: Partial<Record<RunRole, EpochRecord[]>>;
  /** `results.json`, once the run finished. */
  results: ExperimentResult | undefined;
  predictions: RunPredictions | undefined;
  /** What was read with a repair (a log's torn last line skipped), for the reader to show. */
  warnings: string[];
}

/** File names inside a run folder (the trainer's, plus what `kd run` adds). */
export const runFiles = {
  config: 'config.json',
  results: 'results.json',
  predictions: 'predictions.json',
  /** The teacher's outputs the student read, with `training.teacherCache`. */
  teacherCache: 'teacher-cache.safetensors',
  log: (role: RunRole) => `${role}-log.jsonl`,
} as const;

/** Reads a run folder written by `kd run` (or `runExperiment`); only the student's log is required. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  if (!(await exists(dir))) throw new Error(`run folder ${dir} does not exist`);
  const logs: RunFolder['logs'] = {};
  const warnings: string[] = [];
  for (const role of runRoles) {
    const path = join(dir, runFiles.log(role));
    if (role === 'student' || (await exists(path))) {
      logs[role] = (await readJsonLines(path, `${role} training log`, (warning) => warnings.push(warning))) as EpochRecord[];
    }
  }
  return {
    dir,
    name: basename(dir),
    logs,
    results: await readOptionalJson<ExperimentResult>(join(dir, runFiles.results), 'run results'),
    predictions: await readOptionalJson<RunPredictions>(join(dir, runFiles.predictions), 'run predictions'),
    warnings,
  };
}

/**
 * What a sweep cell reports from its finished run: the student's validation metrics after its
 * last epoch (the model that was saved), and its test metrics from `results.json`.
 */
export async function readRunOutcome(dir: string): Promise<CellOutcome> {
  const results = (await readJsonFile(join(dir, runFiles.results), 'run results')) as ExperimentResult;
  const log = (await readJsonLines(join(dir, runFiles.log('student')), 'student training log')) as EpochRecord[];
  const validation = log.at(-1)?.validation;
  if (!validation) {
    throw new Error(`the student log in ${dir} has no validation metrics: give the experiment a validation set`);
  }
  return { validation, test: results.student.test };
}

async function readOptionalJson<T>(path: string, what: string): Promise<T | undefined> {
  return (await exists(path)) ? ((await readJsonFile(path, what)) as T) : undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
