import { expandGrid, runSweep } from '@kd/cli';
import type { CellOutcome, SweepCell, SweepEvent } from '@kd/cli';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const cells = expandGrid([
  { name: 'temperature', values: [1, 4, 20] },
  { name: 'soft-weight', values: [0.5, 0.9] },
]);

/** A fake cell: validation accuracy grows with T and the soft weight; no training. */
function fakeOutcome(cell: SweepCell): CellOutcome {
  const t = cell.params.temperature!;
  const w = cell.params['soft-weight']!;
  return { validation: { accuracy: 0.9 + t / 1000 + w / 100 }, test: { accuracy: 0.8 } };
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-sweep-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runSweep', () => {
  it('runs every cell and writes its result.json in its own folder', async () => {
    const ran: string[] = [];
    const summary = await runSweep({
      dir,
      cells,
      parallel: 2,
      runCell: async (cell, cellDir) => {
        ran.push(cell.id);
        expect(cellDir).toBe(join(dir, cell.id));
        return fakeOutcome(cell);
      },
    });
    expect(ran.toSorted()).toEqual(cells.map((c) => c.id).toSorted());
    expect(summary).toMatchObject({ skipped: 0, ran: 6, failures: [] });
    expect(summary.results.map((r) => r.id)).toEqual(cells.map((c) => c.id));
    const stored = JSON.parse(await readFile(join(dir, cells[3]!.id, 'result.json'), 'utf8'));
    expect(stored).toMatchObject({ id: cells[3]!.id, params: cells[3]!.params, ...fakeOutcome(cells[3]!) });
    expect(stored.seconds).toBeGreaterThanOrEqual(0);
  });

  it('resumes: skips finished cells and retries failed ones', async () => {
    const first = await runSweep({
      dir,
      cells,
      parallel: 3,
      runCell: async (cell) => {
        if (cell.params.temperature === 4) throw new Error(`out of memory in ${cell.id}`);
        return fakeOutcome(cell);
      },
    });
    expect(first.failures.map((f) => f.cell.id)).toEqual(['temperature-4_soft-weight-0.5', 'temperature-4_soft-weight-0.9']);
    expect(first.failures[0]!.error.message).toBe('out of memory in temperature-4_soft-weight-0.5');
    expect(first.results).toHaveLength(4);

    const events: SweepEvent[] = [];
    const ran: string[] = [];
    const second = await runSweep({
      dir,
      cells,
      parallel: 3,
      runCell: async (cell) => {
        ran.push(cell.id);
        return fakeOutcome(cell);
      },
      onEvent: (event) => events.push(event),
    });
    expect(ran.toSorted()).toEqual(['temperature-4_soft-weight-0.5', 'temperature-4_soft-weight-0.9']);
    expect(second).toMatchObject({ skipped: 4, ran: 2, failures: [] });
    expect(second.results.map((r) => r.id)).toEqual(cells.map((c) => c.id));
    expect(events.filter((e) => e.type === 'skipped')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'finished').map((e) => e.done)).toEqual([5, 6]);
  });

  it('treats a cell without result.json as unfinished, whatever else its folder holds', async () => {
    await runSweep({ dir, cells: cells.slice(0, 1), runCell: async (cell) => fakeOutcome(cell) });
    await rm(join(dir, cells[0]!.id, 'result.json'));
    await writeFile(join(dir, cells[0]!.id, 'partial.log'), 'killed');
    let ran = 0;
    await runSweep({ dir, cells: cells.slice(0, 1), runCell: async (cell) => (ran++, fakeOutcome(cell)) });
    expect(ran).toBe(1);
  });

  it('never runs more than `parallel` cells at once, and uses all of them', async () => {
    let running = 0;
    let peak = 0;
    await runSweep({
      dir,
      cells,
      parallel: 3,
      runCell: async (cell) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        return fakeOutcome(cell);
      },
    });
    expect(peak).toBe(3);
  });

  it('leaves no temporary files behind', async () => {
    await runSweep({ dir, cells, parallel: 2, runCell: async (cell) => fakeOutcome(cell) });
    for (const cell of cells) expect(await readdir(join(dir, cell.id))).toEqual(['result.json']);
  });

  it('refuses to resume a sweep of a different experiment', async () => {
    await runSweep({ dir, cells, manifest: { epochs: 1 }, runCell: async (cell) => fakeOutcome(cell) });
    await runSweep({ dir, cells, manifest: { epochs: 1 }, runCell: async (cell) => fakeOutcome(cell) });
    await expect(
      runSweep({ dir, cells, manifest: { epochs: 2 }, runCell: async (cell) => fakeOutcome(cell) }),
    ).rejects.toThrow(/holds a sweep of a different experiment/);
  });

  it('fails a cell whose runner returns no validation metrics', async () => {
    const summary = await runSweep({
      dir,
      cells: cells.slice(0, 2),
      runCell: async (cell) =>
        cell.params['soft-weight'] === 0.5 ? ({ test: { accuracy: 1 } } as unknown as CellOutcome) : fakeOutcome(cell),
    });
    expect(summary.failures.map((f) => f.error.message)).toEqual([
      'cell temperature-1_soft-weight-0.5 returned no usable validation metrics',
    ]);
    expect(summary.results).toHaveLength(1);
  });

  it('starts no new cell once its signal aborts', async () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const summary = await runSweep({
      dir,
      cells,
      parallel: 2,
      signal: controller.signal,
      runCell: async (cell) => {
        ran.push(cell.id);
        controller.abort();
        return fakeOutcome(cell);
      },
    });
    expect(ran).toHaveLength(2);
    expect(summary).toMatchObject({ ran: 2, skipped: 0, failures: [] });
    expect(summary.results).toHaveLength(2);
  });

  it('checks its options', async () => {
    await expect(runSweep({ dir, cells, parallel: 0, runCell: async (c) => fakeOutcome(c) })).rejects.toThrow(
      /'parallel' passed to 'runSweep' must be an integer >= 1, got 0/,
    );
    await expect(
      runSweep({ dir, cells: [cells[0]!, cells[0]!], runCell: async (c) => fakeOutcome(c) }),
    ).rejects.toThrow(/distinct ids/);
  });
});
