import { join } from 'node:path';
import { readJsonFile } from '@kd/core/node';
import type { SweepCell } from './grid';
import type { CellResult } from './sweep';

/** The file that marks a sweep cell finished, in the cell's folder. */
export const cellResultFile = 'result.json';

/** A cell's `result.json`, or undefined while the cell has none (it is not finished). */
export async function readCellResult(dir: string, cell: SweepCell): Promise<CellResult | undefined> {
  try {
    return (await readJsonFile(join(dir, cell.id, cellResultFile), 'sweep cell result')) as CellResult;
  } catch (error) {
    const cause = (error as Error).cause;
    if ((cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    if (cause instanceof SyntaxError) throw new Error(`${(error as Error).message}: delete it to run that cell again`, { cause: error });
    throw error;
  }
}

/** What a sweep folder holds of a grid: the finished cells, in grid order, and the others. */
export interface SweepResults {
  results: CellResult[];
  /** Cells without a `result.json`: not started, running, failed or another process's still. */
  missing: SweepCell[];
}

/**
 * Reads every cell's `result.json` under `dir`, whichever process wrote it (the whole sweep, a
 * shard, a queue worker): the one source the ranked table is made from.
 */
export async function collectSweepResults(dir: string, cells: readonly SweepCell[]): Promise<SweepResults> {
  const results: CellResult[] = [];
  const missing: SweepCell[] = [];
  for (const cell of cells) {
    const result = await readCellResult(dir, cell);
    if (result) results.push(result);
    else missing.push(cell);
  }
  return { results, missing };
}
