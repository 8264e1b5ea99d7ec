import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Dataset, batchKeys, exampleKey } from '@kd/data';
import type { Batch } from '@kd/data';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import { createLoss, lossOptionSpecs } from '@kd/losses';
import type { BatchLoss, LossConfig, LossFunction, LossNeeds, LossSpec } from '@kd/losses';
import { describeValue } from '@kd/core';
import type { FitOptions } from './fit-options';
import type { FitResult } from './fit-result';
import { runFitLoop } from './fit-loop';
import { scheduleProblems, scheduleRangeProblems, scheduleValue } from './schedule';
import type { Schedule } from './schedule';

/**
 * Per-epoch schedules of the loss's numeric options, by option name (`temperature`, `softWeight`,
 * `hardWeight`, `nckdWeight`, ...): each must be an option the loss has.
 */
export type DistillSchedules = Readonly<Record<string, Schedule>>;

/** Options of {@link Distiller.fit}: the shared loop options plus schedules. */
export interface DistillOptions extends FitOptions {
  /** Values of the loss's options over epochs; they override the loss's own. */
  schedules?: DistillSchedules;
}

/** Arguments of {@link createDistiller}. */
export interface DistillerArgs {
  /**
   * A frozen teacher (`@kd/ensemble`: one model, an ensemble), run on each batch's inputs, or a
   * `TeacherCache` of its outputs (`openTeacherCache` of `@kd/ensemble/node`), read by each batch's
   * example indices and augmentation parameters. Their `kind` tells them apart.
   */
  teacher: Teacher | TeacherCache;
  /** The model that learns; it must output logits. Only its trainable weights change. */
  student: LayersModel;
  /**
   * The loss: a `{ key, options }` spec for `createLoss` of `@kd/losses` (e.g.
   * `{ key: 'distillation', options: { temperature: 20, hardWeight: 0.1 } }`), a loss it built
   * (which carries its config), or a hand-written per-batch function (which says nothing of itself:
   * with a teacher that gives only probabilities, a `temperature` schedule must say the temperature).
   */
  loss: LossSpec | BatchLoss | LossFunction;
}

/** A teacher and a student bound to a loss; `fit` trains the student on a transfer set. */
export interface Distiller {
  readonly teacher: Teacher | TeacherCache;
  readonly student: LayersModel;
  /** The loss's resolved config (every option, defaults included), or null for a hand-written function. */
  readonly loss: LossConfig | null;
  /**
   * Trains the student on `transferSet` (labelled, partly labelled with -1, or unlabeled) to match
   * the teacher's outputs on the same, identically augmented, inputs. Each call makes a fresh
   * optimizer from `options.optimizer` (or restores it from a checkpoint). Every combination of
   * options, teacher, loss, schedules, metrics and data that cannot run is an Error before the
   * first step.
   */
  fit(transferSet: Dataset, options: DistillOptions): Promise<FitResult>;
}

const feedsLogits = (teacher: Teacher | TeacherCache): boolean =>
  teacher.kind === 'teacher' ? typeof teacher.logits === 'function' : teacher.stores === 'logits';

/**
 * Binds a frozen teacher and a student to a distillation loss, Keras-`Distiller` style: the teacher
 * is frozen by construction (its outputs are computed outside the gradient tape and only
 * `student.trainableWeights` go to the optimizer), and the loss's terms (`soft`, `hard`, ...) are
 * reported separately each epoch, with every value of its options.
 */
export function createDistiller(args: DistillerArgs): Distiller {
  const fn = 'createDistiller';
  if (args === null || typeof args !== 'object') throw new TypeError(`Argument 'args' passed to '${fn}' must be an object, got ${describeValue(args)}`);
  const { teacher, student } = args;
  const kind = (teacher as { kind?: unknown } | null)?.kind;
  if (teacher === null || typeof teacher !== 'object' || (kind !== 'teacher' && kind !== 'teacherCache')) {
    throw new TypeError(
      `Argument 'teacher' passed to '${fn}' must be a Teacher or a TeacherCache of @kd/ensemble (kind 'teacher' or 'teacherCache'), got ${describeValue(teacher)}`,
    );
  }
  if (student === null || typeof student !== 'object' || !Array.isArray(student.trainableWeights)) {
    throw new TypeError(`Argument 'student' passed to '${fn}' must be a tfjs LayersModel, got ${describeValue(student)}`);
  }
  const studentClasses = student.outputs[0]?.shape.at(-1);
  if (studentClasses !== teacher.numClasses) {
    throw new Error(
      `Arguments 'teacher' and 'student' passed to '${fn}' must have the same number of classes, got ${teacher.numClasses} and ${String(studentClasses)}`,
    );
  }
  const loss: LossFunction = typeof args.loss === 'function' ? args.loss : createLoss(args.loss);
  const config = (loss as Partial<BatchLoss>).config ?? null;
  const needs: LossNeeds | null = (loss as Partial<BatchLoss>).needs ?? null;
  if (needs?.teacher === 'features') {
    throw new Error(
      `Argument 'loss' passed to '${fn}' is '${config!.key}', which needs student and teacher features; a distiller feeds logits (distillation, logitMatching, decoupledKd, dist)`,
    );
  }
  if (needs?.teacher === 'logits' && !feedsLogits(teacher)) {
    throw new Error(
      `Argument 'loss' passed to '${fn}' is '${config!.key}', which needs teacher logits; the teacher gives probabilities only (${teacher.kind === 'teacher' ? 'an arithmetic ensemble' : 'a cache of probabilities'}): use a loss that takes them (distillation, dist)`,
    );
  }
  const numeric = config ? Object.keys(lossOptionSpecs[config.key].numeric) : null;
  const configured = (name: string): number | undefined => {
    const value = (config?.options as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'number' ? value : undefined;
  };

  return {
    teacher,
    student,
    loss: config,
    async fit(transferSet, options) {
      const fitFn = 'Distiller.fit';
      if (!(transferSet instanceof Dataset)) {
        throw new TypeError(`Argument 'transferSet' passed to '${fitFn}' must be a Dataset, got ${describeValue(transferSet)}`);
      }
      const schedules: DistillSchedules = options?.schedules ?? {};
      const valueAt = (name: string, epoch: number): number | undefined =>
        schedules[name] !== undefined ? scheduleValue(schedules[name], epoch - 1, `schedules.${name}`) : configured(name);
      const overrides = (epoch: number): Record<string, number> =>
        Object.fromEntries(Object.keys(schedules).map((name) => [name, scheduleValue(schedules[name]!, epoch - 1, `schedules.${name}`)]));

      const problems = (): string[] => {
        const found: string[] = [];
        const epochs = Array.from({ length: options.epochs }, (_, i) => i + 1);
        if (schedules === null || typeof schedules !== 'object') return [`options.schedules: expected an object of schedules, got ${describeValue(schedules)}`];
        for (const [name, schedule] of Object.entries(schedules)) {
          if (numeric && !numeric.includes(name)) {
            found.push(`options.schedules.${name}: loss '${config!.key}' has no option '${name}' (its numeric options: ${numeric.join(', ')})`);
            continue;
          }
          const shape = scheduleProblems(schedule, `options.schedules.${name}`);
          found.push(...shape);
          if (shape.length > 0) continue;
          // A hand-written loss says nothing of its options: a temperature must be > 0, the rest >= 0.
          const range = config ? lossOptionSpecs[config.key].numeric[name]! : { bound: name === 'temperature' ? 'positive' : 'nonNegative' } as const;
          found.push(...scheduleRangeProblems(schedule, `options.schedules.${name}`, options.epochs, range));
        }
        if (found.length > 0) return found;
        if (!feedsLogits(teacher)) {
          const missing = epochs.find((epoch) => valueAt('temperature', epoch) === undefined);
          if (missing !== undefined) {
            found.push(`loss: the teacher gives probabilities only, which must be asked for at the loss's temperature, and this loss does not say its temperature: give a built loss (createLoss) or a schedules.temperature`);
          } else if (teacher.kind === 'teacherCache') {
            const other = epochs.find((epoch) => valueAt('temperature', epoch) !== teacher.temperature);
            if (other !== undefined) {
              found.push(
                `teacher: the TeacherCache ${teacher.path} holds probabilities at temperature ${teacher.temperature} only, but epoch ${other} trains at temperature ${valueAt('temperature', other)}`,
              );
            }
          }
        }
        const hard = epochs.find((epoch) => (valueAt('hardWeight', epoch) ?? 0) > 0);
        if (hard !== undefined && !transferSet.hasLabels) {
          found.push(`transferSet: has no labels, but the loss's hardWeight is ${valueAt('hardWeight', hard)} in epoch ${hard} (it must be 0 without labels)`);
        }
        if (needs?.labels === 'every') {
          const unlabeled = transferSet.labels.indexOf(-1);
          if (unlabeled >= 0) found.push(`transferSet: loss '${config!.key}' needs a label for every example, but example ${unlabeled} has none`);
        }
        if (teacher.kind === 'teacherCache' && options.mixup) {
          found.push(`options.mixup: makes new inputs every step, which the TeacherCache ${teacher.path} holds no outputs for; distil from the live teacher to mix`);
        } else if (teacher.kind === 'teacherCache') {
          found.push(...cacheProblems(teacher, transferSet, options));
        }
        return found;
      };

      const prepare = (batch: Batch, epochOverrides: Readonly<Record<string, number>>): Record<string, Tensor> => {
        const temperature = epochOverrides.temperature ?? configured('temperature');
        if (teacher.kind === 'teacherCache') {
          return teacher.stores === 'logits' ? { teacherLogits: teacher.logits(batch) } : { teacherProbs: teacher.probs(batch, temperature) };
        }
        return tf.tidy((): Record<string, Tensor> => (teacher.logits ? { teacherLogits: teacher.logits(batch.x) } : { teacherProbs: teacher.probs(batch.x, temperature) }));
      };

      return runFitLoop({
        fn: fitFn,
        dataArg: 'transferSet',
        model: student,
        data: transferSet,
        options,
        config: { loss: config ?? { key: '(a hand-written loss function)' }, schedules },
        overrides,
        ...(config || Object.keys(schedules).length > 0
          ? {
              lossOptions: (epoch: number) => {
                const numbers = Object.fromEntries(Object.entries(config?.options ?? {}).filter(([, value]) => typeof value === 'number')) as Record<string, number>;
                return { ...numbers, ...overrides(epoch) };
              },
            }
          : {}),
        problems,
        prepare,
        loss: ({ batch, studentLogits, overrides: epochOverrides, prepared }) =>
          loss(
            {
              studentLogits,
              ...(prepared.teacherLogits ? { teacherLogits: prepared.teacherLogits } : {}),
              ...(prepared.teacherProbs ? { teacherProbs: prepared.teacherProbs } : {}),
              ...(batch.y ? { labels: batch.y } : {}),
            },
            Object.keys(epochOverrides).length > 0 ? epochOverrides : undefined,
          ),
        ...(teacher.kind === 'teacher' ? { validationTeacher: teacher } : {}),
      });
    },
  };
}

/**
 * Why a cache cannot serve this fit: it was built on other inputs (a reordered or subsampled set
 * would pair every example with another's outputs), or it lacks an example of some epoch.
 */
function cacheProblems(cache: TeacherCache, transferSet: Dataset, options: FitOptions): string[] {
  const inputs = transferSet.inputsFingerprint();
  if (cache.inputsFingerprint !== inputs) {
    return [
      `teacher: the TeacherCache ${cache.path} was built on a data set with inputs fingerprint ${cache.inputsFingerprint}, but the transfer set being fitted has inputs fingerprint ${inputs}: its outputs belong to other examples`,
    ];
  }
  const epochs = options.augment === undefined ? 1 : options.epochs;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const plan = batchKeys(transferSet, { batchSize: options.batchSize ?? 128, seed: options.seed ?? 0, epoch, ...(options.augment ? { augment: options.augment } : {}) });
    for (const { indices, augmentation } of plan) {
      const k = indices.findIndex((index, i) => !cache.has(index, augmentation?.[i] ?? null));
      if (k >= 0) {
        return [
          `teacher: the TeacherCache ${cache.path} has no output for example '${exampleKey(indices[k]!, augmentation?.[k] ?? null)}' of epoch ${epoch}${options.augment ? ' (with augmentation, build it from the batches of every epoch you train, with the same seed)' : ''}`,
        ];
      }
    }
  }
  return [];
}
