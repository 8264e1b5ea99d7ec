import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { assertFloat, assertProbabilities, assertRank, assertSameShape, pickOne } from './validate';

/** The teacher as a loss receives it: logits, or ready soft targets (an ensemble's). */
export interface TeacherInput {
  teacherLogits?: Tensor | undefined;
  teacherProbs?: Tensor | undefined;
}

/** Checks that exactly one teacher form is given and that it matches the student's shape. */
export function checkTeacher(fn: string, input: TeacherInput, studentLogits: Tensor): void {
  pickOne(fn, 'teacherLogits', input.teacherLogits, 'teacherProbs', input.teacherProbs);
  if (input.teacherLogits !== undefined) {
    assertRank(fn, 'teacherLogits', input.teacherLogits, 2);
    assertFloat(fn, 'teacherLogits', input.teacherLogits);
    assertSameShape(fn, 'studentLogits', studentLogits, 'teacherLogits', input.teacherLogits);
  } else {
    assertProbabilities(fn, 'teacherProbs', input.teacherProbs, studentLogits, 'studentLogits');
  }
}

/**
 * The teacher's distribution at `temperature` and its log. With `teacherProbs` the log of a zero
 * probability is returned as 0, not -Infinity: it is only ever multiplied by that zero
 * probability, and 0 * -Infinity would be NaN.
 */
export function teacherDistribution(input: TeacherInput, temperature: number): { probs: Tensor; logProbs: Tensor } {
  return tf.tidy(() => {
    if (input.teacherLogits !== undefined) {
      const logProbs = tf.logSoftmax(tf.div(input.teacherLogits, temperature));
      return { probs: tf.exp(logProbs), logProbs };
    }
    const probs = input.teacherProbs!;
    const positive = tf.greater(probs, 0);
    return { probs: tf.clone(probs), logProbs: tf.log(tf.where(positive, probs, tf.onesLike(probs))) };
  });
}
