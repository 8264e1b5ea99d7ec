import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Golden values for @kd/losses, written by `generate_losses.py` (PyTorch, float64 on the same
 * float32 inputs). Regenerate with `/usr/bin/python3 test/golden/generate_losses.py`.
 */
type Matrix = number[][];
type Labels = { ids: number[] } | { rows: Matrix };
interface Teacher {
  teacherLogits?: Matrix;
  teacherProbs?: Matrix;
}
export interface LossesGolden {
  torch: string;
  distillation: Array<
    Teacher & {
      name: string;
      temperature: number;
      softWeight: number;
      hardWeight: number;
      studentLogits: Matrix;
      labels?: Labels;
      expected: { total: number; soft: number; hard?: number };
      gradTotal: Matrix;
      gradSoft: Matrix;
    }
  >;
  logitMatching: Array<{ name: string; studentLogits: Matrix; teacherLogits: Matrix; expected: number; grad: Matrix }>;
  hint: Array<{
    name: string;
    studentFeatures: number[] | Matrix | number[][][][];
    teacherFeatures: number[] | Matrix | number[][][][];
    projectionMatrix?: Matrix;
    expected: number;
    grad: unknown[];
  }>;
  attentionTransfer: Array<{
    name: string;
    p: number;
    studentFeatures: number[][][][];
    teacherFeatures: number[][][][];
    expected: number;
    grad: number[][][][];
  }>;
  decoupledKd: Array<{
    name: string;
    temperature: number;
    alpha: number;
    beta: number;
    studentLogits: Matrix;
    teacherLogits: Matrix;
    labels: number[];
    expected: { total: number; tckd: number; nckd: number };
    grad: Matrix;
  }>;
  dist: Array<
    Teacher & {
      name: string;
      temperature: number;
      beta: number;
      gamma: number;
      studentLogits: Matrix;
      expected: { total: number; inter: number; intra: number };
      grad: Matrix;
    }
  >;
}

export const golden: LossesGolden = JSON.parse(readFileSync(new URL('./losses.json', import.meta.url), 'utf8'));

/** Labels from their golden form: int32 class ids or float32 rows. */
export function labelsTensor(labels: Labels): Tensor {
  return 'ids' in labels ? tf.tensor1d(labels.ids, 'int32') : tf.tensor2d(labels.rows);
}

interface RelativeMatchers<R = unknown> {
  /**
   * Equals `expected` to `rel` relative (default 1e-5); the absolute floor `abs` (default 1e-7)
   * only matters for values that should be 0 (float32 cannot resolve 1e-5 of 1e-15).
   */
  toBeRelativelyClose(expected: number, rel?: number, abs?: number): R;
  /**
   * Element-wise equal to the nested array `expected`, to `rel` (default 1e-5) of its largest
   * magnitude: a gradient's small entries carry the float32 rounding of its large ones.
   */
  toMatchArrayRelatively(expected: unknown[], rel?: number): R;
}

declare module 'vitest' {
  // oxlint-disable-next-line no-unused-vars -- declaration merging needs vitest's exact signature
  interface Assertion<T = any> extends RelativeMatchers<T> {}
}

/** Register in a test file with `expect.extend(relativeMatchers)`. */
export const relativeMatchers = {
  toBeRelativelyClose(actual: number, expected: number, rel = 1e-5, abs = 1e-7) {
    const error = Math.abs(actual - expected);
    const allowed = rel * Math.abs(expected) + abs;
    return {
      pass: error <= allowed,
      message: () => `expected ${actual} to be within ${allowed} of ${expected} (off by ${error})`,
    };
  },
  toMatchArrayRelatively(actual: ArrayLike<number>, expected: unknown[], rel = 1e-5) {
    const flat = (expected as number[]).flat(4) as number[];
    if (actual.length !== flat.length) {
      return { pass: false, message: () => `expected ${flat.length} elements, got ${actual.length}` };
    }
    const scale = Math.max(...flat.map(Math.abs), 1e-30);
    let worst = 0;
    let at = 0;
    for (let i = 0; i < flat.length; i++) {
      const error = Math.abs(actual[i]! - flat[i]!);
      if (error > worst) [worst, at] = [error, i];
    }
    return {
      pass: worst <= rel * scale,
      message: () =>
        `largest error ${worst} at element ${at} (got ${actual[at]}, expected ${flat[at]}) exceeds ${rel} of the largest entry ${scale}`,
    };
  },
};
