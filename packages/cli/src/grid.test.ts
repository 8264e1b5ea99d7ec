import { expandGrid } from '@kd/cli';
import { describe, expect, it } from 'vitest';

describe('expandGrid', () => {
  it('gives every combination, the first axis slowest, with ids naming each value', () => {
    const cells = expandGrid([
      { name: 'temperature', values: [1, 20] },
      { name: 'soft-weight', values: [0.5, 0.9, 0.99] },
    ]);
    expect(cells.map((cell) => cell.id)).toEqual([
      'temperature-1_soft-weight-0.5',
      'temperature-1_soft-weight-0.9',
      'temperature-1_soft-weight-0.99',
      'temperature-20_soft-weight-0.5',
      'temperature-20_soft-weight-0.9',
      'temperature-20_soft-weight-0.99',
    ]);
    expect(cells[4]!.params).toEqual({ temperature: 20, 'soft-weight': 0.9 });
  });

  it('works with one axis', () => {
    expect(expandGrid([{ name: 't', values: [2.5] }])).toEqual([{ id: 't-2.5', params: { t: 2.5 } }]);
  });

  it.each([
    [[], /at least one axis/],
    [[{ name: 'a/b', values: [1] }], /names of letters, digits and dashes, got "a\/b"/],
    [[{ name: 't', values: [1] }, { name: 't', values: [2] }], /names axis 't' twice/],
    [[{ name: 't', values: [] }], /axis 't' at least one finite value, got \[\]/],
    [[{ name: 't', values: [Number.NaN] }], /axis 't' at least one finite value, got \[NaN\]/],
  ])('rejects bad axes %#', (axes, message) => {
    expect(() => expandGrid(axes)).toThrow(message);
  });
});
