import { weightsByteLength } from '@kd/core';
import { describe, expect, it } from 'vitest';

describe('weightsByteLength', () => {
  it.each([
    { specs: [], bytes: 0 },
    { specs: [{ name: 'k', shape: [784, 8], dtype: 'float32' }, { name: 'b', shape: [8], dtype: 'float32' }], bytes: 4 * (784 * 8 + 8) },
    { specs: [{ name: 'step', shape: [], dtype: 'int32' }, { name: 'mask', shape: [3], dtype: 'bool' }], bytes: 4 + 3 },
    { specs: [{ name: 'q', shape: [10], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } }], bytes: 10 },
    { specs: [{ name: 'h', shape: [2, 5], dtype: 'float32', quantization: { dtype: 'float16' } }], bytes: 20 },
    { specs: [{ name: 's', shape: [2], dtype: 'string' }], bytes: undefined },
  ] as const)('$bytes bytes for $specs.length weights', ({ specs, bytes }) => {
    expect(weightsByteLength(specs as never)).toBe(bytes);
  });
});
