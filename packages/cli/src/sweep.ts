import { assertFolderFree, lockFolder, writeFileAtomic } from '@kd/core/node';
import type { LockOwner } from '@kd/core/node';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import type { SweepCell } from './grid';
import { shardCells } from './shard';
import type { ShardSpec } from './shard';
import { cellResultFile, collectSweepResults, readCellResult } from './sweep-results';

/** What one finished cell measured: validation metrics decide, test metrics are only shown. */
export interface CellOutcome {
  validation: Readonly<Record<string, number>>;
  test?: Readonly<Record<string, number>>;
}

/** The content of a cell's `result.json`. */
export interface CellResult extends CellOutcome {
  id: string;
  params: Readonly<Record<string, number>>;
  /** Wall-clock seconds the cell took when it ran. */
  seconds: number;
}

/** Trains and evaluates one cell, writing whatever it likes into `cellDir`. */
export type CellRunner = (cell: SweepCell, cellDir: string) => Promise<CellOutcome>;

/** What happened to a cell; `done` counts finished, skipped and failed cells so far. */
export type SweepEvent =
  | { type: 'started'; cell: SweepCell; done: number; total: number }
  | { type: 'skipped' | 'finished'; cell: SweepCell; result: CellResult; done: number; total: number }
  | { type: 'failed'; cell: SweepCell; error: Error; done: number; total: number };

export interface SweepOptions {
  /** The sweep folder: one sub-folder per cell, named by the cell's id. */
  dir: string;
  cells: readonly SweepCell[];
  runCell: CellRunner;
  /** How many cells run at the same time. Default: the number of cores. */
  parallel?: number;
  /**
   * What the cells share (the base experiment config), kept in `sweep.json`. A later run over
   * the same folder with a different manifest is refused, so results of two experiments never
   * end up in one table. Adding values to the grid is fine. Default: no check.
   */
  manifest?: unknown;
  onEvent?: (event: SweepEvent) => void;
  /** Once aborted, no new cell starts; running cells are left to finish or stop on their own. */
  signal?: AbortSignal;
  /** Runs once no cell runs any more, while the sweep still holds its folder (to write its tables). */
  finish?: (summary: SweepSummary) => Promise<void>;
  /**
   * Runs only this shard's cells ({@link shardCells}), so that one process per shard, on one
   * machine or many, shares the folder: each then holds only the lock of the cell it runs, and a
   * shard refuses to start while a whole sweep holds the folder. Default: every cell, the folder
   * locked.
   */
  shard?: ShardSpec;
}

export interface SweepSummary {
  /** Every finished cell of the grid, skipped or run now (by this process or another), in grid order. */
  results: CellResult[];
  /** Cells of the grid with no result yet: failed, not started, or another shard's still running. */
  missing: SweepCell[];
  failures: Array<{ cell: SweepCell; error: Error }>;
  /** Cells found finished from an earlier run. */
  skipped: number;
  /** Cells started now, finished or failed. */
  ran: number;
}

/**
 * Runs every cell of a grid, `parallel` at a time. A cell counts as finished once its
 * `result.json` exists; that file is written atomically after the cell's runner returns, so a
 * sweep stopped at any moment resumes by running again: finished cells are skipped, the others
 * start over. A failing cell does not stop the others; it is reported in `failures` and runs
 * again next time. The folder has one writer at a time: a second sweep into it fails at once;
 * with `shard`, each process holds only the lock of the cell it runs.
 */
export async function runSweep(options: SweepOptions): Promise<SweepSummary> {
  const { dir, cells } = options;
  const parallel = options.parallel ?? availableParallelism();
  if (!Number.isSafeInteger(parallel) || parallel < 1) {
    throw new Error(`Argument 'parallel' passed to 'runSweep' must be an integer >= 1, got ${parallel}`);
  }
  const ids = new Set(cells.map((cell) => cell.id));
  if (ids.size !== cells.length) {
    throw new Error("Argument 'cells' passed to 'runSweep' must have distinct ids");
  }
  const mine = options.shard ? shardCells(cells, options.shard) : cells;
  await mkdir(dir, { recursive: true });
  const what = `sweep folder ${dir}`;
  if (options.shard) await assertFolderFree(dir, what);
  const lock = options.shard ? undefined : await lockFolder(dir, what);
  try {
    if (options.manifest !== undefined) await checkSweepManifest(dir, options.manifest);
    const ran = await runCells(options, mine, parallel);
    const summary = { ...(await collectSweepResults(dir, cells)), ...ran };
    await options.finish?.(summary);
    return summary;
  } finally {
    await lock?.release();
  }
}

async function runCells(
  options: SweepOptions,
  cells: readonly SweepCell[],
  parallel: number,
): Promise<Pick<SweepSummary, 'failures' | 'skipped' | 'ran'>> {
  const { dir, runCell, onEvent } = options;

  const total = cells.length;
  const failures: SweepSummary['failures'] = [];
  let done = 0;
  let skipped = 0;
  const pending: SweepCell[] = [];
  for (const cell of cells) {
    const previous = await readCellResult(dir, cell);
    if (previous) {
      skipped++;
      done++;
      onEvent?.({ type: 'skipped', cell, result: previous, done, total });
    } else {
      pending.push(cell);
    }
  }

  let next = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length && !options.signal?.aborted) {
      const cell = pending[next++]!;
      started++;
      onEvent?.({ type: 'started', cell, done, total });
      try {
        const { result, ran } = await runSweepCell(dir, cell, runCell, { takeOverOtherHosts: options.shard !== undefined });
        done++;
        onEvent?.({ type: ran ? 'finished' : 'skipped', cell, result, done, total });
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        failures.push({ cell, error });
        done++;
        onEvent?.({ type: 'failed', cell, error, done, total });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, pending.length) }, worker));

  return {
    failures: cells.flatMap((cell) => failures.filter((failure) => failure.cell === cell)),
    skipped,
    ran: started,
  };
}

/**
 * Runs one cell of a sweep in `<dir>/<cell id>/` while holding that folder's lock, and writes its
 * `result.json` (atomically) once `runCell` returns. A cell some other process finished meanwhile
 * (a shard, a queue worker, a retried job whose first attempt got that far) is not run again:
 * `ran` is false and the result is that process's. So a cell is finished once, whoever runs it.
 *
 * `takeOverOtherHosts`: the locks of the cell and of its run folder written on another host are
 * taken over, for a caller that knows their owner is gone: a static shard (the scheduler runs one
 * instance of it at a time, and a rerun may land on another machine) or a queue worker (the queue
 * hands a cell on once its worker stopped answering). A live owner on this host always keeps them.
 */
export async function runSweepCell(
  dir: string,
  cell: SweepCell,
  runCell: CellRunner,
  { takeOverOtherHosts = false }: { takeOverOtherHosts?: boolean } = {},
): Promise<{ result: CellResult; ran: boolean }> {
  const cellDir = join(dir, cell.id);
  await mkdir(cellDir, { recursive: true });
  const options = takeOverOtherHosts ? { takeOver: (owner: LockOwner) => owner.host !== hostname() } : {};
  const lock = await lockFolder(cellDir, `sweep cell ${cellDir}`, options);
  try {
    const previous = await readCellResult(dir, cell);
    if (previous) return { result: previous, ran: false };
    // The cell's run folder may hold the lock of the same dead process on another host.
    if (takeOverOtherHosts && existsSync(join(cellDir, 'run'))) await (await lockFolder(join(cellDir, 'run'), `run folder of ${cellDir}`, options)).release();
    const startTime = performance.now();
    const outcome = checkOutcome(cell, await runCell(cell, cellDir));
    const result: CellResult = {
      id: cell.id,
      params: cell.params,
      seconds: (performance.now() - startTime) / 1000,
      ...outcome,
    };
    await writeFileAtomic(join(cellDir, cellResultFile), `${JSON.stringify(result, null, 2)}\n`);
    return { result, ran: true };
  } finally {
    await lock.release();
  }
}

/**
 * Records `manifest` (what the cells share: the base config) in `<dir>/sweep.json`, or checks it
 * against the one recorded: results of two experiments never end up in one table, whichever
 * process (a sweep, a shard, `kd sweep --queue`, `--collect`) comes first.
 */
export async function checkSweepManifest(dir: string, manifest: unknown): Promise<void> {
  const path = join(dir, 'sweep.json');
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  let stored: string;
  try {
    stored = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await writeFileAtomic(path, text);
    return;
  }
  if (JSON.stringify(JSON.parse(stored)) !== JSON.stringify(manifest)) {
    throw new Error(
      `${dir} holds a sweep of a different experiment (its sweep.json differs): choose another output folder`,
    );
  }
}

function checkOutcome(cell: SweepCell, outcome: CellOutcome): CellOutcome {
  for (const split of ['validation', 'test'] as const) {
    const metrics = outcome?.[split];
    if (metrics === undefined && split === 'test') continue;
    const bad =
      metrics === null || typeof metrics !== 'object'
        ? split
        : Object.entries(metrics).find(([, value]) => typeof value !== 'number' || Number.isNaN(value))?.[0];
    if (bad !== undefined) {
      throw new Error(
        `cell ${cell.id} returned no usable ${split} metrics${bad === split ? '' : ` ('${bad}' is not a number)`}`,
      );
    }
  }
  return outcome.test === undefined
    ? { validation: outcome.validation }
    : { validation: outcome.validation, test: outcome.test };
}
