import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { logSoftmaxWithTemperature, softmaxWithTemperature } from '@kd/losses';
import { assertPositive, assertTensor, describeValue, sha256 } from '@kd/core';
import { frozenForward, isTeacher } from './teacher';
import type { Teacher } from './teacher';

/**
 * How an ensemble turns its members' outputs at temperature T into one distribution:
 * - `'arithmetic'`: the weighted mean of the members' `softmax(v_m / T)`;
 * - `'geometric'`: the weighted geometric mean of those distributions, renormalised:
 *   `prod_m softmax(v_m / T)^w_m / Z`;
 * - `'logits'`: `softmax(sum_m w_m v_m / T)`, the softmax of the weighted mean logits.
 *
 * With weights that sum to 1 (they are normalised), `'geometric'` and `'logits'` give the same
 * distribution: `log softmax(v/T)` is `v/T` minus a per-row constant, and the constants cancel in
 * the renormalisation. They are kept apart because `'geometric'` also works for members that only
 * have probabilities (an arithmetic ensemble as a member), where there are no logits to average.
 * `'arithmetic'` differs from both: it is never sharper than its sharpest member.
 */
export type EnsembleCombine = 'arithmetic' | 'geometric' | 'logits';

/** Options of {@link ensemble}. */
export interface EnsembleOptions {
  /** How members are combined. Default `'arithmetic'` (the mean of the soft targets). */
  combine?: EnsembleCombine;
  /**
   * One weight > 0 per member, normalised to sum to 1. Default: equal weights.
   */
  weights?: readonly number[];
}

/** An ensemble is itself a {@link Teacher}; it also tells what it combines. */
export interface Ensemble extends Teacher {
  readonly members: readonly Teacher[];
  readonly combine: EnsembleCombine;
  /** The normalised weights, one per member. */
  readonly weights: readonly number[];
}

/**
 * Combines teachers into one teacher (the paper's ensemble of ten speech models). The members are
 * not copied or disposed.
 *
 * `logits(x)` exists for `'logits'` (the weighted mean logits) and for `'geometric'` when every
 * member has logits (the weighted mean of their log-softmax); an `'arithmetic'` ensemble has no
 * logits, because no single set of logits gives its soft targets at every temperature.
 */
export function ensemble(members: readonly Teacher[], options: EnsembleOptions = {}): Ensemble {
  const fn = 'ensemble';
  if (!Array.isArray(members) || members.length === 0) {
    throw new Error(`Argument 'members' passed to '${fn}' must be a non-empty array of teachers, got ${describeValue(members)}${Array.isArray(members) ? ' of length 0' : ''}`);
  }
  members.forEach((member, i) => {
    if (!isTeacher(member)) {
      throw new TypeError(`Argument 'members[${i}]' passed to '${fn}' must be a Teacher, got ${describeValue(member)}`);
    }
  });
  const numClasses = members[0]!.numClasses;
  members.forEach((member, i) => {
    if (member.numClasses !== numClasses) {
      throw new Error(
        `Members passed to '${fn}' must have the same number of classes: members[0] has ${numClasses}, members[${i}] has ${member.numClasses}`,
      );
    }
  });
  const combine = options.combine ?? 'arithmetic';
  if (combine !== 'arithmetic' && combine !== 'geometric' && combine !== 'logits') {
    throw new Error(
      `Argument 'combine' passed to '${fn}' must be 'arithmetic', 'geometric' or 'logits', got ${describeValue(combine)}`,
    );
  }
  const raw = options.weights ?? members.map(() => 1);
  if (!Array.isArray(raw) || raw.length !== members.length) {
    throw new Error(
      `Argument 'weights' passed to '${fn}' must have one weight per member (${members.length}), got ${Array.isArray(raw) ? raw.length : describeValue(raw)}`,
    );
  }
  raw.forEach((w, i) => assertPositive(fn, `weights[${i}]`, w));
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / total);
  const withoutLogits = members.findIndex((member) => typeof member.logits !== 'function');
  if (combine === 'logits' && withoutLogits >= 0) {
    throw new Error(
      `'${fn}' with combine 'logits' needs every member to have logits; members[${withoutLogits}] has none (use 'geometric' or 'arithmetic')`,
    );
  }

  const meanLogits = (x: Tensor): Tensor2D =>
    tf.tidy(() => tf.addN(members.map((member, i) => tf.mul(member.logits!(x), weights[i]!)))) as Tensor2D;
  const meanLogProbs = (x: Tensor, temperature: number): Tensor2D =>
    tf.tidy(() =>
      tf.addN(
        members.map((member, i) => {
          const logProbs =
            typeof member.logits === 'function'
              ? logSoftmaxWithTemperature(member.logits(x), temperature)
              : tf.log(tf.maximum(member.probs(x, temperature), PROB_FLOOR));
          return tf.mul(logProbs, weights[i]!);
        }),
      ),
    ) as Tensor2D;

  // The combination is frozen as a whole, like each member: nothing of it is recorded for gradients.
  const probs = (x: Tensor, temperature = 1): Tensor2D => {
    assertTensor(`${fn}.probs`, 'x', x);
    assertPositive(`${fn}.probs`, 'temperature', temperature);
    return frozenForward(x, (input) => {
      switch (combine) {
        case 'arithmetic':
          return tf.addN(members.map((member, i) => tf.mul(member.probs(input, temperature), weights[i]!)));
        case 'geometric':
          return tf.softmax(meanLogProbs(input, temperature));
        case 'logits':
          return softmaxWithTemperature(meanLogits(input), temperature);
      }
    }) as Tensor2D;
  };

  const fingerprint = (): string => {
    const hash = sha256().update(`ensemble\0${combine}\0${weights.join(',')}\0`);
    for (const member of members) hash.update(`${member.fingerprint()}\0`);
    return hash.digest();
  };

  const logits =
    combine === 'logits' || (combine === 'geometric' && withoutLogits < 0)
      ? (x: Tensor): Tensor2D => {
          assertTensor(`${fn}.logits`, 'x', x);
          return frozenForward(x, (input) => (combine === 'logits' ? meanLogits(input) : meanLogProbs(input, 1))) as Tensor2D;
        }
      : undefined;

  return {
    kind: 'teacher',
    numClasses,
    members,
    combine,
    weights,
    probs,
    ...(logits ? { logits } : {}),
    fingerprint,
  };
}

/** Smallest probability whose log is taken, so a member's underflowed zero stays finite. */
const PROB_FLOOR = 1e-30;
