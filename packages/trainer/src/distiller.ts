import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Dataset } from '@kd/data';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import { createLoss } from '@kd/losses';
import type { BatchLoss, LossSpec } from '@kd/losses';
import { describeValue } from '@kd/core';
import { takesFlatInput } from './evaluate';
import { checkFitOptions, runFitLoop } from './fit-loop';
import type { FitOptions, FitResult } from './fit-loop';
import { scheduleProblems, scheduleValue } from './schedule';
import type { Schedule } from './schedule';

/** Per-epoch schedules of the loss's numeric options (each must be an option the loss has). */
export interface DistillSchedules {
  temperature?: Schedule;
  softWeight?: Schedule;
  hardWeight?: Schedule;
}

/** Options of {@link Distiller.fit}: the shared loop options plus schedules. */
export interface DistillOptions extends FitOptions {
  /** Temperature and soft / hard weight over epochs; they override the loss's options. */
  schedules?: DistillSchedules;
}

/** Arguments of {@link createDistiller}. */
export interface DistillerArgs {
  /**
   * A frozen teacher (`@kd/ensemble`: one model, an ensemble), run on each batch's inputs, or a
   * `TeacherCache` of its outputs (`openTeacherCache`), read by each batch's example indices and
   * augmentation parameters.
   */
  teacher: Teacher | TeacherCache;
  /** The model that learns; it must output logits. Only its trainable weights change. */
  student: LayersModel;
  /**
   * The loss, as a `{ key, options }` spec for `createLoss` of `@kd/losses` (e.g.
   * `{ key: 'distillation', options: { temperature: 20, hardWeight: 0.1 } }`) or a built one.
   */
  loss: LossSpec | BatchLoss;
  /**
   * The input layout the teacher takes, when it differs from the student's: `'flat'`
   * `[batch, features]` or `'image'` `[batch, height, width, channels]`. Default: the student's.
   */
  teacherInput?: 'flat' | 'image';
}

/** A teacher and a student bound to a loss; `fit` trains the student on a transfer set. */
export interface Distiller {
  readonly teacher: Teacher | TeacherCache;
  readonly student: LayersModel;
  /**
   * Trains the student on `transferSet` (labelled, partly labelled with -1, or unlabeled) to match
   * the teacher's outputs on the same, identically augmented, inputs. Each call makes a fresh
   * optimizer from `options.optimizer` (or restores it from a checkpoint with `resume`).
   */
  fit(transferSet: Dataset, options: DistillOptions): Promise<FitResult>;
}

function isCache(teacher: Teacher | TeacherCache): teacher is TeacherCache {
  return typeof (teacher as TeacherCache).has === 'function';
}

/**
 * Binds a frozen teacher and a student to a distillation loss, Keras-`Distiller` style: the teacher
 * is frozen by construction (its outputs are computed outside the gradient tape and only
 * `student.trainableWeights` go to the optimizer), and the loss's terms (`soft`, `hard`, ...) are
 * reported separately each epoch.
 */
export function createDistiller(args: DistillerArgs): Distiller {
  const fn = 'createDistiller';
  if (args === null || typeof args !== 'object') throw new TypeError(`Argument 'args' passed to '${fn}' must be an object, got ${describeValue(args)}`);
  const { teacher, student, teacherInput } = args;
  const isTeacher = teacher !== null && typeof teacher === 'object' && typeof (teacher as Teacher).probs === 'function';
  if (!isTeacher) {
    throw new TypeError(`Argument 'teacher' passed to '${fn}' must be a Teacher or a TeacherCache (from @kd/ensemble), got ${describeValue(teacher)}`);
  }
  if (student === null || typeof student !== 'object' || !Array.isArray(student.trainableWeights)) {
    throw new TypeError(`Argument 'student' passed to '${fn}' must be a tfjs LayersModel, got ${describeValue(student)}`);
  }
  if (teacherInput !== undefined && teacherInput !== 'flat' && teacherInput !== 'image') {
    throw new Error(`Argument 'teacherInput' passed to '${fn}' must be 'flat' or 'image', got ${describeValue(teacherInput)}`);
  }
  const studentClasses = student.outputs[0]?.shape[1];
  if (studentClasses !== teacher.numClasses) {
    throw new Error(
      `Arguments 'teacher' and 'student' passed to '${fn}' must have the same number of classes, got ${teacher.numClasses} and ${String(studentClasses)}`,
    );
  }
  const batchLoss: BatchLoss = typeof args.loss === 'function' ? args.loss : createLoss(args.loss);
  const lossOptions = typeof args.loss === 'function' ? {} : (args.loss.options ?? {});
  const temperatureOf = (values: Readonly<Record<string, number>>): number => {
    const t = values.temperature ?? lossOptions.temperature;
    return typeof t === 'number' ? t : 1;
  };

  return {
    teacher,
    student,
    async fit(transferSet, options) {
      const fitFn = 'Distiller.fit';
      if (!(transferSet instanceof Dataset)) {
        throw new TypeError(`Argument 'transferSet' passed to '${fitFn}' must be a Dataset, got ${describeValue(transferSet)}`);
      }
      checkFitOptions(fitFn, options);
      const schedules = options.schedules ?? {};
      const problems = Object.entries(schedules).flatMap(([name, schedule]) =>
        ['temperature', 'softWeight', 'hardWeight'].includes(name)
          ? scheduleProblems(schedule, `options.schedules.${name}`)
          : [`options.schedules.${name}: expected temperature, softWeight or hardWeight`],
      );
      if (problems.length > 0) throw new Error(`'${fitFn}': ${problems.join('; ')}`);

      const studentFlat = takesFlatInput(student);
      const [height, width, channels] = transferSet.imageShape;
      const toTeacher = (x: Tensor): Tensor => {
        if (teacherInput === undefined || (teacherInput === 'flat') === studentFlat) return x;
        return teacherInput === 'flat' ? tf.reshape(x, [x.shape[0]!, -1]) : tf.reshape(x, [x.shape[0]!, height, width, channels]);
      };

      return runFitLoop({
        fn: fitFn,
        model: student,
        data: transferSet,
        options,
        values: (epoch) => {
          const values: Record<string, number> = {};
          for (const [name, schedule] of Object.entries(schedules)) {
            values[name] = scheduleValue(schedule as Schedule, epoch, `schedules.${name}`);
          }
          return values;
        },
        logged: (epoch) => {
          // The loss's own numbers, overridden by this epoch's schedules: what the epoch used.
          const logged: Record<string, number> = {};
          for (const name of ['temperature', 'softWeight', 'hardWeight']) {
            const schedule = schedules[name as keyof DistillSchedules];
            if (schedule !== undefined) logged[name] = scheduleValue(schedule, epoch, `schedules.${name}`);
            else if (typeof lossOptions[name] === 'number') logged[name] = lossOptions[name];
          }
          return logged;
        },
        prepare: (batch, values): Record<string, Tensor> => {
          if (isCache(teacher)) {
            return teacher.kind === 'logits'
              ? { teacherLogits: teacher.logits(batch) }
              : { teacherProbs: teacher.probs(batch, temperatureOf(values)) };
          }
          return tf.tidy((): Record<string, Tensor> => {
            const input = toTeacher(batch.x);
            return teacher.logits ? { teacherLogits: teacher.logits(input) } : { teacherProbs: teacher.probs(input, temperatureOf(values)) };
          });
        },
        loss: ({ batch, studentLogits, values, prepared }) =>
          batchLoss(
            {
              studentLogits,
              ...(prepared.teacherLogits ? { teacherLogits: prepared.teacherLogits } : {}),
              ...(prepared.teacherProbs ? { teacherProbs: prepared.teacherProbs } : {}),
              ...(batch.y ? { labels: batch.y } : {}),
            },
            Object.keys(values).length > 0 ? values : undefined,
          ),
        ...(isCache(teacher)
          ? {}
          : {
              validationTeacher: (x: Tensor) => {
                const input = toTeacher(x);
                return teacher.logits ? teacher.logits(input) : teacher.probs(input, 1);
              },
            }),
      });
    },
  };
}
