import { parseNumberList, parsePositiveInteger, UsageError } from '@kd/cli';
import { describe, expect, it } from 'vitest';

describe('parseNumberList', () => {
  it('parses a comma-separated list, allowing spaces', () => {
    expect(parseNumberList('temperature', '1, 2,4,8,20')).toEqual([1, 2, 4, 8, 20]);
    expect(parseNumberList('soft-weight', '0.5,0.9,0.99', { min: 0, max: 1 })).toEqual([0.5, 0.9, 0.99]);
  });

  it.each([
    ['1,,2', {}, /'--t' must be a comma-separated list of numbers, got '1,,2'/],
    ['1,x', {}, /list of numbers, got '1,x'/],
    ['', {}, /list of numbers, got ''/],
    ['2,2', {}, /lists 2 twice/],
    ['0,1', { min: 0, exclusiveMin: true }, /values must be > 0, got 0/],
    ['0.5,1.5', { min: 0, max: 1 }, /values must be >= 0 and <= 1, got 1.5/],
  ])('rejects %j (%j)', (text, bounds, message) => {
    expect(() => parseNumberList('t', text, bounds)).toThrow(message);
    expect(() => parseNumberList('t', text, bounds)).toThrow(UsageError);
  });
});

describe('parsePositiveInteger', () => {
  it.each([
    ['4', 4],
    ['1', 1],
  ])('parses %s', (text, value) => expect(parsePositiveInteger('parallel', text)).toBe(value));

  it.each(['0', '-1', '1.5', 'two', ''])('rejects %j', (text) => {
    expect(() => parsePositiveInteger('parallel', text)).toThrow(/'--parallel' must be an integer >= 1/);
  });
});
