import { describeValue } from '@kd/core';

/**
 * Checks a specialist's class list against a generalist with `numClasses` classes: a non-empty
 * list of distinct class ids in [0, numClasses), which leaves at least one class for the dustbin.
 */
export function checkSpecialistClasses(fn: string, arg: string, classes: unknown, numClasses: number): asserts classes is readonly number[] {
  if (!Array.isArray(classes) || classes.length === 0) {
    throw new Error(`Argument '${arg}' passed to '${fn}' must be a non-empty array of class ids, got ${describeValue(classes)}`);
  }
  const seen = new Set<number>();
  classes.forEach((c: unknown, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new Error(
        `Argument '${arg}' passed to '${fn}' must be a subset of the generalist's classes 0..${numClasses - 1}, got ${describeValue(c)} at ${arg}[${i}]`,
      );
    }
    if (seen.has(c)) throw new Error(`Argument '${arg}' passed to '${fn}' must not repeat a class, got ${c} twice`);
    seen.add(c);
  });
  if (classes.length >= numClasses) {
    throw new Error(
      `Argument '${arg}' passed to '${fn}' must leave at least one of the generalist's ${numClasses} classes for the dustbin, got all of them`,
    );
  }
}
