import type { LayersModel } from '@tensorflow/tfjs-layers';
import { jitter } from '@kd/data';
import { ensemble, layersModelTeacher } from '@kd/ensemble';
import type { Teacher } from '@kd/ensemble';
import { cacheEveryInput } from '@kd/ensemble/node';
import { join, resolve } from 'node:path';
import { fileSystem, writeFileAtomic } from '@kd/core/node';
import type { FolderLock } from '@kd/core/node';
import { buildModel, createDistiller, defaultMetrics, evaluate, modelDataProblems, reduceLearningRateOnPlateau, trainModel } from '@kd/trainer';
import type { EpochRecord, FitOptions, FitResult, ProgressStream } from '@kd/trainer';
import { checkpoints, jsonlLogger } from '@kd/trainer/node';
import { loadExperimentData } from './experiment-data';
import type { ExperimentConfig, TrainingConfig } from './experiment-config';
import { validateExperimentConfig } from './experiment-config';
import { checkRunFolder, claimRunFolder } from './claim-run-folder';
import { loadModelFolder } from './model-folder';
import { runFiles } from './run-folder';
import { savePredictions } from './save-predictions';

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  /** Folder that relative paths in the config (output, data, teacher models) start from. Default `process.cwd()`. */
  baseDir?: string;
  /**
   * Continue a killed run from the checkpoints in its output folder: each model goes on from its
   * newest checkpoint, or starts when it has none yet. The output folder must exist (a mistyped
   * one is an Error, never a fresh start) and hold a run of the same experiment: its `config.json`
   * may differ only in `name`, `output`, `baseline` and each model's `epochs`, `checkpointEvery`,
   * `metrics`, `earlyStopping` and `divergence`; anything else is an Error naming each difference.
   * Without `resume`, the output folder must be new or empty. Default false.
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
 * writes into `output`: `config.json`, `teacher/`, `student/`, `baseline/` (TensorFlow.js models),
 * checkpoints, `*-log.jsonl` (one line per epoch), `results.json` (test metrics),
 * `predictions.json` (for reports) and, with `training.teacherCache`, the teacher's outputs the
 * student read (`teacher-cache.safetensors`, built by `cacheEveryInput` of `@kd/ensemble/node`).
 *
 * Everything that can be judged before training is, before the output folder is created or
 * touched: the config (one error listing every problem and its path, schedules over every epoch
 * included), the folder (a run of another experiment is not continued, a run is not started over
 * one that exists), the data (no part may be empty) and the teacher models given by path. The
 * folder has one writer at a time: a second run into it fails at once.
 */
export async function runExperiment(config: ExperimentConfig, options: RunExperimentOptions = {}): Promise<ExperimentResult> {
  const problems = validateExperimentConfig(config);
  if (problems.length > 0) {
    throw new Error(`'runExperiment': the config has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }
  const base = options.baseDir ?? process.cwd();
  const output = resolve(base, config.output);
  const resume = options.resume === true;
  await checkRunFolder(output, config, resume);
  const seed = config.seed ?? 0;
  const { train, validation, transfer, test } = await loadExperimentData(config.data, { baseDir: base, seed });
  const inputShape = [...train.imageShape];
  const numClasses = train.numClasses;
  const models: LayersModel[] = [];
  let lock: FolderLock | undefined;
  try {
    const t = config.teacher;
    let teacherModel: LayersModel | undefined;
    let teacher: Teacher;
    // The models whose mean logits give the teacher's soft targets in the report (none for an arithmetic ensemble).
    let teacherLogitModels: LayersModel[];
    if ('train' in t) {
      teacherModel = buildModel(t.train.architecture, { inputShape, numClasses, seed });
      models.push(teacherModel);
      teacher = layersModelTeacher(teacherModel);
      teacherLogitModels = [teacherModel];
    } else {
      const paths = 'path' in t ? [['teacher.path', t.path]] : t.ensemble.map((path, i) => [`teacher.ensemble[${i}]`, path]);
      const found: string[] = [];
      for (const [key, path] of paths) {
        const dir = resolve(base, path!);
        const model = await loadModelFolder(dir, key!);
        models.push(model);
        found.push(...modelDataProblems(model, train, `data (for the model of ${key}, ${dir})`));
      }
      if (found.length > 0) throw new Error(`'runExperiment': ${found.join('; ')}`);
      const members = models.map((m) => layersModelTeacher(m));
      teacher = 'path' in t ? members[0]! : ensemble(members, { combine: t.combine ?? 'arithmetic' });
      teacherLogitModels = 'path' in t || (t.combine ?? 'arithmetic') !== 'arithmetic' ? [...models] : [];
    }
    const student = buildModel(config.student.architecture, { inputShape, numClasses, seed });
    models.push(student);
    // Built now, so that a loss the teacher cannot feed fails before the teacher trains.
    const distiller = createDistiller({ teacher, student, loss: config.loss });

    lock = await claimRunFolder(output, config, resume);
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
      ...metricsOf(training),
      ...(training.mixup !== undefined ? { mixup: training.mixup } : {}),
      ...(training.earlyStopping !== undefined ? { earlyStopping: training.earlyStopping } : {}),
      ...(training.divergence !== undefined ? { divergence: training.divergence } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      callbacks: [
        checkpoints({ dir: join(output, `${name}-checkpoints`), every: training.checkpointEvery ?? 1, resume: resume ? 'auto' : false }),
        jsonlLogger(join(output, `${name}-log.jsonl`)),
        ...(training.reduceLearningRateOnPlateau ? [reduceLearningRateOnPlateau(training.reduceLearningRateOnPlateau)] : []),
        ...(options.onEpochEnd ? [{ onEpochEnd: (record: EpochRecord) => options.onEpochEnd!(name, record) }] : []),
      ],
    });
    const stopIfAborted = (fit: FitResult): void => {
      if (fit.stopReason === 'aborted') options.signal?.throwIfAborted();
    };

    let teacherFit: FitResult | null = null;
    if (teacherModel && 'train' in t) {
      teacherFit = await trainModel(teacherModel, train, common(t.train, 'teacher'));
      stopIfAborted(teacherFit);
      await teacherModel.save(fileSystem(join(output, 'teacher')));
    }
    const { schedules, teacherCache, ...studentTraining } = config.training;
    const studentOptions: FitOptions = { ...common(studentTraining, 'student'), ...(schedules ? { schedules } : {}) };
    const temperature = (config.loss.options as { temperature?: number } | undefined)?.temperature;
    const cache = teacherCache
      ? await cacheEveryInput({ teacher, dataset: transfer, path: join(output, runFiles.teacherCache), ...(studentOptions.augment ? { augment: studentOptions.augment } : {}), ...(temperature !== undefined ? { temperature } : {}) })
      : null;
    let studentFit: FitResult;
    try {
      studentFit = await (cache ? createDistiller({ teacher: cache, student, loss: config.loss }) : distiller).fit(transfer, studentOptions);
    } finally {
      cache?.close();
    }
    stopIfAborted(studentFit);
    await student.save(fileSystem(join(output, 'student')));

    let baseline: ExperimentResult['baseline'] = null;
    if (config.baseline) {
      const model = buildModel(config.student.architecture, { inputShape, numClasses, seed });
      models.push(model);
      // The baseline has no teacher to agree with.
      const metrics = studentTraining.metrics?.filter((metric) => metric !== 'agreement');
      const fit = await trainModel(model, transfer, common({ ...studentTraining, ...(metrics ? { metrics } : {}) }, 'baseline'));
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
    await writeFileAtomic(join(output, runFiles.results), `${JSON.stringify(result, null, 2)}\n`);
    await savePredictions(output, { student, teacherLogitModels, test });
    return result;
  } finally {
    for (const model of models) model.dispose();
    await lock?.release();
  }
}

/** The validation metrics of a section: those it names (or the trainer's default), with the one its learning-rate plateau watches. */
function metricsOf(training: TrainingConfig): Pick<FitOptions, 'metrics'> {
  const watched = training.reduceLearningRateOnPlateau?.metric;
  if (watched === undefined) return training.metrics !== undefined ? { metrics: training.metrics } : {};
  return { metrics: [...new Set([...(training.metrics ?? defaultMetrics), watched])] };
}
