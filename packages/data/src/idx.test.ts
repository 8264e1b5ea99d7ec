import { parseIdx, parseIdxHeader } from '@kd/data';
import { describe, expect, it } from 'vitest';
import { encodeIdx } from '../../../test/idx-files';

describe('parseIdx', () => {
  it.each([
    ['uint8', [0, 1, 255], Uint8Array],
    ['int8', [-128, 0, 127], Int8Array],
    ['int16', [-32768, 1, 32767], Int16Array],
    ['int32', [-2147483648, 7, 2147483647], Int32Array],
    ['float32', [-1.5, 0, 3.25], Float32Array],
    ['float64', [Math.PI, -1e300, 5e-324], Float64Array],
  ] as const)('reads %s values big-endian', (type, values, ArrayType) => {
    const got = parseIdx(encodeIdx(type, [3], values), 'x.idx');
    expect(got.type).toBe(type);
    expect(got.shape).toEqual([3]);
    expect(got.data).toBeInstanceOf(ArrayType);
    expect(Array.from(got.data)).toEqual(values);
  });

  it.each([
    [[], [42]],
    [[2, 3], [1, 2, 3, 4, 5, 6]],
    [[2, 1, 2, 1, 2], [1, 2, 3, 4, 5, 6, 7, 8]],
    [[0, 28, 28], []],
  ])('reads arrays of shape %o', (shape, values) => {
    const got = parseIdx(encodeIdx('uint8', shape, values));
    expect(got.shape).toEqual(shape);
    expect(Array.from(got.data)).toEqual(values);
  });

  it('reads the header alone', () => {
    const bytes = encodeIdx('int16', [4, 5], Array.from({ length: 20 }, () => 0));
    expect(parseIdxHeader(bytes.subarray(0, 12), 'h')).toEqual({
      type: 'int16',
      shape: [4, 5],
      elementBytes: 2,
      headerBytes: 12,
      dataBytes: 40,
    });
  });

  it.each([
    ['an empty file', new Uint8Array(0), /IDX file 'bad\.idx': is 0 bytes long, shorter than the 4-byte IDX header/],
    ['a wrong magic number', new Uint8Array([0x1f, 0x8b, 8, 1]), /'bad\.idx': wrong magic number 0x1f8b0801/],
    ['an unknown type', new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]), /unknown element type code 0x0a/],
    ['a truncated header', new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), /is truncated: the header of a rank-3 array takes 16 bytes, the file has 8/],
    ['truncated data', encodeIdx('int32', [2, 2], [1, 2, 3, 4]).subarray(0, 20), /is truncated: shape \[2, 2\] of int32 needs 16 data bytes, the file has 8/],
    ['extra bytes', new Uint8Array([...encodeIdx('uint8', [2], [1, 2]), 0]), /is too long: shape \[2\] of uint8 needs 2 data bytes, the file has 1 more/],
    ['an absurd shape', new Uint8Array([0, 0, 8, 2, 255, 255, 255, 255, 255, 255, 255, 255]), /is truncated: shape \[4294967295, 4294967295\]/],
  ])('rejects %s, naming the file', (_, bytes, message) => {
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(message);
  });
});
