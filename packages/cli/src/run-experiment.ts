import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { jitter } from '@kd/data';
import { ensemble, layersModelTeacher } from '@kd/ensemble';
import type { Teacher } from '@kd/ensemble';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileSystem, writeFileAtomic } from '@kd/core/node';
import { buildModel, createDistiller, evaluate, trainModel } from '@kd/trainer';
import type { EpochRecord, FitOptions, FitResult, ProgressStream } from '@kd/trainer';
import { checkpoints, jsonlLogger } from '@kd/trainer/node';
import { loadExperimentData } from './experiment-data';
import type { ExperimentConfig, TrainingConfig } from './experiment-config';
import { validateExperimentConfig } from './experiment-config';

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  /** Folder that relative paths in the config (output, data, teacher models) start from. Default `process.cwd()`. */
  baseDir?: string;
  /**
   * Continue a killed run from the checkpoints in its output folder: each model goes on from its
   * newest checkpoint, or starts when it has none yet. The output folder must exist: a mistyped
   * one is an Error, never a fresh start. Default false.
   */
  resume?: boolean;
  /**
   * Stops the current training cleanly at its next step (its checkpoint stays, for `resume`); the
   * experiment then rejects with the signal's reason (an `AbortError` by default) and writes no
   * `results.json`, since the later models were never trained.
   */
  signal?: AbortSignal;
  /** Called after every epoch of every model the experiment trains. */
  onEpochEnd?: (model: ExperimentModel, record: EpochRecord) => void | Promise<void>;
  /** Progress bars (terminal only). Default true. */
  progress?: boolean | ProgressStream;
}

/** The models an experiment trains. */
export type ExperimentModel = 'teacher' | 'student' | 'baseline';

/** Test-set metrics of one model. */
export type TestMetrics = Record<string, number>;

/** What {@link runExperiment} did; also written to `<output>/results.json`. */
export interface ExperimentResult {
  name: string | null;
  output: string;
  teacher: { test: TestMetrics; fit: FitResult | null };
  student: { test: TestMetrics; fit: FitResult };
  baseline: { test: TestMetrics; fit: FitResult } | null;
}

const testMetrics = ['accuracy', 'errorCount', 'nll', 'ece', 'brier'] as const;

/**
 * Runs an experiment described by a JSON config (see `ExperimentConfig`): loads the data, trains
 * or loads the teacher(s), distils the student, optionally trains the hard-label baseline, and
 * writes into `output`: `teacher/`, `student/`, `baseline/` (TensorFlow.js models), checkpoints,
 * `*-log.jsonl` (one line per epoch) and `results.json` (test metrics). An invalid config fails
 * before any work with one error listing every problem and its path.
 */
export async function runExperiment(config: ExperimentConfig, options: RunExperimentOptions = {}): Promise<ExperimentResult> {
  const problems = validateExperimentConfig(config);
  if (problems.length > 0) {
    throw new Error(`'runExperiment': the config has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }
  const base = options.baseDir ?? process.cwd();
  const output = resolve(base, config.output);
  if (options.resume && !(await stat(output).then((info) => info.isDirectory(), () => false))) {
    throw new Error(`'runExperiment': options.resume: there is no run folder ${output} to continue (to start the run, leave resume off)`);
  }
  await mkdir(output, { recursive: true });
  const seed = config.seed ?? 0;
  const { train, validation, transfer, test } = await loadExperimentData(config.data, { baseDir: base, seed });
  const common = (training: TrainingConfig, name: ExperimentModel): FitOptions => ({
    name,
    epochs: training.epochs,
    seed,
    validation,
    progress: options.progress ?? true,
    ...(training.batchSize !== undefined ? { batchSize: training.batchSize } : {}),
    ...(training.optimizer !== undefined ? { optimizer: training.optimizer } : {}),
    ...(training.jitter ? { augment: jitter({ maxShift: training.jitter }) } : {}),
    ...(training.maxNorm !== undefined ? { maxNorm: training.maxNorm } : {}),
    ...(training.metrics !== undefined ? { metrics: training.metrics } : {}),
    ...(training.earlyStopping !== undefined ? { earlyStopping: training.earlyStopping } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    callbacks: [
      checkpoints({ dir: join(output, `${name}-checkpoints`), every: training.checkpointEvery ?? 1, resume: options.resume ? 'auto' : false }),
      jsonlLogger(join(output, `${name}-log.jsonl`)),
      ...(options.onEpochEnd ? [{ onEpochEnd: (record: EpochRecord) => options.onEpochEnd!(name, record) }] : []),
    ],
  });
  const stopIfAborted = (fit: FitResult): void => {
    if (fit.stopReason === 'aborted') options.signal?.throwIfAborted();
  };
  const inputShape = [...train.imageShape];
  const numClasses = train.numClasses;
  const models: LayersModel[] = [];
  try {
    let teacher: Teacher;
    let teacherFit: FitResult | null = null;
    const t = config.teacher;
    if ('train' in t) {
      const model = buildModel(t.train.architecture, { inputShape, numClasses, seed });
      models.push(model);
      teacherFit = await trainModel(model, train, common(t.train, 'teacher'));
      stopIfAborted(teacherFit);
      await model.save(fileSystem(join(output, 'teacher')));
      teacher = layersModelTeacher(model);
    } else {
      const paths = 'path' in t ? [t.path] : t.ensemble;
      const loaded: LayersModel[] = [];
      for (const path of paths) loaded.push(await tfl.loadLayersModel(fileSystem(resolve(base, path))));
      models.push(...loaded);
      const members = loaded.map((m) => layersModelTeacher(m));
      teacher = 'path' in t ? members[0]! : ensemble(members, { combine: t.combine ?? 'arithmetic' });
    }

    const student = buildModel(config.student.architecture, { inputShape, numClasses, seed });
    models.push(student);
    const { schedules, ...studentTraining } = config.training;
    const studentFit = await createDistiller({ teacher, student, loss: config.loss }).fit(transfer, {
      ...common(studentTraining, 'student'),
      ...(schedules ? { schedules } : {}),
    });
    stopIfAborted(studentFit);
    await student.save(fileSystem(join(output, 'student')));

    let baseline: ExperimentResult['baseline'] = null;
    if (config.baseline) {
      const model = buildModel(config.student.architecture, { inputShape, numClasses, seed });
      models.push(model);
      const fit = await trainModel(model, transfer, common(studentTraining, 'baseline'));
      stopIfAborted(fit);
      await model.save(fileSystem(join(output, 'baseline')));
      baseline = { fit, test: evaluate(model, test, { metrics: testMetrics }) };
    }
    const result: ExperimentResult = {
      name: config.name ?? null,
      output,
      teacher: { test: evaluate(teacher, test, { metrics: ['accuracy', 'errorCount', 'nll'] }), fit: teacherFit },
      student: { fit: studentFit, test: evaluate(student, test, { metrics: [...testMetrics, 'agreement'], teacher }) },
      baseline,
    };
    await writeFileAtomic(join(output, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    for (const model of models) model.dispose();
  }
}
