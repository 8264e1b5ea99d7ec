import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

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

/**
 * `actual` equals `expected` to `rel` relative; the absolute floor `abs` only matters for values
 * that should be 0 (float32 cannot resolve 1e-5 of 1e-15).
 */
export function expectClose(actual: number, expected: number, what: string, rel = 1e-5, abs = 1e-7): void {
  const error = Math.abs(actual - expected);
  expect(error, `${what}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(rel * Math.abs(expected) + abs);
}

/**
 * Element-wise closeness of a gradient (or any array), relative to the array's largest magnitude:
 * a gradient's small entries carry float32 rounding of its large ones.
 */
export function expectArrayClose(actual: ArrayLike<number>, expected: unknown[], what: string, rel = 1e-5): void {
  const flat = (expected as number[]).flat(4) as number[];
  expect(actual.length, `${what}: length`).toBe(flat.length);
  const scale = Math.max(...flat.map(Math.abs), 1e-30);
  let worst = 0;
  for (let i = 0; i < flat.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - flat[i]!));
  expect(worst / scale, `${what}: largest error relative to largest entry`).toBeLessThanOrEqual(rel);
}
