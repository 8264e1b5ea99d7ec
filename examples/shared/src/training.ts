import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { jitter } from '@kd/data';
import type { Dataset } from '@kd/data';
import { cacheEveryInput } from '@kd/ensemble/node';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import { sha256 } from '@kd/core';
import { fileSystem, modelFileNames, writeFileAtomic } from '@kd/core/node';
import { buildModel, createDistiller, evaluate, predictLogits, reduceLearningRateOnPlateau, trainModel } from '@kd/trainer';
import type { Architecture, Callback, DistillerArgs, EpochRecord, FitOptions, FitResult } from '@kd/trainer';
import { checkpoints } from '@kd/trainer/node';
import type { ExampleData } from './data';
import type { CommonFlags } from './flags';
import { paperTeacher } from './architectures';
import { scheduleRun } from './schedules';
import type { Schedule } from './schedules';

/** What the examples vary between training runs; everything else is fixed (Adam, lr 0.001, batch 128). */
export interface RunOptions {
  /** Epochs to train for; with `patience`, the most epochs to train for. */
  epochs: number;
  /**
   * Train to convergence judged on validation data: stop once the validation errors have not
   * improved for this many epochs, and keep the weights of the best epoch. Needs `validation`.
   */
  patience?: number;
  /**
   * Cut the learning rate by 5x once the validation errors have not improved for this many epochs
   * (`reduceLearningRateOnPlateau`): with `patience` longer, training goes on at a smaller step.
   */
  plateau?: number;
  seed: number;
  /** Evaluated after every epoch, for the learning curves. Default none. */
  validation?: Dataset;
  /** Progress bars on a terminal, and one line per epoch on stdout. */
  progress: boolean;
  /** Names the model in the per-epoch lines. */
  label?: string;
  /** Adam's learning rate. Default 0.001. */
  learningRate?: number;
  /**
   * A long schedule fixed in advance instead of early stopping: every one of `epochs` runs, the
   * learning rate falls on half a cosine from its start to 0, and the weights of the epoch with the
   * fewest validation errors are kept. `patience` and `plateau` are then not used. Needs `validation`.
   */
  cosine?: boolean;
  /** Shift each training image by up to this many pixels (when distilling from a live teacher, it scores the shifted image). Default 0. */
  jitterPixels?: number;
  /** Mixup on every batch, λ ~ Beta(alpha, alpha) (when distilling, the live teacher scores the mixed images). Default none. */
  mixupAlpha?: number;
  /**
   * A checkpoint after every epoch into this folder, and the run continues from the newest one there
   * (a run killed partway goes on from its last epoch and ends as an uninterrupted one would). Default none.
   */
  checkpointDir?: string;
}

/** A trained model, its training history and how long it took. */
export interface Trained {
  model: LayersModel;
  /** `history` has every epoch of the run, those before a resume included. Null for a model loaded without its history. */
  fit: FitResult | null;
  /** Training time, that of the epochs before a resume included. */
  seconds: number;
}

function fitOptions(options: RunOptions): FitOptions {
  const validation = options.validation;
  const cosine = options.cosine === true;
  if (cosine && !validation) throw new Error("RunOptions 'cosine' keeps the weights of the best validation epoch: give 'validation'");
  const learningRate = options.learningRate ?? 0.001;
  const plateau = !cosine && options.plateau !== undefined && validation ? [reduceLearningRateOnPlateau({ metric: 'errorCount', patience: options.plateau, factor: 0.2 })] : [];
  // With the cosine schedule, a patience of every epoch never stops early: it only keeps the best weights.
  const patience = cosine ? options.epochs : options.patience;
  const errors = (r: EpochRecord) => (validation ? `, ${r.validation!.errorCount} validation errors / ${validation.size}` : '');
  return {
    epochs: options.epochs,
    seed: options.seed,
    ...(validation ? { validation, metrics: ['accuracy', 'errorCount'] as const } : {}),
    ...(patience !== undefined ? { earlyStopping: { metric: 'errorCount' as const, patience } } : {}),
    ...(options.jitterPixels ? { augment: jitter({ maxShift: options.jitterPixels }) } : {}),
    ...(options.mixupAlpha !== undefined ? { mixup: { alpha: options.mixupAlpha } } : {}),
    progress: options.progress,
    batchSize: 128,
    optimizer: { kind: 'adam', learningRate: cosine ? { kind: 'cosine', initial: learningRate, final: 0, epochs: options.epochs } : learningRate },
    callbacks: [
      ...plateau,
      ...(options.checkpointDir !== undefined ? checkpointCallbacks(options.checkpointDir, options.label ?? 'model', options.progress) : []),
      ...(options.progress
        ? [
            {
              onEpochEnd: (r: EpochRecord) =>
                console.log(`  ${options.label ?? 'model'} epoch ${r.epoch}/${options.epochs}: loss ${r.loss.total!.toFixed(4)}${errors(r)}, learning rate ${Number(r.learningRate.toPrecision(3))} (${r.seconds.toFixed(1)} s)`),
            },
          ]
        : []),
    ],
  };
}

/** Checkpoints into `dir` after every epoch, continuing from the newest one there, and says so when it does. */
function checkpointCallbacks(dir: string, label: string, progress: boolean): Callback[] {
  const continuing: Callback = {
    onTrainBegin: (context) => {
      if (progress && context.state.epoch > 0) console.log(`  ${label}: continuing after epoch ${context.state.epoch}, from the checkpoint in ${dir}`);
    },
  };
  return [checkpoints({ dir, resume: 'auto' }), continuing];
}

/**
 * Runs `fit` under the options of `options` and times it: the history and the time of the whole
 * run, those of the epochs before a resume included.
 */
async function timedFit(model: LayersModel, options: RunOptions, fit: (o: FitOptions) => Promise<FitResult>): Promise<Trained> {
  const started = performance.now();
  const o = fitOptions(options);
  let history: EpochRecord[] = [];
  const result = await fit({ ...o, callbacks: [...(o.callbacks ?? []), { onTrainEnd: (_, context) => void (history = [...context.state.history]) }] });
  const before = history.slice(0, history.length - result.history.length);
  return { model, fit: { ...result, history }, seconds: (performance.now() - started) / 1000 + before.reduce((sum, r) => sum + r.seconds, 0) };
}

function inputShape(data: Dataset): number[] {
  return [...data.imageShape];
}

/**
 * Trains a model on hard labels. `jitterPixels` > 0 shifts each training image by up to that many
 * pixels (the paper's teacher used 2); the student baselines use none.
 */
export async function trainOnLabels(spec: Architecture, data: Dataset, options: RunOptions & { modelSeed?: number }): Promise<Trained> {
  return trainModelOnLabels(buildModel(spec, { inputShape: inputShape(data), numClasses: data.numClasses, seed: options.modelSeed ?? options.seed }), data, options);
}

/** {@link trainOnLabels} for a model that already exists (a specialist initialised from its generalist). */
export async function trainModelOnLabels(model: LayersModel, data: Dataset, options: RunOptions): Promise<Trained> {
  return timedFit(model, options, (o) => trainModel(model, data, o));
}

/** A loss of the registry by key, as `createDistiller` takes it. */
export type LossSpec = Extract<DistillerArgs['loss'], { key: string }>;

/** The distillation loss's settings. */
export interface DistillSettings {
  temperature: number;
  softWeight: number;
  hardWeight: number;
}

/**
 * Distils a fresh `spec` student from `teacher` (a frozen teacher or a cache of its outputs) on
 * `transfer`, with the distillation loss of `settings`, or another loss of the registry given as
 * `{ key, options }`. With `jitterPixels`, pass the live teacher or a cache of every shift
 * ({@link withTeacherCache}); with `mixupAlpha`, the live teacher: it scores exactly the mixed
 * images the student sees, which no cache holds.
 */
export async function distilStudent(
  teacher: Teacher | TeacherCache,
  spec: Architecture,
  transfer: Dataset,
  settings: DistillSettings | LossSpec,
  options: RunOptions & { modelSeed?: number },
): Promise<Trained> {
  const student = buildModel(spec, { inputShape: inputShape(transfer), numClasses: transfer.numClasses, seed: options.modelSeed ?? options.seed });
  const distiller = createDistiller({
    teacher,
    student,
    loss: 'key' in settings ? settings : { key: 'distillation', options: { ...settings } },
  });
  return timedFit(student, options, (o) => distiller.fit(transfer, o));
}

/**
 * Runs `body` with a cache of `teacher`'s logits on `transfer`: on its images as they are, or with
 * `jitterPixels`, on every shift of them, so a jittered student reads the teacher's outputs on the
 * very shifted images it sees, for any number of epochs, instead of running the teacher every
 * step (the same bits where the backend computes a row alike in any batch, as the native one does
 * in batches of 2 rows or more: cnn-distill's jittered student came out identical). A teacher
 * without logits (an arithmetic-mean ensemble) is cached as its soft targets at `temperature`, the
 * only temperature the cache then serves. The cache file lives in the temporary folder and is
 * removed afterwards.
 */
export async function withTeacherCache<T>(
  teacher: Teacher,
  transfer: Dataset,
  body: (cache: TeacherCache) => Promise<T>,
  options: { temperature?: number; jitterPixels?: number } = {},
): Promise<T> {
  const path = join(tmpdir(), `kd-examples-teacher-${process.pid}-${Date.now()}.safetensors`);
  const { temperature, jitterPixels } = options;
  const cache = await cacheEveryInput({
    teacher,
    dataset: transfer,
    path,
    ...(jitterPixels ? { augment: jitter({ maxShift: jitterPixels }) } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
  });
  try {
    return await body(cache);
  } finally {
    cache.close();
    rmSync(path, { force: true });
  }
}

/**
 * What every model of one seed trains with, from the common flags: its seed and validation data,
 * progress unless `--quick`, early stopping (`--patience`), learning-rate cuts (`--lr-plateau`),
 * and the quick run's larger learning rate.
 */
export function seedRunOptions(flags: CommonFlags, seed: number, validation: Dataset): Omit<RunOptions, 'epochs'> {
  return {
    seed,
    validation,
    progress: !flags.quick,
    ...(flags.patience !== null ? { patience: flags.patience } : {}),
    ...(flags.plateau !== null ? { plateau: flags.plateau } : {}),
    ...(flags.quick ? { learningRate: 0.005 } : {}),
  };
}

/** One model's errors, and how long it trained. */
export interface ModelErrors {
  validationErrors: number;
  testErrors: number;
  seconds: number;
  /** Validation errors after each epoch. */
  validationCurve: number[];
  /** Epochs trained, and the one whose weights were kept (the last without early stopping). */
  epochs: number;
  bestEpoch: number;
}

/** Epochs `t` trained, and the one whose weights it holds (the last without early stopping). */
export function trainedEpochs(t: Trained): { epochs: number; bestEpoch: number } {
  const epochs = t.fit?.epochs ?? validationErrorsPerEpoch(t.fit).length;
  return { epochs, bestEpoch: t.fit?.best?.inModel ? t.fit.best.epoch : epochs };
}

/** A trained model's errors on validation and test (the test set is read here, once per model). */
export function modelErrors(t: Trained, data: ExampleData): ModelErrors {
  return {
    validationErrors: errorCount(t.model, data.validation),
    testErrors: errorCount(t.model, data.test),
    seconds: Math.round(t.seconds),
    validationCurve: validationErrorsPerEpoch(t.fit),
    ...trainedEpochs(t),
  };
}

/** Awaits `trained`, scores it ({@link modelErrors}), reports it under `name` and disposes its model. */
export async function scoreAndDispose(name: string, trained: Promise<Trained>, data: ExampleData, report: (name: string, e: ModelErrors) => void): Promise<ModelErrors> {
  const t = await trained;
  const e = modelErrors(t, data);
  report(name, e);
  t.model.dispose();
  return e;
}

/** Prints one line per model of a seed: its validation and test errors, best epoch and time. */
export function modelErrorsReporter(seed: number, testSize: number): (name: string, e: ModelErrors) => void {
  return (name, e) =>
    console.log(`seed ${seed} ${name}: ${e.validationErrors} validation errors, ${e.testErrors} test errors / ${testSize} (best epoch ${e.bestEpoch} of ${e.epochs}, ${e.seconds} s)`);
}

/** Test or validation errors of `model` on `data`, at T = 1, dropout off. */
export function errorCount(model: LayersModel, data: Dataset): number {
  return evaluate(model, data, { metrics: ['errorCount'] }).errorCount!;
}

/** Validation errors after each epoch (empty without validation or history). */
export function validationErrorsPerEpoch(fit: FitResult | null): number[] {
  if (fit === null) return [];
  return fit.history.filter((r) => r.validation).map((record) => record.validation!.errorCount!);
}

/** A line chart's series from validation errors recorded per epoch (epochs 1, 2, ...). */
export function curveLine(name: string, curve: readonly number[]): { name: string; points: Array<[number, number]> } {
  return { name, points: curve.map((errors, i) => [i + 1, errors]) };
}

/**
 * The model's probabilities at T = 1 for every example of `data`, in order, as a plain array
 * (rows of `numClasses`), for the combinations and statistics the examples compute.
 */
export function predictProbs(model: LayersModel, data: Dataset): Float32Array {
  return tf.tidy(() => tf.softmax(predictLogits(model, data)).dataSync() as Float32Array);
}

/**
 * How long the models trained, for a summary: fixed epochs, or to convergence on validation data
 * (early stopping, the learning-rate cuts); `models` names the ones it says this of.
 */
export function convergenceText(patience: number | null, plateau: number | null, models = 'every model'): string {
  if (patience === null && plateau === null) return '';
  const parts = [
    ...(patience !== null ? [`${models} early-stopped on validation errors (patience ${patience}), its best epoch's weights kept`] : []),
    ...(plateau !== null ? [`its learning rate cut 5x after ${plateau} epochs without fewer validation errors`] : []),
  ];
  return `; ${parts.join(', ')}`;
}

/** A model trained once and kept: what {@link cachedTraining} needs to know. */
export interface CachedTrainingOptions {
  /** Everything the weights depend on besides the data set (architecture, recipe, seed): names the folder. */
  key: Record<string, unknown>;
  /** Quick runs always train and keep nothing. */
  quick: boolean;
  label: string;
}

/**
 * Trains with `train()` once and keeps the model with its training history in
 * `<os.tmpdir()>/kd-examples-models/`, or loads them from there: the examples share their teachers
 * (mnist-distill, omitted-class, soft-targets and temperature-sweep distil from the same one), the
 * candidates a choice on validation data is made between, ensemble members and long students, and
 * these are the longest trainings of each run. `train` gets the options that give its run a
 * checkpoint folder (`RunOptions.checkpointDir`; none on a quick run): a run killed partway
 * continues from its last epoch when the same command runs again; the checkpoints go once the
 * model is kept. The folder name holds the data
 * set's fingerprint and `key` (a long key shortened, its hash appended).
 */
export async function cachedTraining(data: Dataset, options: CachedTrainingOptions, train: (resumable: Pick<RunOptions, 'checkpointDir'>) => Promise<Trained>): Promise<Trained & { loaded: boolean }> {
  const keyText = JSON.stringify(options.key);
  const readable = keyText.replace(/[^a-z0-9.]+/gi, '_');
  const name = [data.fingerprint(), readable.length <= 180 ? readable : `${readable.slice(0, 160)}_${sha256().update(keyText).digest().slice(0, 16)}`].join('-');
  const dir = join(tmpdir(), 'kd-examples-models', name);
  const checkpointDir = join(dir, 'checkpoints');
  const fitFile = join(dir, 'fit.json');
  if (!options.quick && existsSync(join(dir, modelFileNames.modelJson)) && existsSync(fitFile)) {
    const started = performance.now();
    const model = await loadLayersModel(fileSystem(dir));
    const { fit, seconds } = JSON.parse(readFileSync(fitFile, 'utf8')) as { fit: FitResult; seconds: number };
    console.log(`  ${options.label}: loaded the one an earlier run trained (${Math.round(seconds)} s then), from ${dir}`);
    return { model, fit, seconds: seconds + (performance.now() - started) / 1000, loaded: true };
  }
  const trained = await train(options.quick ? {} : { checkpointDir });
  if (!options.quick) {
    await trained.model.save(fileSystem(dir));
    await writeFileAtomic(fitFile, JSON.stringify({ fit: trained.fit, seconds: trained.seconds }));
    rmSync(checkpointDir, { recursive: true, force: true });
  }
  return { ...trained, loaded: false };
}

/**
 * A model trained by `train(options)` once and kept (see {@link cachedTraining}), a run killed
 * partway continuing from its last epoch: `key` names what its weights depend on besides the data
 * set and `options` (the architecture, the teacher, the loss); the folder name adds what `options`
 * trains with (epochs, schedule, learning rate, seed, augmentation).
 */
export function keptTraining(
  data: Dataset,
  key: Record<string, unknown>,
  options: RunOptions & { quick: boolean; modelSeed?: number },
  train: (options: RunOptions & { modelSeed?: number }) => Promise<Trained>,
): Promise<Trained & { loaded: boolean }> {
  const { quick, ...run } = options;
  const trainedWith = {
    epochs: run.epochs,
    ...(run.cosine ? { cosine: true } : { patience: run.patience ?? null, plateau: run.plateau ?? null }),
    lr: run.learningRate ?? 0.001,
    seed: run.seed,
    ...(run.modelSeed !== undefined ? { modelSeed: run.modelSeed } : {}),
    ...(run.jitterPixels ? { jitter: run.jitterPixels } : {}),
    ...(run.mixupAlpha !== undefined ? { mixup: run.mixupAlpha } : {}),
  };
  return cachedTraining(data, { key: { ...key, ...trainedWith }, quick, label: run.label ?? 'model' }, (resumable) => train({ ...run, ...resumable }));
}

/**
 * A teacher for a seed: `spec` trained on labels with up to `jitterPixels` of jitter (the paper's
 * MNIST teacher: 2), trained once and kept (see {@link cachedTraining}).
 */
export async function teacherFor(spec: Architecture, train: Dataset, options: RunOptions & { quick: boolean; jitterPixels: number }): Promise<Trained & { loaded: boolean }> {
  const key = {
    spec,
    jitter: options.jitterPixels,
    ...(options.mixupAlpha !== undefined ? { mixup: options.mixupAlpha } : {}),
    epochs: options.epochs,
    ...(options.cosine ? { cosine: true } : { patience: options.patience ?? null, ...(options.plateau !== undefined ? { plateau: options.plateau } : {}) }),
    lr: options.learningRate ?? 0.001,
    seed: options.seed,
  };
  return cachedTraining(train, { key, quick: options.quick, label: options.label ?? 'teacher' }, (resumable) => trainOnLabels(spec, train, { ...options, ...resumable }));
}

/** How the paper's teacher is trained: the settings {@link paperTeacherChosen} chooses, in this order. */
export interface PaperTeacherSetting {
  /** Pixels its training images shift by, at most (0: none). */
  jitter: number;
  /** Its hidden units' dropout rate. */
  dropout: number;
  /** Early-stopped, or every epoch on the cosine schedule (see {@link Schedule}). */
  schedule: Schedule;
  /** Mixup's alpha on its training batches (0: none). */
  mixup: number;
}

/** The paper's teacher as chosen on validation data, one setting after the other. */
export interface PaperTeacherChoice extends PaperTeacherSetting {
  /** Each candidate's validation errors, on the seed that chose (a setting with one candidate and no model of its own: none); null on the others. */
  candidates: { jitter: Array<Candidate<number>>; dropout: Array<Candidate<number>>; schedule: Array<Candidate<Schedule>>; mixup: Array<Candidate<number>> } | null;
}

/** How a paper teacher trains, for labels and summaries: 'dropout 0.2, 1-pixel jitter, cosine, mixup 0.2' (no jitter, early stopping and no mixup left out). */
export function paperTeacherText(t: PaperTeacherSetting): string {
  return [`dropout ${t.dropout}`, ...(t.jitter > 0 ? [`${t.jitter}-pixel jitter`] : []), ...(t.schedule === 'cosine' ? ['cosine'] : []), ...(t.mixup > 0 ? [`mixup ${t.mixup}`] : [])].join(', ');
}

/** The candidates of each setting of {@link PaperTeacherSetting}; without `schedules`, early stopping; without `mixups`, none. */
export interface PaperTeacherCandidates {
  jitters: readonly number[];
  dropouts: readonly number[];
  schedules?: readonly Schedule[];
  mixups?: readonly number[];
}

/**
 * The paper's teacher (784-1200-1200-10, dropout) for a seed. Without `fixed`, this seed chooses
 * on validation data, one setting after the other, each at the choices before it and the first
 * candidates of those after it: the jitter (at the first of `dropouts`, the paper's 0.5), the
 * hidden dropout, the schedule, then mixup; a setting with one candidate trains no model of its
 * own, and the first candidate of each later setting is the teacher the settings before chose. With `fixed` (another seed's choice; a missing schedule or mixup: early stopping, none),
 * it trains that teacher. Teachers are kept (see {@link teacherFor}), so examples that use the same
 * candidates make the same choice cheaply.
 */
export async function paperTeacherChosen(
  train: Dataset,
  options: RunOptions & { quick: boolean; validation: Dataset },
  candidates: PaperTeacherCandidates,
  fixed: Pick<PaperTeacherSetting, 'jitter' | 'dropout'> & Partial<PaperTeacherSetting> | null,
): Promise<PaperTeacherChoice & { trained: Trained & { loaded?: boolean } }> {
  const teacher = (t: PaperTeacherSetting) =>
    teacherFor(paperTeacher(options.quick, t.dropout), train, {
      ...scheduleRun(options, t.schedule),
      ...(t.mixup > 0 ? { mixupAlpha: t.mixup } : {}),
      label: `teacher (${paperTeacherText(t)})`,
      jitterPixels: t.jitter,
    });
  if (fixed !== null) {
    const setting: PaperTeacherSetting = { jitter: fixed.jitter, dropout: fixed.dropout, schedule: fixed.schedule ?? 'early-stop', mixup: fixed.mixup ?? 0 };
    return { ...setting, candidates: null, trained: await teacher(setting) };
  }
  const lists = { jitter: candidates.jitters, dropout: candidates.dropouts, schedule: candidates.schedules ?? ['early-stop'], mixup: candidates.mixups ?? [0] };
  let current: PaperTeacherSetting = { jitter: lists.jitter[0]!, dropout: lists.dropout[0]!, schedule: lists.schedule[0]!, mixup: lists.mixup[0]! };
  const tried: NonNullable<PaperTeacherChoice['candidates']> = { jitter: [], dropout: [], schedule: [], mixup: [] };
  let best: (Trained & { loaded?: boolean }) | null = null;
  const choose = async <K extends keyof PaperTeacherSetting>(name: K, values: ReadonlyArray<PaperTeacherSetting[K]>) => {
    if (values.length === 1 && best !== null) return;
    // The teacher chosen so far has this setting's current value: it is scored again, not trained
    // again (once: a value listed twice trains a model of its own, which chooseOnValidation may dispose).
    let sofar = best;
    const by = await chooseOnValidation(values, options.validation, async (value) => {
      if (sofar === null || value !== current[name]) return teacher({ ...current, [name]: value });
      const reused = sofar;
      sofar = null;
      return reused;
    });
    current = { ...current, [name]: by.chosen };
    Object.assign(tried, { [name]: by.candidates });
    best = by.trained;
  };
  await choose('jitter', lists.jitter);
  await choose('dropout', lists.dropout);
  await choose('schedule', lists.schedule);
  await choose('mixup', lists.mixup);
  return { ...current, candidates: tried, trained: best! };
}

/** One candidate of a choice made on validation data, with its validation errors. */
export interface Candidate<T> {
  value: T;
  validationErrors: number;
}

/**
 * Trains (or loads) one model per candidate value and keeps the one with the fewest validation
 * errors; the others are disposed. Ties go to the earlier candidate. Nothing here reads the test set.
 */
export async function chooseOnValidation<T>(
  values: readonly T[],
  validation: Dataset,
  train: (value: T) => Promise<Trained & { loaded?: boolean }>,
): Promise<{ chosen: T; trained: Trained & { loaded?: boolean }; candidates: Array<Candidate<T>> }> {
  let best: { value: T; trained: Trained & { loaded?: boolean }; errors: number } | null = null;
  const candidates: Array<Candidate<T>> = [];
  for (const value of values) {
    const trained = await train(value);
    const errors = errorCount(trained.model, validation);
    candidates.push({ value, validationErrors: errors });
    if (best === null || errors < best.errors) {
      best?.trained.model.dispose();
      best = { value, trained, errors };
    } else {
      trained.model.dispose();
    }
  }
  if (best === null) throw new Error("'chooseOnValidation': no candidate values");
  return { chosen: best.value, trained: best.trained, candidates };
}
