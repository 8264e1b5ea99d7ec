import * as v from 'valibot';
import { describeValue } from '@kd/core';
import { lossOptionSpecs } from '@kd/losses';
import type { LossKey, LossSpec } from '@kd/losses';
import {
  architectureSchema,
  expected,
  integer,
  list,
  metricNames,
  nonEmptyString,
  nonNegative,
  object,
  oneOf,
  oneOfValues,
  optimizerSchema,
  positive,
  problemsOf,
  safeInteger,
  scheduleRangeProblems,
  scheduleSchema,
  divergenceSchema,
  variantOf,
} from '@kd/trainer';

/*
 * The one source of truth of an experiment config: the valibot schema below gives the TypeScript
 * type (`ExperimentConfig`), the JSON Schema editors read (`experiment.schema.json`, generated from
 * it and checked by a test) and every error message (`validateExperimentConfig`). Architectures,
 * schedules and optimizers are @kd/trainer's schemas, the loss options @kd/losses's own table.
 */

function fraction(lower: 'open' | 'closed', upper: 'open' | 'closed') {
  const m = expected(`a number in ${lower === 'open' ? '(' : '['}0, 1${upper === 'open' ? ')' : ']'}`);
  return v.pipe(
    v.number(m),
    lower === 'open' ? v.gtValue(0, m) : v.minValue(0, m),
    upper === 'open' ? v.ltValue(1, m) : v.maxValue(1, m),
  );
}

function described<T extends v.GenericSchema>(schema: T, text: string) {
  return v.pipe(schema, v.description(text));
}

const metric = oneOfValues(metricNames);

const trainingEntries = {
  epochs: integer(1),
  /** Examples per step. Default 128. */
  batchSize: v.optional(integer(1)),
  /** Default `{ kind: 'adam', learningRate: 0.001 }`. */
  optimizer: v.optional(optimizerSchema),
  /** Input jitter: shift each image by up to this many pixels. Default 0. */
  jitter: v.optional(integer(0)),
  /** The paper's max-norm constraint on each unit's incoming weights. Default none. */
  maxNorm: v.optional(positive()),
  /** Validation metrics. Default `['accuracy', 'nll']`. */
  metrics: v.optional(list(metric, 'an array of metric names')),
  /** Stop once the validation `metric` has not improved for `patience` epochs; the best epoch's weights are put back unless `restoreBestWeights` is false. */
  earlyStopping: v.optional(object({ metric, patience: integer(1), minDelta: v.optional(nonNegative()), restoreBestWeights: v.optional(v.boolean(expected('a boolean'))) })),
  /** Multiply the learning rate by `factor` (default 0.1) once the validation `metric` has not improved for `patience` epochs; the metric is computed whether or not `metrics` names it. */
  reduceLearningRateOnPlateau: v.optional(
    object({ metric, patience: integer(1), factor: v.optional(fraction('open', 'open')), minDelta: v.optional(nonNegative()), minLearningRate: v.optional(nonNegative()) }),
  ),
  /** Mixup on every batch: inputs and labels (and, when distilling, the teacher's targets on the mixed inputs) mixed in pairs with a Beta(alpha, alpha) weight. Default off. */
  mixup: v.optional(object({ alpha: positive() })),
  /** Write a checkpoint every this many epochs. Default 1. */
  checkpointEvery: v.optional(integer(1)),
  /** The divergence guard (loss 100x the first step's, or accuracy fallen back to chance for 3 epochs): `false` turns it off. Default on. */
  divergence: v.optional(divergenceSchema),
};

const dataEntries = {
  /** Share of the training part held out for validation each epoch. Default 0.1. */
  validationFraction: v.optional(fraction('open', 'open')),
  /** Share of the (remaining) training part used as the transfer set. Default 1. */
  transferFraction: v.optional(fraction('open', 'closed')),
  /** Classes left out of the transfer set (the paper omits every 3). Default none. */
  omitClasses: v.optional(list(integer(0), 'an array of class ids')),
};

/** The losses a distiller can train with (not the feature losses), each with its options. */
const distillKeys = (Object.keys(lossOptionSpecs) as LossKey[]).filter((key) => lossOptionSpecs[key].needs.teacher !== 'features');
const lossSchema = variantOf(
  'key',
  distillKeys.map((key) => {
    const numeric = Object.entries(lossOptionSpecs[key].numeric);
    const options = object(
      Object.fromEntries(
        numeric.map(([name, spec]) => {
          const value = spec.bound === 'positive' ? positive(spec.max) : nonNegative(spec.max);
          return [name, spec.default === undefined ? value : v.optional(value)];
        }),
      ),
    );
    return object({ key: v.literal(key), options: numeric.some(([, spec]) => spec.default === undefined) ? options : v.optional(options) });
  }) as unknown as v.VariantOptions<'key'>,
) as unknown as v.GenericSchema<unknown, LossSpec<Exclude<LossKey, 'hint' | 'attentionTransfer'>>>;

/** The schema of an {@link ExperimentConfig}. */
export const experimentConfigSchema = object({
  $schema: v.optional(described(v.string(), "This file's JSON Schema, for editors: experiment.schema.json of @kd/cli.")),
  name: v.optional(described(nonEmptyString(), 'What the experiment is, in results and reports.')),
  seed: v.optional(described(safeInteger(), 'Seeds the data split, initial weights, batch order, augmentation and dropout. Default 0.')),
  output: described(nonEmptyString(), "Folder for models, checkpoints, logs and results.json, relative to the config's folder."),
  data: described(variantOf('source', [
    object({ source: v.literal('mnist-digits'), /** Share held out as the test set. Default 0.2. */ testFraction: v.optional(fraction('open', 'open')), ...dataEntries }),
    object({ source: v.literal('idx'), /** A folder of MNIST-format IDX files (MNIST, Fashion-MNIST). */ dir: nonEmptyString(), ...dataEntries }),
  ]), "Where the examples come from: the mnist package's 10,000 digits, or a folder of MNIST-format IDX files."),
  teacher: described(oneOf(
    [
      object({ train: object({ ...trainingEntries, architecture: architectureSchema }) }),
      object({ path: nonEmptyString() }),
      object({
        ensemble: list(nonEmptyString(), 'a non-empty array of model folders', 1),
        combine: v.optional(oneOfValues(['arithmetic', 'geometric', 'logits'])),
      }),
    ],
    'one of { train: {...} }, { path } or { ensemble: [paths] }',
  ), 'The teacher: trained here ({ train }), a saved model ({ path }) or an ensemble of saved models ({ ensemble }).'),
  student: described(object({ architecture: architectureSchema }), "The student's architecture."),
  loss: described(lossSchema, 'A loss of the @kd/losses registry by key, with its options, e.g. { "key": "distillation", "options": { "temperature": 20 } }.'),
  training: described(
    object({
      ...trainingEntries,
      schedules: v.optional(v.record(v.string(), scheduleSchema, expected('an object of schedules by loss option'))),
      teacherCache: v.optional(
        described(
          v.boolean(expected('a boolean')),
          "Score the teacher once on every input the student can be shown (with jitter, every shift of every image) into <output>/teacher-cache.safetensors, and distil from that file instead of running the teacher at every step. Not with mixup, whose inputs are new every step. Default false.",
        ),
      ),
    }),
    "The student's training; schedules set the loss's options (temperature, weights) per epoch.",
  ),
  baseline: v.optional(described(v.boolean(expected('a boolean')), 'Also train the student on hard labels alone, same steps and seed, for comparison. Default false.')),
});

/**
 * A whole experiment as JSON: data, teacher, student, loss, training and output. Nothing in it is
 * code: losses and architectures are named by key and described by numbers.
 */
export type ExperimentConfig = v.InferOutput<typeof experimentConfigSchema>;
/** Where an experiment's examples come from. */
export type DataConfig = ExperimentConfig['data'];
/** The teacher section of a config. */
export type TeacherConfig = ExperimentConfig['teacher'];
/** One model's training settings in a config. */
export type TrainingConfig = Omit<ExperimentConfig['training'], 'schedules' | 'teacherCache'>;

/**
 * Every problem with an experiment config, each as `path: expected ..., got ...` (e.g.
 * `loss.options.temperature: expected a finite number in (0, 1000], got 'x'`); empty when the
 * config is valid. Unknown keys are problems too, so a typo never silently falls back to a
 * default. Beyond the shape, what would only fail once training runs is found here too: a
 * schedule (of a learning rate or a loss option) that leaves its range in any epoch, and metrics
 * a model without a teacher cannot compute.
 */
export function validateExperimentConfig(config: unknown): string[] {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return [`(config): expected an object, got ${describeValue(config)}`];
  const problems = problemsOf(experimentConfigSchema, config, '');
  if (problems.length > 0) return problems;
  const { loss, training, teacher, baseline } = config as ExperimentConfig;
  const numeric = lossOptionSpecs[loss.key].numeric;
  for (const [name, schedule] of Object.entries(training.schedules ?? {})) {
    const spec = numeric[name];
    if (spec === undefined) {
      problems.push(`training.schedules.${name}: loss '${loss.key}' has no option '${name}' (its numeric options: ${Object.keys(numeric).join(', ')})`);
    } else {
      problems.push(...scheduleRangeProblems(schedule, `training.schedules.${name}`, training.epochs, spec));
    }
  }
  const sections: Array<[string, TrainingConfig]> = [...('train' in teacher ? [['teacher.train', teacher.train] as [string, TrainingConfig]] : []), ['training', training]];
  for (const [path, section] of sections) {
    if (section.optimizer) problems.push(...scheduleRangeProblems(section.optimizer.learningRate, `${path}.optimizer.learningRate`, section.epochs, { bound: 'nonNegative' }));
  }
  // The teacher trains alone, and the baseline too: neither has a teacher to agree with.
  if ('train' in teacher) problems.push(...agreementProblems(teacher.train, 'teacher.train', 'the teacher trains without one'));
  if (training.teacherCache) problems.push(...teacherCacheProblems(training, teacher, loss));
  if (baseline) problems.push(...agreementProblems({ earlyStopping: training.earlyStopping, reduceLearningRateOnPlateau: training.reduceLearningRateOnPlateau }, 'training', 'the baseline ("baseline": true) trains on these settings without one'));
  return problems;
}

/** Why a cache of the teacher's outputs cannot serve the student's training as configured. */
function teacherCacheProblems(training: ExperimentConfig['training'], teacher: TeacherConfig, loss: ExperimentConfig['loss']): string[] {
  const problems = agreementProblems(training, 'training', 'the teacher cache ("teacherCache": true) holds its outputs on the transfer set only, not on validation inputs');
  if (training.mixup) problems.push('training.teacherCache: mixup makes new inputs every step, which no cache holds: drop one of "mixup" and "teacherCache"');
  const probsOnly = 'ensemble' in teacher && (teacher.combine ?? 'arithmetic') === 'arithmetic';
  if (probsOnly && training.schedules?.temperature) {
    problems.push(`training.teacherCache: an arithmetic ensemble has no logits, so its cache holds soft targets at loss '${loss.key}''s one temperature; a schedules.temperature cannot be served: drop one of them`);
  }
  return problems;
}

function agreementProblems(section: Pick<TrainingConfig, 'metrics' | 'earlyStopping' | 'reduceLearningRateOnPlateau'>, path: string, why: string): string[] {
  const problems: string[] = [];
  if (section.metrics?.includes('agreement')) problems.push(`${path}.metrics: 'agreement' compares a model with its teacher, and ${why}`);
  for (const key of ['earlyStopping', 'reduceLearningRateOnPlateau'] as const) {
    if (section[key]?.metric === 'agreement') problems.push(`${path}.${key}.metric: 'agreement' compares a model with its teacher, and ${why}`);
  }
  return problems;
}
