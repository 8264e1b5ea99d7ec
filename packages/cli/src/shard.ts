import { UsageError } from './cli-error';
import type { SweepCell } from './grid';

/** One of `count` static shards of a sweep's grid, numbered from 1 as `--shard 2/4` says. */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * Parses `--shard k/n` (1 <= k <= n): the form of Slurm array tasks and Kubernetes Indexed Jobs
 * with 1 added to their 0-based index, and of test runners' `--shard`.
 */
export function parseShard(text: string, command?: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UsageError(`option '--shard' must be k/n with whole numbers 1 <= k <= n (e.g. 2/4), got '${text}'`, command);
  }
  return { index, count };
}

/**
 * The cells shard `shard` runs: every `count`-th cell of the grid, starting at cell `index`. The
 * grid's order is fixed by the command line, so every process given the same command agrees on
 * every cell's shard with no coordinator, a rerun shard gets the same cells again, and shard
 * sizes differ by at most one.
 */
export function shardCells(cells: readonly SweepCell[], shard: ShardSpec): SweepCell[] {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(index) || index < 1 || index > count) {
    throw new Error(
      `Argument 'shard' passed to 'shardCells' must be { index, count } with whole numbers 1 <= index <= count, got ${JSON.stringify(shard)}`,
    );
  }
  return cells.filter((_, position) => position % count === index - 1);
}
