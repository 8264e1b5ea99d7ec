import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Dataset, batches, mixup } from '@kd/data';
import type { Batch } from '@kd/data';
import { createRng, restoreRng } from '@kd/core';
import type { LossOutput } from '@kd/losses';
import type { BatchEnd, Callback, LoopState, TrainingContext } from './callback';
import { divergenceGuard } from './divergence-guard';
import { earlyStoppingCallback } from './early-stopping';
import type { EpochRecord } from './epoch-record';
import { evaluate, takesFlatInput } from './evaluate';
import type { Scorer } from './evaluate';
import { checkFitOptions } from './fit-options';
import type { FitOptions } from './fit-options';
import type { FitResult, StopReason } from './fit-result';
import { maxNormCallback } from './max-norm';
import { modelDataProblems } from './model-data-problems';
import { defaultMetrics } from './metrics';
import type { MetricName } from './metrics';
import { createOptimizer, disposeOptimizer, learningRateOf, setLearningRate } from './optimizer';
import type { OptimizerSpec } from './optimizer';
import { progressCallback } from './progress-callback';
import type { ProgressStream } from './progress-bar';
import { scheduleValue } from './schedule';
import { yieldToEventLoop } from './yield-to-event-loop';

/** What one step's loss sees. */
export interface StepInputs {
  batch: Batch;
  studentLogits: Tensor;
  /** This epoch's schedule values, handed to the loss as overrides. */
  overrides: Readonly<Record<string, number>>;
  /** Whatever `prepare` returned for this batch. */
  prepared: Readonly<Record<string, Tensor>>;
}

/** What differs between training a model on labels and distilling it. */
export interface LoopSpec {
  fn: string;
  /** The name of the data argument in errors: `'data'` or `'transferSet'`. */
  dataArg: string;
  model: LayersModel;
  data: Dataset;
  options: FitOptions;
  /** What the run was built with besides the loop options (the loss's config), for checkpoints. */
  config: Record<string, unknown>;
  /** This epoch's schedule values, passed to the loss. */
  overrides(epoch: number): Record<string, number>;
  /** Every numeric loss option in `epoch`, schedules applied, for the epoch's record. */
  lossOptions?(epoch: number): Record<string, number>;
  /** Problems of this spec's own that only the whole run shows (schedules over every epoch, a cache's coverage). */
  problems?(): string[];
  /** Tensors computed outside the gradient tape for a batch (teacher outputs); disposed after the step. */
  prepare?(batch: Batch, overrides: Readonly<Record<string, number>>): Record<string, Tensor>;
  loss(inputs: StepInputs): LossOutput;
  /** The teacher, for the `agreement` metric; absent when it cannot run on validation inputs. */
  validationTeacher?: Scorer;
}

const defaultOptimizer: OptimizerSpec = { kind: 'adam', learningRate: 0.001 };

// Dropout layers draw their masks from `seed`; a fixed seed would repeat one mask every step, no
// seed would use Math.random. Setting a fresh seed from the run's RNG before each step gives new
// masks every step that a checkpoint (which stores the RNG) reproduces exactly.
function dropoutLayers(model: LayersModel): Array<{ seed?: number }> {
  return model.layers.filter((layer) => layer.getClassName() === 'Dropout') as unknown as Array<{ seed?: number }>;
}

function defaultStream(): ProgressStream | undefined {
  return (globalThis as { process?: { stderr?: ProgressStream } }).process?.stderr;
}

/**
 * Everything that would fail once training runs, found before the first step: the options, the
 * data against the model, the metrics against what the spec can compute, and the spec's own
 * checks over every epoch. Throws one Error listing every problem.
 */
function checkRun(spec: LoopSpec): void {
  const { fn, dataArg, model, data, options } = spec;
  checkFitOptions(fn, options);
  // Nothing else can be judged on an empty data set (every other problem would follow from it).
  if (data.size === 0) throw new Error(`'${fn}': ${dataArg}: has no examples (${data.source})`);
  const problems = modelDataProblems(model, data, dataArg);
  if (options.validation?.size === 0) problems.push(`options.validation: has no examples (${options.validation.source})`);
  if (options.validation && options.validation.exampleSize !== data.exampleSize) {
    problems.push(`options.validation: holds ${options.validation.imageShape.join('x')} images, unlike ${dataArg} (${data.imageShape.join('x')})`);
  }
  const wanted = [...(options.metrics ?? []), ...(options.earlyStopping ? [options.earlyStopping.metric] : [])];
  if (wanted.includes('agreement') && spec.validationTeacher === undefined) {
    problems.push(
      `options.metrics: 'agreement' compares the model with a teacher on the validation set; ${fn === 'trainModel' ? 'trainModel has no teacher' : 'a TeacherCache holds outputs for the transfer set only, not for validation inputs'}`,
    );
  }
  problems.push(...(spec.problems?.() ?? []));
  if (problems.length > 0) throw new Error(`'${fn}': ${problems.join('; ')}`);
}

// tfjs keeps the tensors a gradient tape saves for the backward pass until the pass runs; a loss
// that throws under the tape would leak them. One forward pass of the first batch outside the
// tape surfaces such errors first.
function checkLossOnce(spec: LoopSpec, batchSize: number, seed: number, flatten: boolean): void {
  const overrides = spec.overrides(1);
  const augment = spec.options.augment;
  for (const batch of batches(spec.data, { batchSize, seed, epoch: 1, flatten, ...(augment ? { augment } : {}) })) {
    const prepared = spec.prepare ? spec.prepare(batch, overrides) : {};
    try {
      tf.tidy(() => {
        const studentLogits = spec.model.apply(batch.x, { training: false }) as Tensor;
        const out = spec.loss({ batch, studentLogits, overrides, prepared });
        return [out.total, ...Object.values(out.terms)];
      }).forEach((t) => t.dispose());
    } finally {
      tf.dispose(Object.values(prepared));
    }
    break;
  }
}

/**
 * The one training loop under `trainModel` and `Distiller.fit`: batches, the step, the NaN guard,
 * validation and the epoch's record. Everything optional (early stopping, progress, max-norm,
 * checkpoints, logs, your own) is a {@link Callback}.
 */
export async function runFitLoop(spec: LoopSpec): Promise<FitResult> {
  checkRun(spec);
  const { fn, model, data, options } = spec;
  const epochs = options.epochs;
  const batchSize = options.batchSize ?? 128;
  const seed = options.seed ?? 0;
  const optimizerSpec = options.optimizer ?? defaultOptimizer;
  const metrics: readonly MetricName[] = options.metrics ?? defaultMetrics;
  const flatten = takesFlatInput(model);
  checkLossOnce(spec, batchSize, seed, flatten);

  const stream = options.progress === false ? undefined : options.progress === true || options.progress === undefined ? defaultStream() : options.progress;
  const stopping = options.earlyStopping ? earlyStoppingCallback(options.earlyStopping) : undefined;
  const callbacks: Callback[] = [
    ...(options.maxNorm !== undefined ? [maxNormCallback(options.maxNorm)] : []),
    ...(options.divergence === false ? [] : [divergenceGuard(options.divergence ?? {}, options.validation)]),
    ...(stopping ? [stopping] : []),
    ...(stream ? [progressCallback(stream, options.name)] : []),
    ...(options.callbacks ?? []),
  ];
  const variables = model.trainableWeights.map((w) => w.read() as Variable);
  const dropouts = dropoutLayers(model);
  const optimizer = createOptimizer(optimizerSpec);
  let stopRequested: TrainingContext['stopRequested'] = null;
  const context: TrainingContext = {
    fn,
    model,
    optimizer,
    epochs,
    stepsPerEpoch: Math.ceil(data.size / batchSize),
    config: {
      epochs,
      batchSize,
      seed,
      optimizer: optimizerSpec,
      ...(options.maxNorm !== undefined ? { maxNorm: options.maxNorm } : {}),
      ...(options.mixup ? { mixup: options.mixup } : {}),
      augment: (Array.isArray(options.augment) ? options.augment : options.augment ? [options.augment] : []).map((a) => ({ name: a.name, options: a.options })),
      metrics,
      ...(options.earlyStopping ? { earlyStopping: options.earlyStopping } : {}),
      ...spec.config,
    },
    callbacks,
    state: { epoch: 0, step: 0, rng: createRng(seed).state(), history: [] } satisfies LoopState,
    lastCheckpoint: null,
    get stopRequested() {
      return stopRequested;
    },
    stop(reason = 'stopped') {
      stopRequested = reason;
    },
  };
  const history: EpochRecord[] = [];
  let stopReason: StopReason = 'completed';
  let resumedFromEpoch: number | null = null;
  try {
    for (const callback of callbacks) await callback.onTrainBegin?.(context);
    if (context.state.epoch > 0) resumedFromEpoch = context.state.epoch;
    const rng = restoreRng(context.state.rng);
    while (context.state.epoch < epochs && context.stopRequested === null) {
      const epoch = context.state.epoch + 1;
      const started = performance.now();
      const overrides = spec.overrides(epoch);
      setLearningRate(optimizer, scheduleValue(optimizerSpec.learningRate, epoch - 1, 'optimizer.learningRate'));
      for (const callback of callbacks) await callback.onEpochBegin?.(epoch, context);
      // What this epoch trains with: the schedule's value, as a callback may have changed it.
      const learningRate = learningRateOf(optimizer);
      const sums: Record<string, number> = {};
      let batchesDone = 0;
      for (const batch of batches(data, { batchSize, seed, epoch, flatten, ...(options.augment ? { augment: options.augment } : {}) })) {
        // Let timers and signal handlers (Ctrl-C, an abort from elsewhere) run between steps.
        await yieldToEventLoop();
        if (options.signal?.aborted) {
          stopReason = 'aborted';
          break;
        }
        for (const layer of dropouts) layer.seed = rng.int(2 ** 31);
        const mixed = options.mixup ? mixup(batch, { alpha: options.mixup.alpha, numClasses: data.numClasses }, rng) : null;
        let loss: Record<string, number>;
        try {
          loss = step(spec, context, mixed ?? batch, overrides, variables, batchesDone + 1);
        } finally {
          if (mixed) tf.dispose([mixed.x, ...(mixed.y ? [mixed.y] : [])]);
        }
        context.state.step++;
        batchesDone++;
        for (const [name, value] of Object.entries(loss)) sums[name] = (sums[name] ?? 0) + value;
        const end: BatchEnd = { epoch, batch: batchesDone, step: context.state.step, loss };
        for (const callback of callbacks) await callback.onBatchEnd?.(end, context);
      }
      if (stopReason === 'aborted') break;
      context.state.epoch = epoch;
      context.state.rng = rng.state();
      const record: EpochRecord = {
        epoch,
        step: context.state.step,
        loss: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, batchesDone)])),
        ...(options.validation ? { validation: validate(spec, metrics) } : {}),
        learningRate,
        ...(spec.lossOptions ? { lossOptions: spec.lossOptions(epoch) } : {}),
        seconds: (performance.now() - started) / 1000,
        time: new Date().toISOString(),
      };
      history.push(record);
      context.state.history.push(record);
      for (const callback of callbacks) await callback.onEpochEnd?.(record, context);
    }
    if (stopReason !== 'aborted' && stopRequested !== null) stopReason = stopRequested;
    const best = stopping?.best();
    const inModel = stopping !== undefined && stopReason !== 'aborted' && stopping.restoreBest(model, context.state.epoch);
    const result: FitResult = {
      history,
      stopReason,
      epochs: context.state.epoch,
      steps: context.state.step,
      resumedFromEpoch,
      best:
        options.earlyStopping && best && best.best !== null
          ? { metric: options.earlyStopping.metric, value: best.best, epoch: best.bestEpoch, inModel: inModel || best.bestEpoch === context.state.epoch }
          : null,
    };
    for (const callback of callbacks) await callback.onTrainEnd?.(result, context);
    return result;
  } finally {
    disposeOptimizer(optimizer);
  }
}

/** Validation metrics at T = 1, with the early-stopping metric among them. */
function validate(spec: LoopSpec, metrics: readonly MetricName[]): Record<string, number> {
  const { options, model } = spec;
  const names = [...new Set([...metrics, ...(options.earlyStopping ? [options.earlyStopping.metric] : [])])];
  return evaluate(model, options.validation!, {
    metrics: names,
    ...(spec.validationTeacher ? { teacher: spec.validationTeacher } : {}),
  });
}

/** One optimizer step; returns each loss term's value. Throws before any weight changes on a NaN. */
function step(
  spec: LoopSpec,
  context: TrainingContext,
  batch: Batch,
  overrides: Readonly<Record<string, number>>,
  variables: Variable[],
  batchNumber: number,
): Record<string, number> {
  const prepared = spec.prepare ? spec.prepare(batch, overrides) : {};
  let read: Float32Array;
  let names: string[];
  let grads: Record<string, Tensor>;
  // The loss's terms, carried out of the gradient closure (which returns only the total).
  let terms: Record<string, Scalar> = {};
  try {
    const result = tf.variableGrads(() => {
      const studentLogits = spec.model.apply(batch.x, { training: true }) as Tensor;
      const out = spec.loss({ batch, studentLogits, overrides, prepared });
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
    const last = context.lastCheckpoint;
    throw new Error(
      `'${spec.fn}': training diverged at step ${context.state.step + 1} (epoch ${context.state.epoch + 1}, batch ${batchNumber}): the ${what}; the weights were not updated${last ? `, and the last good checkpoint is ${last}` : ''}`,
    );
  }
  context.optimizer.applyGradients(grads as Record<string, Variable>);
  tf.dispose(Object.values(grads));
  return Object.fromEntries(names.map((name, i) => [name, read[i]!]));
}
