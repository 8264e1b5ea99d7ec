import * as tf from '@tensorflow/tfjs-core';
import { argumentError, assertInteger, assertNonNegative, assertPositive, assertTensor, describeValue } from '@kd/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(() => tf.setBackend('cpu'));

describe('describeValue', () => {
  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    [3, '3'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
    ['adam', "'adam'"],
    [[1, 2], 'an array'],
    [new Float32Array(2), 'a Float32Array'],
    [new Int32Array(2), 'an Int32Array'],
    [{ a: 1 }, 'object'],
    [() => 1, 'function'],
  ])('shows %j as %s', (value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });
});

describe('argument checks', () => {
  it('names the function, the argument, what was expected and what came', () => {
    expect(argumentError('f', 'x', 'a boolean', 'yes').message).toBe("Argument 'x' passed to 'f' must be a boolean, got 'yes'");
  });

  it('assertTensor takes a tensor and refuses anything else with a TypeError', () => {
    const t = tf.scalar(1);
    expect(() => assertTensor('f', 'x', t)).not.toThrow();
    t.dispose();
    expect(() => assertTensor('f', 'x', [1])).toThrow(new TypeError("Argument 'x' passed to 'f' must be a Tensor, got an array"));
    expect(() => assertTensor('f', 'x', { shape: [1], dtype: 'float32' })).toThrow(TypeError);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1'])('assertPositive refuses %j', (value) => {
    expect(() => assertPositive('f', 'x', value)).toThrow(/^Argument 'x' passed to 'f' must be a finite number > 0, got /);
  });

  it('assertPositive and assertNonNegative take their ranges', () => {
    expect(() => assertPositive('f', 'x', 1e-9)).not.toThrow();
    expect(() => assertNonNegative('f', 'x', 0)).not.toThrow();
    expect(() => assertNonNegative('f', 'x', -1e-9)).toThrow("Argument 'x' passed to 'f' must be a finite number >= 0, got -1e-9");
  });

  it('assertInteger states its range', () => {
    expect(() => assertInteger('f', 'n', 1, 1)).not.toThrow();
    expect(() => assertInteger('f', 'n', 0, 1)).toThrow("Argument 'n' passed to 'f' must be an integer >= 1, got 0");
    expect(() => assertInteger('f', 'n', 1.5, 0, 9)).toThrow("Argument 'n' passed to 'f' must be an integer in [0, 9], got 1.5");
    expect(() => assertInteger('f', 'n', 10, 0, 9)).toThrow('in [0, 9], got 10');
  });
});
