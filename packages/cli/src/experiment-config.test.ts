import { validateExperimentConfig } from '@kd/cli';
import type { ExperimentConfig } from '@kd/cli';
import { describe, expect, it } from 'vitest';

const valid: ExperimentConfig = {
  name: 'mnist-t20',
  seed: 1,
  output: 'runs/mnist-t20',
  data: { source: 'mnist-digits', testFraction: 0.2, validationFraction: 0.1, omitClasses: [3] },
  teacher: {
    train: {
      architecture: { type: 'mlp', hidden: [1200, 1200], dropout: 0.5, inputDropout: 0.2 },
      epochs: 20,
      jitter: 2,
      maxNorm: 3.5,
      optimizer: { kind: 'sgd', learningRate: { kind: 'exponential', initial: 0.1, decay: 0.95 }, momentum: 0.9 },
    },
  },
  student: { architecture: { type: 'mlp', hidden: [800, 800] } },
  loss: { key: 'distillation', options: { temperature: 20, hardWeight: 0.1 } },
  training: {
    epochs: 20,
    batchSize: 100,
    schedules: { temperature: { kind: 'linear', from: 20, to: 8, epochs: 10 } },
    earlyStopping: { metric: 'errorCount', patience: 3 },
  },
  baseline: true,
};

describe('validateExperimentConfig', () => {
  it.each<[string, unknown]>([
    ['a full config', valid],
    ['a saved teacher', { ...valid, teacher: { path: 'runs/x/teacher' } }],
    ['an ensemble of saved teachers', { ...valid, teacher: { ensemble: ['a', 'b'], combine: 'geometric' } }],
    ['IDX files and a CNN student', { ...valid, data: { source: 'idx', dir: '/usr/share/datasets/fashion-mnist' }, student: { architecture: { type: 'cnn', filters: [32, 64] } } }],
  ])('accepts %s', (_, config) => {
    expect(validateExperimentConfig(config)).toEqual([]);
  });

  it('reports every problem with its path in the config', () => {
    const bad = {
      ...valid,
      seed: 1.5,
      colour: 'red',
      data: { source: 'mnist-digits', testFraction: 2, omitClasses: [3, -1] },
      teacher: { train: { architecture: { type: 'mlp', hidden: [0] }, epochs: 0, optimizer: { kind: 'rmsprop', learningRate: 0.1 } } },
      student: { architecture: { type: 'transformer' } },
      loss: { key: 'distillation', options: { temperature: 'x' } },
      training: { epochs: 2, metrics: ['accuracy', 'f1'], schedules: { temperature: { kind: 'step', initial: 1, factor: 0.5 } } },
    };
    expect(validateExperimentConfig(bad)).toEqual([
      'seed: expected a safe integer, got 1.5',
      'data.testFraction: expected a number in (0, 1), got 2',
      'data.omitClasses[1]: expected an integer >= 0, got -1',
      'teacher.train.epochs: expected an integer >= 1, got 0',
      "teacher.train.optimizer.kind: expected one of 'sgd', 'adam', got 'rmsprop'",
      'teacher.train.architecture.hidden[0]: expected an integer >= 1, got 0',
      "student.architecture.type: expected one of 'mlp', 'cnn', got 'transformer'",
      "loss.options.temperature: expected a finite number in (0, 1000], got 'x'",
      "training.metrics[1]: expected one of 'accuracy', 'errorCount', 'top5Accuracy', 'nll', 'ece', 'brier', 'agreement', got 'f1'",
      'training.schedules.temperature.every: required, got nothing',
      'colour: unknown key (expected one of $schema, name, seed, output, data, teacher, student, loss, training, baseline)',
    ]);
  });

  it("checks the loss's options against the registry's own table, and schedules against them", () => {
    expect(validateExperimentConfig({ ...valid, loss: { key: 'distillation', options: { temprature: 4 } } })).toEqual([
      'loss.options.temperature: required, got nothing',
      'loss.options.temprature: unknown key (expected one of temperature, softWeight, hardWeight)',
    ]);
    expect(validateExperimentConfig({ ...valid, loss: { key: 'magic' } })).toEqual([
      "loss.key: expected one of 'distillation', 'logitMatching', 'decoupledKd', 'dist', got 'magic'",
    ]);
    expect(validateExperimentConfig({ ...valid, loss: { key: 'decoupledKd', options: { temperature: 4, beta: 8 } } })).toEqual([
      'loss.options.beta: unknown key (expected one of temperature, tckdWeight, nckdWeight, hardWeight)',
    ]);
    expect(validateExperimentConfig({ ...valid, training: { ...valid.training, schedules: { nckdWeight: 8 } } })).toEqual([
      "training.schedules.nckdWeight: loss 'distillation' has no option 'nckdWeight' (its numeric options: temperature, softWeight, hardWeight)",
    ]);
  });

  // Each passed the check and failed once training ran: after the teacher trained, or (a schedule)
  // in the epoch where it left its range.
  it.each<[string, (config: ExperimentConfig) => unknown, string[]]>([
    ['no validation examples', (c) => ({ ...c, data: { ...c.data, validationFraction: 0 } }), ['data.validationFraction: expected a number in (0, 1), got 0']],
    ['a negative learning rate', (c) => ({ ...c, training: { ...c.training, optimizer: { kind: 'adam', learningRate: -0.001 } } }), ['training.optimizer.learningRate: expected a finite number >= 0, got -0.001']],
    [
      "a teacher's learning rate that goes below 0",
      (c) => ({ ...c, teacher: { train: { ...(c.teacher as { train: object }).train, optimizer: { kind: 'sgd', learningRate: { kind: 'linear', from: 0.1, to: -0.1, epochs: 2 } } } } }),
      ['teacher.train.optimizer.learningRate: must stay >= 0 in every epoch, got -0.1 in epoch 3'],
    ],
    ['an absurd temperature', (c) => ({ ...c, loss: { key: 'distillation', options: { temperature: 1e30 } } }), ['loss.options.temperature: expected a finite number in (0, 1000], got 1e+30']],
    [
      'a temperature schedule past the maximum',
      (c) => ({ ...c, training: { ...c.training, schedules: { temperature: { kind: 'exponential', initial: 20, decay: 2 } } } }),
      ['training.schedules.temperature: must stay in (0, 1000] in every epoch, got 1280 in epoch 7'],
    ],
    [
      "'agreement' for models without a teacher",
      (c) => ({ ...c, teacher: { train: { ...(c.teacher as { train: object }).train, metrics: ['agreement'] } }, training: { ...c.training, earlyStopping: { metric: 'agreement', patience: 2 } } }),
      [
        "teacher.train.metrics: 'agreement' compares a model with its teacher, and the teacher trains without one",
        `training.earlyStopping.metric: 'agreement' compares a model with its teacher, and the baseline ("baseline": true) trains on these settings without one`,
      ],
    ],
    [
      "a teacher cache of an arithmetic ensemble's soft targets under a temperature schedule",
      (c) => ({ ...c, teacher: { ensemble: ['a', 'b'] }, training: { ...c.training, teacherCache: true } }),
      [
        "training.teacherCache: an arithmetic ensemble has no logits, so its cache holds soft targets at loss 'distillation''s one temperature; a schedules.temperature cannot be served: drop one of them",
      ],
    ],
    ['a divergence guard that would fire at once', (c) => ({ ...c, training: { ...c.training, divergence: { lossFactor: 1 } } }), ['training.divergence.lossFactor: expected a finite number > 1, got 1']],
  ])('refuses %s, naming the key and the value', (_, edit, problems) => {
    expect(validateExperimentConfig(edit(valid))).toEqual(problems);
  });

  it('accepts the training recipes: a learning-rate plateau, mixup, early stopping that keeps the last weights', () => {
    const training = {
      ...valid.training,
      reduceLearningRateOnPlateau: { metric: 'errorCount', patience: 4, factor: 0.2, minLearningRate: 1e-6 },
      mixup: { alpha: 0.2 },
      earlyStopping: { metric: 'errorCount', patience: 10, restoreBestWeights: false },
    };
    expect(validateExperimentConfig({ ...valid, training })).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a plateau factor of 1', { reduceLearningRateOnPlateau: { metric: 'nll', patience: 2, factor: 1 } }, ['training.reduceLearningRateOnPlateau.factor: expected a number in (0, 1), got 1']],
    ['a mixup alpha of 0', { mixup: { alpha: 0 } }, ['training.mixup.alpha: expected a finite number > 0, got 0']],
    ['restoreBestWeights as a string', { earlyStopping: { metric: 'nll', patience: 2, restoreBestWeights: 'yes' } }, ["training.earlyStopping.restoreBestWeights: expected a boolean, got 'yes'"]],
    [
      "a plateau on 'agreement' with a baseline",
      { reduceLearningRateOnPlateau: { metric: 'agreement', patience: 2 } },
      [`training.reduceLearningRateOnPlateau.metric: 'agreement' compares a model with its teacher, and the baseline ("baseline": true) trains on these settings without one`],
    ],
    ['a teacher cache that is not a boolean', { teacherCache: 'yes' }, ["training.teacherCache: expected a boolean, got 'yes'"]],
    ['a teacher cache with mixup', { teacherCache: true, mixup: { alpha: 0.2 } }, ['training.teacherCache: mixup makes new inputs every step, which no cache holds: drop one of "mixup" and "teacherCache"']],
    [
      "a teacher cache with 'agreement' on validation data",
      { teacherCache: true, metrics: ['agreement'] },
      [`training.metrics: 'agreement' compares a model with its teacher, and the teacher cache ("teacherCache": true) holds its outputs on the transfer set only, not on validation inputs`],
    ],
  ])('refuses %s in the training recipes', (_, edit, problems) => {
    expect(validateExperimentConfig({ ...valid, training: { ...valid.training, ...edit } })).toEqual(problems);
  });

  it("accepts a teacher cache with jitter, and of a logit-mean ensemble under a temperature schedule (its cache holds logits)", () => {
    expect(validateExperimentConfig({ ...valid, training: { ...valid.training, jitter: 1, teacherCache: true } })).toEqual([]);
    expect(validateExperimentConfig({ ...valid, teacher: { ensemble: ['a', 'b'], combine: 'logits' }, training: { ...valid.training, teacherCache: true } })).toEqual([]);
  });

  it('accepts the divergence guard turned off, and a learning rate that warms up from 0', () => {
    expect(validateExperimentConfig({ ...valid, training: { ...valid.training, divergence: false, optimizer: { kind: 'adam', learningRate: { kind: 'linear', from: 0, to: 0.001, epochs: 2 } } } })).toEqual([]);
  });

  it('names missing sections and wrong shapes', () => {
    expect(validateExperimentConfig({ output: 'x', teacher: { model: 'x' }, student: {}, loss: { key: 'distillation' }, training: { epochs: 1 } })).toEqual([
      'data: required, got nothing',
      'teacher: expected one of { train: {...} }, { path } or { ensemble: [paths] }, got an object with keys model',
      'student.architecture: required, got nothing',
      'loss.options: required, got nothing',
    ]);
    expect(validateExperimentConfig([])).toEqual(['(config): expected an object, got an array']);
  });

  it('takes the $schema key editors use', () => {
    expect(validateExperimentConfig({ ...valid, $schema: './node_modules/@kd/cli/experiment.schema.json' })).toEqual([]);
  });
});
