import { assertFolderFree } from '@kd/core/node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SweepCell } from './grid';
import { formatMetric } from './results-table';
import type { Selection } from './results-table';
import { readCellResult } from './sweep-results';

/**
 * One line per cell of a sweep and a count of each state, read from the sweep folder (a finished
 * cell has its `result.json`, a running one its lock) and, for a queued sweep, from the queue
 * (`queueStates`: cell id to what the queue says of its job).
 */
export async function describeSweepStatus(
  dir: string,
  cells: readonly SweepCell[],
  selection: Selection,
  queueStates?: ReadonlyMap<string, string>,
): Promise<string> {
  const counts = new Map<string, number>();
  const lines: string[] = [];
  for (const cell of cells) {
    const state = await cellState(dir, cell, selection, queueStates?.get(cell.id));
    counts.set(state.kind, (counts.get(state.kind) ?? 0) + 1);
    lines.push(`${cell.id}  ${state.text}`);
  }
  const order = ['finished', 'running', 'queued', 'failed', 'started', 'not started'];
  const summary = order.flatMap((kind) => (counts.has(kind) ? [`${counts.get(kind)} ${kind}`] : []));
  return `${dir}: ${cells.length} cells, ${summary.join(', ')}\n${lines.join('\n')}\n`;
}

async function cellState(
  dir: string,
  cell: SweepCell,
  { metric }: Selection,
  queued: string | undefined,
): Promise<{ kind: string; text: string }> {
  const result = await readCellResult(dir, cell);
  if (result) {
    const value = result.validation[metric];
    return { kind: 'finished', text: `finished in ${result.seconds.toFixed(1)} s: validation ${metric} ${value === undefined ? '?' : formatMetric(value)}` };
  }
  const cellDir = join(dir, cell.id);
  const onQueue = queued === undefined ? '' : ` (queue: ${queued})`;
  try {
    await assertFolderFree(cellDir);
  } catch {
    return { kind: 'running', text: `running${onQueue}` };
  }
  if (queued !== undefined) return { kind: queued.startsWith('failed') ? 'failed' : 'queued', text: `queue: ${queued}` };
  if (existsSync(join(cellDir, 'run'))) return { kind: 'started', text: 'started earlier, not running: its run continues from its checkpoints' };
  return { kind: 'not started', text: 'not started' };
}
