import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { argumentError, assertNonNegative, assertPositive, describeValue } from '@kd/core';
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
 * A per-batch loss as a plain function: `overrides` replaces numeric options for this call only
 * (temperature and weight schedules). The caller disposes every returned scalar. Hand-written losses
 * have this shape; {@link createLoss} returns a {@link BatchLoss}, which also says what it is.
 */
export type LossFunction = (inputs: LossInputs, overrides?: Readonly<Record<string, number>>) => LossOutput;

/**
 * The options of each registered loss, by key. Weights are named for what they weigh; the papers'
 * own names are in the docs of `decoupledKdLoss` and `distLoss`.
 */
export interface LossOptions {
  distillation: { temperature: number; softWeight?: number; hardWeight?: number };
  logitMatching: { weight?: number; hardWeight?: number };
  decoupledKd: { temperature: number; tckdWeight?: number; nckdWeight?: number; hardWeight?: number };
  dist: { temperature: number; interWeight?: number; intraWeight?: number; hardWeight?: number };
  hint: { weight?: number; hardWeight?: number; projection?: Projection | ReadonlyArray<Projection | undefined> };
  attentionTransfer: { weight?: number; p?: number; hardWeight?: number };
}

/** The keys of {@link lossRegistry}. */
export type LossKey = keyof LossOptions;

type NumericName<K extends LossKey> = {
  [P in keyof LossOptions[K]]-?: NonNullable<LossOptions[K][P]> extends number ? P : never;
}[keyof LossOptions[K]];

/**
 * A serialisable loss choice, typed by key so that a misspelt or foreign option is a compile
 * error: `{ key: 'distillation', options: { temperature: 4, hardWeight: 0.1 } }`. `options` may be
 * left out when the loss has no required option.
 */
export type LossSpec<K extends LossKey = LossKey> = K extends LossKey
  ? {} extends LossOptions[K]
    ? { key: K; options?: LossOptions[K] | undefined }
    : { key: K; options: LossOptions[K] }
  : never;

/**
 * What a built loss was built with, every option resolved (defaults included), like Keras's
 * `get_config`: `createLoss(loss.config)` builds the same loss, and trainers log and checkpoint it.
 */
export type LossConfig<K extends LossKey = LossKey> = K extends LossKey
  ? {
      readonly key: K;
      readonly options: Readonly<Record<NumericName<K>, number> & Omit<LossOptions[K], NumericName<K>>>;
    }
  : never;

/** What a loss needs in its inputs, so a trainer can check a teacher and data before training. */
export interface LossNeeds {
  /**
   * `'logits'`: teacher logits only (logit matching, DKD); `'logitsOrProbs'`: logits or ready soft
   * targets at the loss's temperature (distillation, DIST); `'features'`: student and teacher
   * features instead (hints, attention transfer).
   */
  readonly teacher: 'logits' | 'logitsOrProbs' | 'features';
  /** `'every'`: every example needs a label (DKD); `'optional'`: labels only feed the hard term. */
  readonly labels: 'optional' | 'every';
}

/** A loss built by {@link createLoss}: a {@link LossFunction} that also says what it is. */
export interface BatchLoss<K extends LossKey = LossKey> {
  (inputs: LossInputs, overrides?: Readonly<Record<string, number>>): LossOutput;
  /** Every option it was built with, defaults included. */
  readonly config: LossConfig<K>;
  /** What it needs in its inputs. */
  readonly needs: LossNeeds;
}

/** Makes a {@link BatchLoss} from an options object (from code or from a JSON experiment). */
export type LossFactory<K extends LossKey = LossKey> = (options?: Readonly<Record<string, unknown>>) => BatchLoss<K>;

type Bound = 'positive' | 'nonNegative';

/** How one numeric option is checked; an option without a default is required. */
export interface NumericOptionSpec {
  /** `'positive'`: a finite number > 0; `'nonNegative'`: >= 0. */
  readonly bound: Bound;
  /** The largest value it takes, when there is one (a temperature: {@link maxTemperature}). */
  readonly max?: number;
  readonly default?: number;
}

/**
 * The highest temperature a registered loss takes. Their soft terms are scaled by T^2, and float32
 * runs out of digits at high T, as measured on logits of scale 5: at T = 1000 the distillation
 * loss's value is within 0.1 % of float64 and its gradient within 2e-5; at 1e4 the value is 7 %
 * off, at 1e5 it is noise (even negative), and from about 1.8e19 T^2 overflows and the loss is
 * NaN. Beyond 1000, `logitMatching` is the loss to use: it is distillation's limit as T grows.
 */
export const maxTemperature = 1000;

type NumericSpecs<K extends LossKey> = {
  readonly [P in NumericName<K>]-?: undefined extends LossOptions[K][P] ? NumericOptionSpec & { readonly default: number } : NumericOptionSpec;
};

interface LossDefinition<K extends LossKey> {
  key: K;
  numeric: NumericSpecs<K>;
  needs: LossNeeds;
  /** Non-numeric options (functions), checked by `checkOther` when the loss is created. */
  other?: readonly string[];
  checkOther?: (fn: string, other: Record<string, unknown>) => void;
  /** The loss's own weighted terms; `hard` is added by the registry. */
  terms: (inputs: LossInputs, numbers: Record<string, number>, other: Record<string, unknown>) => Record<string, Scalar>;
}

const hardWeight = { bound: 'nonNegative', default: 0 } as const;
const temperatureSpec = { bound: 'positive', max: maxTemperature } as const;

function defineLoss<K extends LossKey>(definition: LossDefinition<K>): LossFactory<K> {
  const numeric = definition.numeric as Record<string, NumericOptionSpec>;
  const numericNames = Object.keys(numeric);
  const known = [...numericNames, ...(definition.other ?? [])];
  const fn = `${definition.key} loss`;
  return (options = {}) => {
    const where = `createLoss('${definition.key}')`;
    assertKnownOptions(where, 'options', options, known);
    const base: Record<string, number> = {};
    for (const name of numericNames) {
      const option = numeric[name]!;
      const value = options[name] ?? option.default;
      if (value === undefined) {
        throw new Error(`Argument 'options.${name}' passed to '${where}' is required, got nothing`);
      }
      checkNumber(where, `options.${name}`, value, option);
      base[name] = value as number;
    }
    const other = Object.fromEntries((definition.other ?? []).filter((name) => options[name] !== undefined).map((name) => [name, options[name]]));
    definition.checkOther?.(where, other);
    const loss = (inputs: LossInputs, overrides?: Readonly<Record<string, number>>): LossOutput => {
      if (inputs === null || typeof inputs !== 'object') {
        throw new TypeError(`Argument 'inputs' passed to '${fn}' must be an object, got ${inputs === null ? 'null' : typeof inputs}`);
      }
      const numbers = { ...base };
      if (overrides !== undefined) {
        assertKnownOptions(fn, 'overrides', overrides, numericNames);
        for (const [name, value] of Object.entries(overrides)) {
          checkNumber(fn, `overrides.${name}`, value, numeric[name]!);
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
    const config = Object.freeze({ key: definition.key, options: Object.freeze({ ...base, ...other }) }) as unknown as LossConfig<K>;
    return Object.assign(loss, { config, needs: definition.needs });
  };
}

function checkNumber(fn: string, arg: string, value: unknown, spec: NumericOptionSpec): void {
  if (spec.bound === 'positive') assertPositive(fn, arg, value);
  else assertNonNegative(fn, arg, value);
  if (spec.max !== undefined && value > spec.max) throw argumentError(fn, arg, `a finite number in ${spec.bound === 'positive' ? '(0' : '[0'}, ${spec.max}]`, value);
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

// The registered losses, each defined once; `lossRegistry` and `lossOptionSpecs` are read from here.
const definitions: { readonly [K in LossKey]: LossDefinition<K> } = {
  distillation: {
    key: 'distillation',
    numeric: { temperature: temperatureSpec, softWeight: { bound: 'nonNegative', default: 1 }, hardWeight },
    needs: { teacher: 'logitsOrProbs', labels: 'optional' },
    terms: (inputs, { temperature, softWeight }) => {
      const { soft } = distillationLoss({
        studentLogits: need('distillation loss', 'studentLogits', inputs.studentLogits),
        teacherLogits: inputs.teacherLogits,
        teacherProbs: inputs.teacherProbs,
        temperature: temperature!,
      });
      return { soft: tf.mul(soft, softWeight!) };
    },
  },
  logitMatching: {
    key: 'logitMatching',
    numeric: { weight: { bound: 'nonNegative', default: 1 }, hardWeight },
    needs: { teacher: 'logits', labels: 'optional' },
    terms: (inputs, { weight }) => ({
      logits: tf.mul(
        logitMatchingLoss({
          studentLogits: need('logitMatching loss', 'studentLogits', inputs.studentLogits),
          teacherLogits: need('logitMatching loss', 'teacherLogits', inputs.teacherLogits),
        }),
        weight!,
      ),
    }),
  },
  decoupledKd: {
    key: 'decoupledKd',
    numeric: {
      temperature: temperatureSpec,
      tckdWeight: { bound: 'nonNegative', default: 1 },
      nckdWeight: { bound: 'nonNegative', default: 8 },
      hardWeight,
    },
    needs: { teacher: 'logits', labels: 'every' },
    terms: (inputs, { temperature, tckdWeight, nckdWeight }) => {
      const fn = 'decoupledKd loss';
      const { tckd, nckd } = decoupledKdLoss({
        studentLogits: need(fn, 'studentLogits', inputs.studentLogits),
        teacherLogits: need(fn, 'teacherLogits', inputs.teacherLogits),
        labels: need(fn, 'labels', inputs.labels),
        temperature: temperature!,
      });
      return { tckd: tf.mul(tckd, tckdWeight!), nckd: tf.mul(nckd, nckdWeight!) };
    },
  },
  dist: {
    key: 'dist',
    numeric: {
      temperature: temperatureSpec,
      interWeight: { bound: 'nonNegative', default: 1 },
      intraWeight: { bound: 'nonNegative', default: 1 },
      hardWeight,
    },
    needs: { teacher: 'logitsOrProbs', labels: 'optional' },
    terms: (inputs, { temperature, interWeight, intraWeight }) => {
      const { inter, intra } = distLoss({
        studentLogits: need('dist loss', 'studentLogits', inputs.studentLogits),
        teacherLogits: inputs.teacherLogits,
        teacherProbs: inputs.teacherProbs,
        temperature: temperature!,
      });
      return { inter: tf.mul(inter, interWeight!), intra: tf.mul(intra, intraWeight!) };
    },
  },
  hint: {
    key: 'hint',
    numeric: { weight: { bound: 'nonNegative', default: 1 }, hardWeight },
    needs: { teacher: 'features', labels: 'optional' },
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
  },
  attentionTransfer: {
    key: 'attentionTransfer',
    numeric: { weight: { bound: 'nonNegative', default: 1 }, p: { bound: 'positive', default: 2 }, hardWeight },
    needs: { teacher: 'features', labels: 'optional' },
    terms: (inputs, { weight, p }) => {
      const losses = featurePairs('attentionTransfer loss', inputs).map(([studentFeatures, teacherFeatures]) =>
        attentionTransferLoss({ studentFeatures, teacherFeatures, p: p! }),
      );
      return { attention: tf.mul(tf.addN(losses), weight!) };
    },
  },
};

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
 * | `decoupledKd` | `temperature` (required), `tckdWeight` (1), `nckdWeight` (8) | `tckd` = tckdWeight x TCKD, `nckd` = nckdWeight x NCKD |
 * | `dist` | `temperature` (required), `interWeight` (1), `intraWeight` (1) | `inter`, `intra` (weighted) |
 * | `hint` | `weight` (1), `projection` (none; a function or one per layer) | `hint` (summed over layers) |
 * | `attentionTransfer` | `weight` (1), `p` (2) | `attention` (summed over layers) |
 */
export const lossRegistry: { readonly [K in LossKey]: LossFactory<K> } = Object.fromEntries(
  Object.entries(definitions).map(([key, definition]) => [key, defineLoss(definition as LossDefinition<LossKey>)]),
) as never;

/**
 * The options of every registered loss, by key: for each numeric option its bound and default
 * (none: required), the names of its other options, and what the loss needs in its inputs. Config
 * validators and schema generators read this; it is the registry's own table, not a copy.
 */
export const lossOptionSpecs: {
  readonly [K in LossKey]: {
    readonly numeric: Readonly<Record<string, NumericOptionSpec>>;
    readonly other: readonly string[];
    readonly needs: LossNeeds;
  };
} = Object.fromEntries(
  Object.entries(definitions).map(([key, definition]) => [key, { numeric: definition.numeric, other: definition.other ?? [], needs: definition.needs }]),
) as never;

/**
 * Builds the loss a spec names: `createLoss({ key: 'distillation', options: { temperature: 4,
 * hardWeight: 0.1 } })`. An unknown key fails with the list of known keys; unknown or invalid
 * options fail naming them. The result carries its resolved `config` and what it `needs`.
 */
export function createLoss<K extends LossKey>(spec: LossSpec<K>): BatchLoss<K> {
  if (spec === null || typeof spec !== 'object') {
    throw new TypeError(`Argument 'spec' passed to 'createLoss' must be an object { key, options }, got ${spec === null ? 'null' : typeof spec}`);
  }
  const key: unknown = spec.key;
  if (typeof key !== 'string' || !Object.hasOwn(lossRegistry, key)) {
    const keys = Object.keys(lossRegistry);
    throw new Error(`Argument 'spec.key' passed to 'createLoss' must be one of ${keys.map((k) => `'${k}'`).join(', ')}, got ${describeValue(key)}`);
  }
  return (lossRegistry[spec.key] as LossFactory<K>)(spec.options as Readonly<Record<string, unknown>> | undefined);
}
