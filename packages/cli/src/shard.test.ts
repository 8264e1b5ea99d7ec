import { expandGrid, parseShard, shardCells } from '@kd/cli';
import { describe, expect, it } from 'vitest';

const cells = expandGrid([
  { name: 'temperature', values: [1, 2, 4, 8, 20] },
  { name: 'soft-weight', values: [0.5, 0.9] },
]);

describe('shardCells', () => {
  it.each([1, 2, 3, 4, 10, 12])('splits %i ways: every cell in exactly one shard, sizes within one', (count) => {
    const shards = Array.from({ length: count }, (_, i) => shardCells(cells, { index: i + 1, count }));
    expect(shards.flat().map((cell) => cell.id).toSorted()).toEqual(cells.map((cell) => cell.id).toSorted());
    const sizes = shards.map((shard) => shard.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('gives a shard the same cells every time, in grid order', () => {
    expect(shardCells(cells, { index: 2, count: 3 }).map((cell) => cell.id)).toEqual([
      'temperature-1_soft-weight-0.9',
      'temperature-4_soft-weight-0.5',
      'temperature-8_soft-weight-0.9',
    ]);
    expect(shardCells(cells, { index: 2, count: 3 })).toEqual(shardCells(expandGrid([
      { name: 'temperature', values: [1, 2, 4, 8, 20] },
      { name: 'soft-weight', values: [0.5, 0.9] },
    ]), { index: 2, count: 3 }));
  });

  it.each([{ index: 0, count: 3 }, { index: 4, count: 3 }, { index: 1.5, count: 3 }, { index: 1, count: 0 }])('refuses %o', (shard) => {
    expect(() => shardCells(cells, shard)).toThrow(/Argument 'shard' passed to 'shardCells' must be \{ index, count \} with whole numbers 1 <= index <= count/);
  });
});

describe('parseShard', () => {
  it.each([
    ['1/1', { index: 1, count: 1 }],
    ['3/4', { index: 3, count: 4 }],
    [' 2 / 10 ', { index: 2, count: 10 }],
  ])('reads %s', (text, shard) => {
    expect(parseShard(text)).toEqual(shard);
  });

  it.each(['0/4', '5/4', '1/0', '2', '1/2/3', 'a/b', '-1/4', '1.5/4', ''])('refuses %j as a usage error', (text) => {
    expect(() => parseShard(text, 'sweep')).toThrow(
      expect.objectContaining({ name: 'UsageError', message: `option '--shard' must be k/n with whole numbers 1 <= k <= n (e.g. 2/4), got '${text}'` }),
    );
  });
});
