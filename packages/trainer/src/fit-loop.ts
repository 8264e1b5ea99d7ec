import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Dataset, batches, createRng, restoreRng } from '@kd/data';
import type { Augmentation, Batch, RngState } from '@kd/data';
import type { LossOutput } from '@kd/losses';
import { describeValue } from '@kd/core';
import { loadCheckpoint, latestCheckpoint, saveCheckpoint } from './checkpoint';
import { evaluate, takesFlatInput } from './evaluate';
import type { EpochRecord } from './jsonl-log';
import { jsonlLog } from './jsonl-log';
import { higherIsBetter, metricNames } from './metrics';
import type { MetricName } from './metrics';
import { createOptimizer, disposeOptimizer, optimizerProblems, setLearningRate } from './optimizer';
import type { OptimizerSpec } from './optimizer';
import { createProgressBar } from './progress-bar';
import type { ProgressStream } from './progress-bar';
import { scheduleValue } from './schedule';

/** Early stopping on a validation metric. */
export interface EarlyStopping {
  /** A validation metric (see `metricNames`); `validation` must be given. */
  metric: MetricName;
  /** Epochs without improvement before training stops. */
  patience: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
}

/** Options shared by `trainModel` and `Distiller.fit`. */
export interface FitOptions {
  /** Epochs to train for (in total, counting epochs a resumed run already did). */
  epochs: number;
  /** Examples per step. Default 128. */
  batchSize?: number;
  /** Default `{ kind: 'adam', learningRate: 0.001 }`. */
  optimizer?: OptimizerSpec;
  /** Seeds the batch order, the augmentations and dropout. Default 0. */
  seed?: number;
  /** Input augmentation, e.g. `jitter({ maxShift: 2 })` from `@kd/data`. Default none. */
  augment?: Augmentation | readonly Augmentation[];
  /**
   * The paper's max-norm constraint: after every step, each unit's incoming weight vector (each
   * column of every dense kernel, each filter of every conv kernel) is scaled down to this L2 norm
   * if it is longer. Default none.
   */
  maxNorm?: number;
  /** Held-out data, evaluated at T = 1 after every epoch. */
  validation?: Dataset;
  /** Validation metrics. Default `['accuracy', 'nll']`. */
  metrics?: readonly MetricName[];
  earlyStopping?: EarlyStopping;
  /** Folder for checkpoints (model, optimizer, RNG and loop state). Default none. */
  checkpointDir?: string;
  /** Write a checkpoint every this many epochs (and after the last). Default 1. */
  checkpointEvery?: number;
  /** Continue from the newest checkpoint in `checkpointDir`, if there is one. Default false. */
  resume?: boolean;
  /** JSON-lines file that gets one {@link EpochRecord} per epoch. Default none. */
  logPath?: string;
  /** A progress bar on `process.stderr` (drawn only on a terminal), or on the given stream. Default true. */
  progress?: boolean | ProgressStream;
  /** What is being trained, shown before the epoch in the progress bar (e.g. `teacher`). Default none. */
  name?: string;
  /** Stops training cleanly before the next step; `fit` then resolves with `stopReason: 'aborted'`. */
  signal?: AbortSignal;
  /** Called after each epoch's record is logged (and its checkpoint written). */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
}

/** What a training run did. */
export interface FitResult {
  /** One record per epoch this call ran (a resumed run lists only the epochs after the checkpoint). */
  history: EpochRecord[];
  stopReason: 'completed' | 'earlyStopping' | 'aborted';
  /** Epochs completed, in total. */
  epochs: number;
  /** Optimizer steps taken, in total. */
  steps: number;
  /** The epoch count of the checkpoint the run resumed from, or null. */
  resumedFromEpoch: number | null;
  /** The best validation value of the early-stopping metric and its epoch, when early stopping was on. */
  best: { metric: MetricName; value: number; epoch: number } | null;
}

/** What one step's loss sees. */
export interface StepInputs {
  batch: Batch;
  studentLogits: Tensor;
  /** Values of this epoch's schedules (temperature, weights). */
  values: Readonly<Record<string, number>>;
  /** Whatever `prepare` returned for this batch. */
  prepared: Readonly<Record<string, Tensor>>;
}

/** What differs between training a model on labels and distilling it. */
export interface LoopSpec {
  fn: string;
  model: LayersModel;
  data: Dataset;
  options: FitOptions;
  /** Schedule values for `epoch`, logged and handed to `loss`. */
  values(epoch: number): Record<string, number>;
  /** What the epoch's record shows besides the losses (temperature, weights); default `values`. */
  logged?(epoch: number): Record<string, number>;
  /** Tensors computed outside the gradient tape for a batch (teacher outputs); disposed after the step. */
  prepare?(batch: Batch, values: Readonly<Record<string, number>>): Record<string, Tensor>;
  loss(inputs: StepInputs): LossOutput;
  /** The teacher's scores for validation inputs, for the `agreement` metric. */
  validationTeacher?(x: Tensor): Tensor;
}

interface LoopState {
  epoch: number;
  step: number;
  rng: RngState;
  best: number | null;
  bestEpoch: number;
  badEpochs: number;
}

const defaultOptimizer: OptimizerSpec = { kind: 'adam', learningRate: 0.001 };

/** Checks the options every loop shares; throws one error listing every problem. */
export function checkFitOptions(fn: string, options: FitOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Argument 'options' passed to '${fn}' must be an object, got ${describeValue(options)}`);
  }
  const problems: string[] = [];
  const int = (key: keyof FitOptions, min: number, required = false): void => {
    const v = options[key];
    if (v === undefined && !required) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) problems.push(`options.${key}: expected an integer >= ${min}, got ${describeValue(v)}`);
  };
  int('epochs', 1, true);
  int('batchSize', 1);
  int('checkpointEvery', 1);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) problems.push(`options.seed: expected a safe integer, got ${describeValue(options.seed)}`);
  if (options.optimizer !== undefined) problems.push(...optimizerProblems(options.optimizer, 'options.optimizer'));
  if (options.maxNorm !== undefined && !(typeof options.maxNorm === 'number' && options.maxNorm > 0 && Number.isFinite(options.maxNorm))) {
    problems.push(`options.maxNorm: expected a finite number > 0, got ${describeValue(options.maxNorm)}`);
  }
  if (options.validation !== undefined && !(options.validation instanceof Dataset)) {
    problems.push(`options.validation: expected a Dataset, got ${describeValue(options.validation)}`);
  }
  for (const [i, name] of (options.metrics ?? []).entries()) {
    if (!metricNames.includes(name)) problems.push(`options.metrics[${i}]: expected one of ${metricNames.join(', ')}, got ${describeValue(name)}`);
  }
  const stop = options.earlyStopping;
  if (stop !== undefined) {
    if (!metricNames.includes(stop.metric)) problems.push(`options.earlyStopping.metric: expected one of ${metricNames.join(', ')}, got ${describeValue(stop.metric)}`);
    if (!Number.isInteger(stop.patience) || stop.patience < 1) problems.push(`options.earlyStopping.patience: expected an integer >= 1, got ${describeValue(stop.patience)}`);
    if (options.validation === undefined) problems.push(`options.earlyStopping: needs options.validation, got none`);
  }
  if (options.resume && !options.checkpointDir) problems.push(`options.resume: needs options.checkpointDir, got none`);
  if (problems.length > 0) throw new Error(`'${fn}': ${problems.join('; ')}`);
}

// Dropout layers draw their masks from `seed`; a fixed seed would repeat one mask every step, no
// seed would use Math.random. Setting a fresh seed from the run's RNG before each step gives new
// masks every step that a checkpoint (which stores the RNG) reproduces exactly.
function dropoutLayers(model: LayersModel): Array<{ seed?: number }> {
  return model.layers.filter((layer) => layer.getClassName() === 'Dropout') as unknown as Array<{ seed?: number }>;
}

function kernels(model: LayersModel): Variable[] {
  return model.trainableWeights.filter((w) => w.originalName.endsWith('kernel')).map((w) => w.read() as Variable);
}

/** The one training loop under `trainModel` and `Distiller.fit`. */
export async function runFitLoop(spec: LoopSpec): Promise<FitResult> {
  const { fn, model, data, options } = spec;
  const epochs = options.epochs;
  const batchSize = options.batchSize ?? 128;
  const seed = options.seed ?? 0;
  const optimizerSpec = options.optimizer ?? defaultOptimizer;
  const metrics = options.metrics ?? (['accuracy', 'nll'] as const);
  const checkpointEvery = options.checkpointEvery ?? 1;
  const flatten = takesFlatInput(model);
  const variables = model.trainableWeights.map((w) => w.read() as Variable);
  const constrained = options.maxNorm === undefined ? [] : kernels(model);
  const dropouts = dropoutLayers(model);
  const log = options.logPath ? jsonlLog(options.logPath) : undefined;
  const stream = options.progress === false ? undefined : options.progress === true || options.progress === undefined ? process.stderr : options.progress;
  const optimizer = createOptimizer(optimizerSpec);
  let state: LoopState = { epoch: 0, step: 0, rng: createRng(seed).state(), best: null, bestEpoch: -1, badEpochs: 0 };
  let resumedFromEpoch: number | null = null;
  const history: EpochRecord[] = [];
  let stopReason: FitResult['stopReason'] = 'completed';
  try {
    if (options.resume && options.checkpointDir) {
      const restored = await loadCheckpoint(options.checkpointDir, { model, optimizer });
      if (restored) {
        state = restored as unknown as LoopState;
        resumedFromEpoch = state.epoch;
      }
    }
    if (state.epoch < epochs) checkLossOnce(spec, batchSize, seed, flatten, state.epoch);
    const rng = restoreRng(state.rng);
    const stopMetric = options.earlyStopping?.metric;
    // The bar shows the running training loss and the previous epoch's validation metrics.
    let shownMetrics: Record<string, number> = {};
    const stoppedEarly = () => options.earlyStopping !== undefined && state.badEpochs >= options.earlyStopping.patience;
    while (state.epoch < epochs && !stoppedEarly()) {
      const epoch = state.epoch;
      const started = performance.now();
      const values = spec.values(epoch);
      const learningRate = scheduleValue(optimizerSpec.learningRate, epoch, 'optimizer.learningRate');
      setLearningRate(optimizer, learningRate);
      const steps = Math.ceil(data.size / batchSize);
      const bar = stream ? createProgressBar({ total: steps, label: `${options.name ? `${options.name} ` : ''}epoch ${epoch + 1}/${epochs}`, stream }) : undefined;
      const sums: Record<string, number> = {};
      let batchesDone = 0;
      for (const batch of batches(data, { batchSize, seed, epoch, flatten, ...(options.augment ? { augment: options.augment } : {}) })) {
        // Let timers and signal handlers (Ctrl-C, an abort from elsewhere) run between steps.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) {
          stopReason = 'aborted';
          break;
        }
        for (const layer of dropouts) layer.seed = rng.int(2 ** 31);
        const prepared = spec.prepare ? spec.prepare(batch, values) : {};
        let read: Float32Array;
        let names: string[];
        let grads: Record<string, Tensor>;
        // The loss's terms, carried out of the gradient closure (which returns only the total).
        let terms: Record<string, Scalar> = {};
        try {
          const result = tf.variableGrads(() => {
            const studentLogits = model.apply(batch.x, { training: true }) as Tensor;
            const out = spec.loss({ batch, studentLogits, values, prepared });
            for (const term of Object.values(out.terms)) tf.keep(term);
            terms = out.terms;
            return out.total;
          }, variables);
          grads = result.grads;
          names = ['total', ...Object.keys(terms)];
          // One read per step, of the losses and a gradient check together: a NaN or infinity in
          // either must stop the step before any weight changes. sum(g * 0) is 0 when every entry
          // of g is finite and NaN otherwise, and cannot overflow as a squared norm would.
          const summary = tf.tidy(() =>
            tf.concat([
              tf.stack([result.value, ...Object.values(terms)]) as Tensor,
              tf.reshape(tf.addN(Object.values(grads).map((g) => tf.sum(tf.mul(g, 0)))), [1]),
            ]),
          );
          read = summary.dataSync() as Float32Array;
          tf.dispose([summary, result.value]);
        } finally {
          tf.dispose([...Object.values(prepared), ...Object.values(terms)]);
        }
        const bad = read.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          tf.dispose(Object.values(grads));
          const what = bad < names.length ? `loss term '${names[bad]}' is ${read[bad]}` : 'gradient has a NaN or infinite entry';
          const last = options.checkpointDir ? await latestCheckpoint(options.checkpointDir) : undefined;
          throw new Error(
            `'${fn}': training diverged at step ${state.step + 1} (epoch ${epoch + 1}, batch ${batchesDone + 1}): the ${what}; the weights were not updated${last ? `, and the last good checkpoint is ${last}` : ''}`,
          );
        }
        optimizer.applyGradients(grads as Record<string, Variable>);
        tf.dispose(Object.values(grads));
        if (constrained.length > 0) applyMaxNorm(constrained, options.maxNorm!);
        state.step++;
        batchesDone++;
        names.forEach((name, i) => (sums[name] = (sums[name] ?? 0) + read[i]!));
        bar?.update(batchesDone, { loss: sums.total! / batchesDone, ...shownMetrics });
      }
      bar?.done();
      if (stopReason === 'aborted') break;
      state.epoch++;
      state.rng = rng.state();
      const loss = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, batchesDone)]));
      let validation: Record<string, number> | undefined;
      if (options.validation) {
        validation = evaluate(model, options.validation, {
          metrics,
          ...(spec.validationTeacher ? { teacher: spec.validationTeacher } : {}),
        });
        if (stopMetric) {
          if (!(stopMetric in validation)) validation = { ...validation, ...evaluate(model, options.validation, { metrics: [stopMetric] }) };
          const value = validation[stopMetric]!;
          const sign = higherIsBetter(stopMetric) ? 1 : -1;
          if (state.best === null || sign * (value - state.best) > (options.earlyStopping!.minDelta ?? 0)) {
            state.best = value;
            state.bestEpoch = epoch;
            state.badEpochs = 0;
          } else {
            state.badEpochs++;
          }
        }
      }
      if (validation) shownMetrics = Object.fromEntries(Object.entries(validation).map(([k, v]) => [`val ${k}`, v]));
      const record: EpochRecord = {
        epoch,
        step: state.step,
        loss,
        ...(validation ? { validation } : {}),
        learningRate,
        ...(spec.logged ? spec.logged(epoch) : values),
        seconds: (performance.now() - started) / 1000,
        time: new Date().toISOString(),
      };
      history.push(record);
      if (options.checkpointDir && (state.epoch % checkpointEvery === 0 || state.epoch === epochs || stoppedEarly())) {
        await saveCheckpoint(options.checkpointDir, { model, optimizer, state: { ...state } });
      }
      await log?.append(record);
      await options.onEpochEnd?.(record);
      if (stoppedEarly()) stopReason = 'earlyStopping';
    }
  } finally {
    disposeOptimizer(optimizer);
  }
  return {
    history,
    stopReason,
    epochs: state.epoch,
    steps: state.step,
    resumedFromEpoch,
    best: options.earlyStopping && state.best !== null ? { metric: options.earlyStopping.metric, value: state.best, epoch: state.bestEpoch } : null,
  };
}

// tfjs keeps the tensors a gradient tape saves for the backward pass until the pass runs; a loss
// that throws under the tape (bad arguments: no labels for a hard term, mismatched classes) would
// leak them. One forward pass of the first batch outside the tape surfaces those errors first.
function checkLossOnce(spec: LoopSpec, batchSize: number, seed: number, flatten: boolean, epoch: number): void {
  const values = spec.values(epoch);
  const augment = spec.options.augment;
  for (const batch of batches(spec.data, { batchSize, seed, epoch, flatten, ...(augment ? { augment } : {}) })) {
    const prepared = spec.prepare ? spec.prepare(batch, values) : {};
    try {
      tf.tidy(() => {
        const studentLogits = spec.model.apply(batch.x, { training: false }) as Tensor;
        const out = spec.loss({ batch, studentLogits, values, prepared });
        return [out.total, ...Object.values(out.terms)];
      }).forEach((t) => t.dispose());
    } finally {
      tf.dispose(Object.values(prepared));
    }
    break;
  }
}

function applyMaxNorm(kernelVariables: Variable[], maxNorm: number): void {
  tf.tidy(() => {
    for (const kernel of kernelVariables) {
      // The last axis indexes units (dense) or filters (conv); the norm runs over all the others.
      const axes = kernel.shape.slice(0, -1).map((_, i) => i);
      const norms = tf.sqrt(tf.sum(tf.square(kernel), axes, true));
      kernel.assign(tf.mul(kernel, tf.minimum(1, tf.div(maxNorm, tf.maximum(norms, 1e-12)))));
    }
  });
}
