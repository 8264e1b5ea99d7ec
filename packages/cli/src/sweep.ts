import { lockFolder, writeFileAtomic } from '@kd/core/node';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { SweepCell } from './grid';

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
}

export interface SweepSummary {
  /** Every finished cell, skipped or run now, in grid order. */
  results: CellResult[];
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
 * again next time. The folder has one writer at a time: a second sweep into it fails at once.
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
  await mkdir(dir, { recursive: true });
  const lock = await lockFolder(dir, `sweep folder ${dir}`);
  try {
    if (options.manifest !== undefined) await checkManifest(dir, options.manifest);
    const summary = await runCells(options, parallel);
    await options.finish?.(summary);
    return summary;
  } finally {
    await lock.release();
  }
}

async function runCells(options: SweepOptions, parallel: number): Promise<SweepSummary> {
  const { dir, cells, runCell, onEvent } = options;

  const total = cells.length;
  const finished = new Map<string, CellResult>();
  const failures: SweepSummary['failures'] = [];
  let done = 0;
  const pending: SweepCell[] = [];
  for (const cell of cells) {
    const previous = await readResult(join(dir, cell.id, 'result.json'));
    if (previous) {
      finished.set(cell.id, previous);
      done++;
      onEvent?.({ type: 'skipped', cell, result: previous, done, total });
    } else {
      pending.push(cell);
    }
  }
  const skipped = finished.size;

  let next = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length && !options.signal?.aborted) {
      const cell = pending[next++]!;
      started++;
      const cellDir = join(dir, cell.id);
      onEvent?.({ type: 'started', cell, done, total });
      const startTime = performance.now();
      try {
        await mkdir(cellDir, { recursive: true });
        const outcome = checkOutcome(cell, await runCell(cell, cellDir));
        const result: CellResult = {
          id: cell.id,
          params: cell.params,
          seconds: (performance.now() - startTime) / 1000,
          ...outcome,
        };
        await writeFileAtomic(join(cellDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
        finished.set(cell.id, result);
        done++;
        onEvent?.({ type: 'finished', cell, result, done, total });
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
    results: cells.flatMap((cell) => finished.get(cell.id) ?? []),
    failures: cells.flatMap((cell) => failures.filter((failure) => failure.cell === cell)),
    skipped,
    ran: started,
  };
}

async function readResult(path: string): Promise<CellResult | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as CellResult;
  } catch {
    throw new Error(`${path} is not valid JSON: delete it to run that cell again`);
  }
}

async function checkManifest(dir: string, manifest: unknown): Promise<void> {
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
