import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { assertNonNegative, assertPositive } from '@kd/core';
import { attentionTransferLoss } from './attention-transfer-loss';
import { decoupledKdLoss } from './decoupled-kd-loss';
import { distLoss } from './dist-loss';
import { distillationLoss } from './distillation-loss';
import { checkLabels, labelCrossEntropy } from './hard-label-loss';
import { hintLoss } from './hint-loss';
import type { Projection } from './hint-loss';
import { logitMatchingLoss } from './logit-matching-loss';
import { assertKnownOptions, assertLogits } from './validate';

/**
 * Everything a loss may need for one batch; each loss reads the fields it uses and fails naming
 * any it needs but did not get. Feature fields take one tensor or a list (one per layer pair).
 */
export interface LossInputs {
  /** float32 `[batch, classes]`. */
  studentLogits?: Tensor | undefined;
  /** float32 `[batch, classes]`. */
  teacherLogits?: Tensor | undefined;
  /** float32 `[batch, classes]`: ready soft targets at the loss's temperature. */
  teacherProbs?: Tensor | undefined;
  /** int32 class ids `[batch]` (`-1` = no label) or float32 label rows `[batch, classes]`. */
  labels?: Tensor | undefined;
  studentFeatures?: Tensor | readonly Tensor[] | undefined;
  teacherFeatures?: Tensor | readonly Tensor[] | undefined;
}

/** One batch's loss: `total` is the sum of `terms`, each term already weighted. */
export interface LossOutput {
  total: Scalar;
  /** Weighted parts by name, for logging each separately (`{ soft, hard }`, `{ tckd, nckd }`...). */
  terms: Record<string, Scalar>;
}

/**
 * A loss configured for training. `overrides` replaces numeric options for this call only
 * (temperature and weight schedules); a name the loss does not know is an error.
 * The caller disposes every returned scalar.
 */
export type BatchLoss = (inputs: LossInputs, overrides?: Readonly<Record<string, number>>) => LossOutput;

/** Makes a {@link BatchLoss} from an options object (from code or from a JSON experiment). */
export type LossFactory = (options?: Readonly<Record<string, unknown>>) => BatchLoss;

/** A serialisable loss choice, e.g. `{ "key": "distillation", "options": { "temperature": 4 } }`. */
export interface LossSpec {
  key: string;
  options?: Readonly<Record<string, unknown>> | undefined;
}

type Bound = 'positive' | 'nonNegative';
interface NumericOption {
  bound: Bound;
  /** Omitted: the option is required. */
  default?: number;
}

interface LossDefinition {
  key: string;
  numeric: Record<string, NumericOption>;
  /** Non-numeric options (functions), checked by `checkOther` when the loss is created. */
  other?: readonly string[];
  checkOther?: (fn: string, other: Record<string, unknown>) => void;
  /** The loss's own weighted terms; `hard` is added by the registry. */
  terms: (inputs: LossInputs, numbers: Record<string, number>, other: Record<string, unknown>) => Record<string, Scalar>;
}

const hardWeight: NumericOption = { bound: 'nonNegative', default: 0 };

function defineLoss(definition: LossDefinition): LossFactory {
  const numericNames = Object.keys(definition.numeric);
  const known = [...numericNames, ...(definition.other ?? [])];
  const fn = `${definition.key} loss`;
  return (options = {}) => {
    const where = `createLoss('${definition.key}')`;
    assertKnownOptions(where, 'options', options, known);
    const base: Record<string, number> = {};
    for (const name of numericNames) {
      const option = definition.numeric[name]!;
      const value = options[name] ?? option.default;
      if (value === undefined) {
        throw new Error(`Argument 'options.${name}' passed to '${where}' is required, got nothing`);
      }
      checkNumber(where, `options.${name}`, value, option.bound);
      base[name] = value as number;
    }
    const other = Object.fromEntries((definition.other ?? []).map((name) => [name, options[name]]));
    definition.checkOther?.(where, other);
    return (inputs, overrides) => {
      if (inputs === null || typeof inputs !== 'object') {
        throw new TypeError(`Argument 'inputs' passed to '${fn}' must be an object, got ${inputs === null ? 'null' : typeof inputs}`);
      }
      const numbers = { ...base };
      if (overrides !== undefined) {
        assertKnownOptions(fn, 'overrides', overrides, numericNames);
        for (const [name, value] of Object.entries(overrides)) {
          checkNumber(fn, `overrides.${name}`, value, definition.numeric[name]!.bound);
          numbers[name] = value;
        }
      }
      const weight = numbers.hardWeight!;
      let labelled = -1;
      if (inputs.labels !== undefined) {
        assertLogits(fn, 'studentLogits', inputs.studentLogits);
        labelled = checkLabels(fn, inputs.labels, inputs.studentLogits);
      } else if (weight !== 0) {
        throw new Error(`Argument 'hardWeight' passed to '${fn}' must be 0 when no 'labels' are given, got ${weight}`);
      }
      return tf.tidy(() => {
        const terms = definition.terms(inputs, numbers, other);
        if (labelled >= 0) {
          terms.hard = tf.mul(labelCrossEntropy(inputs.studentLogits!, inputs.labels!, labelled), weight);
        }
        return { total: tf.addN(Object.values(terms)), terms };
      });
    };
  };
}

function checkNumber(fn: string, arg: string, value: unknown, bound: Bound): void {
  if (bound === 'positive') assertPositive(fn, arg, value);
  else assertNonNegative(fn, arg, value);
}

function need<T>(fn: string, name: string, value: T | undefined): T {
  if (value === undefined) {
    throw new Error(`Argument 'inputs.${name}' passed to '${fn}' is required by this loss, got nothing`);
  }
  return value;
}

/** Pairs student and teacher features, one tensor or matching lists. */
function featurePairs(fn: string, inputs: LossInputs): Array<[Tensor, Tensor, number]> {
  const student = need(fn, 'studentFeatures', inputs.studentFeatures);
  const teacher = need(fn, 'teacherFeatures', inputs.teacherFeatures);
  const students = Array.isArray(student) ? student : [student as Tensor];
  const teachers = Array.isArray(teacher) ? teacher : [teacher as Tensor];
  if (students.length !== teachers.length || students.length === 0) {
    throw new Error(
      `Arguments 'inputs.studentFeatures' and 'inputs.teacherFeatures' passed to '${fn}' must list the same number (>= 1) of layers, got ${students.length} and ${teachers.length}`,
    );
  }
  return students.map((s, i) => [s, teachers[i]!, i]);
}

/**
 * The losses a JSON experiment can name, as `{ key, options }`. A plain object: importing it
 * registers nothing. Every loss also takes `hardWeight` (default 0): with `labels` in the inputs it
 * adds the term `hard`, the student's cross-entropy at T = 1 with the labels (see
 * `hardLabelLoss`); without labels it must be 0.
 *
 * | key | options (default) | terms |
 * |---|---|---|
 * | `distillation` | `temperature` (required), `softWeight` (1) | `soft` = softWeight x `distillationLoss`'s soft |
 * | `logitMatching` | `weight` (1) | `logits` |
 * | `decoupledKd` | `temperature` (required), `alpha` (1), `beta` (8) | `tckd` = alpha x TCKD, `nckd` = beta x NCKD |
 * | `dist` | `temperature` (required), `beta` (1), `gamma` (1) | `inter`, `intra` (weighted) |
 * | `hint` | `weight` (1), `projection` (none; a function or one per layer) | `hint` (summed over layers) |
 * | `attentionTransfer` | `weight` (1), `p` (2) | `attention` (summed over layers) |
 */
export const lossRegistry = {
  distillation: defineLoss({
    key: 'distillation',
    numeric: { temperature: { bound: 'positive' }, softWeight: { bound: 'nonNegative', default: 1 }, hardWeight },
    terms: (inputs, { temperature, softWeight }) => {
      const { soft } = distillationLoss({
        studentLogits: need('distillation loss', 'studentLogits', inputs.studentLogits),
        teacherLogits: inputs.teacherLogits,
        teacherProbs: inputs.teacherProbs,
        temperature: temperature!,
      });
      return { soft: tf.mul(soft, softWeight!) };
    },
  }),
  logitMatching: defineLoss({
    key: 'logitMatching',
    numeric: { weight: { bound: 'nonNegative', default: 1 }, hardWeight },
    terms: (inputs, { weight }) => ({
      logits: tf.mul(
        logitMatchingLoss({
          studentLogits: need('logitMatching loss', 'studentLogits', inputs.studentLogits),
          teacherLogits: need('logitMatching loss', 'teacherLogits', inputs.teacherLogits),
        }),
        weight!,
      ),
    }),
  }),
  decoupledKd: defineLoss({
    key: 'decoupledKd',
    numeric: {
      temperature: { bound: 'positive' },
      alpha: { bound: 'nonNegative', default: 1 },
      beta: { bound: 'nonNegative', default: 8 },
      hardWeight,
    },
    terms: (inputs, { temperature, alpha, beta }) => {
      const fn = 'decoupledKd loss';
      const { tckd, nckd } = decoupledKdLoss({
        studentLogits: need(fn, 'studentLogits', inputs.studentLogits),
        teacherLogits: need(fn, 'teacherLogits', inputs.teacherLogits),
        labels: need(fn, 'labels', inputs.labels),
        temperature: temperature!,
      });
      return { tckd: tf.mul(tckd, alpha!), nckd: tf.mul(nckd, beta!) };
    },
  }),
  dist: defineLoss({
    key: 'dist',
    numeric: {
      temperature: { bound: 'positive' },
      beta: { bound: 'nonNegative', default: 1 },
      gamma: { bound: 'nonNegative', default: 1 },
      hardWeight,
    },
    terms: (inputs, { temperature, beta, gamma }) => {
      const { inter, intra } = distLoss({
        studentLogits: need('dist loss', 'studentLogits', inputs.studentLogits),
        teacherLogits: inputs.teacherLogits,
        teacherProbs: inputs.teacherProbs,
        temperature: temperature!,
      });
      return { inter: tf.mul(inter, beta!), intra: tf.mul(intra, gamma!) };
    },
  }),
  hint: defineLoss({
    key: 'hint',
    numeric: { weight: { bound: 'nonNegative', default: 1 }, hardWeight },
    other: ['projection'],
    checkOther: (fn, { projection }) => {
      const list = Array.isArray(projection) ? projection : [projection];
      if (!list.every((p) => p === undefined || typeof p === 'function')) {
        throw new TypeError(
          `Argument 'options.projection' passed to '${fn}' must be a function (features) => Tensor or a list of them, one per layer`,
        );
      }
    },
    terms: (inputs, { weight }, { projection }) => {
      const fn = 'hint loss';
      const pairs = featurePairs(fn, inputs);
      const projections = Array.isArray(projection) ? projection : pairs.map(() => projection);
      if (projections.length !== pairs.length) {
        throw new Error(
          `Argument 'options.projection' passed to '${fn}' must be one function or one per layer (${pairs.length}), got ${projections.length}`,
        );
      }
      const losses = pairs.map(([studentFeatures, teacherFeatures, i]) =>
        hintLoss({ studentFeatures, teacherFeatures, projection: projections[i] as Projection | undefined }),
      );
      return { hint: tf.mul(tf.addN(losses), weight!) };
    },
  }),
  attentionTransfer: defineLoss({
    key: 'attentionTransfer',
    numeric: { weight: { bound: 'nonNegative', default: 1 }, p: { bound: 'positive', default: 2 }, hardWeight },
    terms: (inputs, { weight, p }) => {
      const losses = featurePairs('attentionTransfer loss', inputs).map(([studentFeatures, teacherFeatures]) =>
        attentionTransferLoss({ studentFeatures, teacherFeatures, p: p! }),
      );
      return { attention: tf.mul(tf.addN(losses), weight!) };
    },
  }),
} satisfies Record<string, LossFactory>;

/** The keys of {@link lossRegistry}. */
export type LossKey = keyof typeof lossRegistry;

/**
 * Builds the loss a spec names: `createLoss({ key: 'distillation', options: { temperature: 4,
 * hardWeight: 0.1 } })`. An unknown key fails with the list of known keys; unknown or invalid
 * options fail naming them.
 */
export function createLoss(spec: LossSpec): BatchLoss {
  if (spec === null || typeof spec !== 'object') {
    throw new TypeError(`Argument 'spec' passed to 'createLoss' must be an object { key, options }, got ${spec === null ? 'null' : typeof spec}`);
  }
  const keys = Object.keys(lossRegistry);
  if (typeof spec.key !== 'string' || !Object.hasOwn(lossRegistry, spec.key)) {
    throw new Error(
      `Argument 'spec.key' passed to 'createLoss' must be one of ${keys.map((k) => `'${k}'`).join(', ')}, got ${typeof spec.key === 'string' ? `'${spec.key}'` : typeof spec.key}`,
    );
  }
  return lossRegistry[spec.key as LossKey](spec.options);
}
