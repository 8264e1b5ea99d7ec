import { jsonDifferences } from '@kd/core';
import { describe, expect, it } from 'vitest';

describe('jsonDifferences', () => {
  it('is empty for equal values, whatever the key order', () => {
    expect(jsonDifferences({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it.each([
    { a: { seed: 1 }, b: { seed: 2 }, want: ['seed: 1 before, 2 after'] },
    { a: { loss: { options: { temperature: 4 } } }, b: { loss: { options: { temperature: 20, hardWeight: 0.1 } } }, want: ['loss.options.temperature: 4 before, 20 after', 'loss.options.hardWeight: none before, 0.1 after'] },
    { a: { hidden: [8, 8] }, b: { hidden: [8, 16] }, want: ['hidden[1]: 8 before, 16 after'] },
    { a: { hidden: [8] }, b: { hidden: [8, 8] }, want: ['hidden: [8] before, [8,8] after'] },
    { a: { x: { kind: 'adam' } }, b: { x: 3 }, want: ['x: {"kind":"adam"} before, 3 after'] },
    { a: 1, b: 2, want: ['(the whole value): 1 before, 2 after'] },
  ])('names each differing path: $want', ({ a, b, want }) => {
    expect(jsonDifferences(a, b)).toEqual(want);
  });

  it('uses the labels given, skips ignored paths and shortens long values', () => {
    const long = 'x'.repeat(100);
    expect(jsonDifferences({ name: 'a', seed: 1, data: long }, { name: 'b', seed: 2, data: 'y' }, { labels: ['there', 'here'], ignore: (path) => path === 'name' })).toEqual([
      'seed: 1 there, 2 here',
      `data: "${'x'.repeat(56)}... there, "y" here`,
    ]);
  });
});
