import { expandGrid, shardCells } from '@kd/cli';
import { folderLockFile } from '@kd/core/node';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnKd, sweepExperiment as experiment, waitFor, writeFakeKdRun } from '../../../test/fake-kd-run';
import { runKd } from '../../../test/run-kd';

const grid = ['--temperature', '1,2,4,8', '--soft-weight', '0.5,0.9'];
const cells = expandGrid([
  { name: 'temperature', values: [1, 2, 4, 8] },
  { name: 'soft-weight', values: [0.5, 0.9] },
]);

let dir = '';
let fake = '';
let serialTable = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-sweep-shard-test-'));
  fake = await writeFakeKdRun(dir);
  await writeFile(join(dir, 'mnist.json'), JSON.stringify(experiment));
  const serial = await kd(['sweep', 'mnist.json', ...grid, '--out', 'serial', '--parallel', '1']);
  if (serial.code !== 0) throw new Error(`the serial sweep failed: ${serial.stderr}`);
  serialTable = await readFile(join(dir, 'serial', 'results.md'), 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const kd = (argv: string[]) => runKd(dir, argv, { selfCommand: [process.execPath, fake], cores: 2 });

/** Each finished run of the sweep in `out`: the cell and the pid of the kd process that ran it. */
async function finishes(out: string): Promise<Array<{ cell: string; kd: number }>> {
  const text = await readFile(join(dir, out, 'finishes.log'), 'utf8');
  return text.trim().split('\n').map((line) => ({ cell: line.split(' ')[0]!, kd: Number(line.split(' ')[1]) }));
}

describe('kd sweep --shard', () => {
  it('n processes, one per shard, produce exactly the grid one process produces', async () => {
    const shards = [1, 2, 3].map((k) => spawnKd(dir, fake, ['sweep', 'mnist.json', ...grid, '--out', 'sharded', '--shard', `${k}/3`, '--parallel', '1']));
    const ended = await Promise.all(shards.map((shard) => shard.done));
    for (const end of ended) expect({ code: end.code, stderr: end.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    // Each cell ran once, in the process of its shard.
    const ran = await finishes('sharded');
    expect(ran.map((run) => run.cell).toSorted()).toEqual(cells.map((cell) => cell.id).toSorted());
    shards.forEach((shard, i) => {
      const mine = ran.filter((run) => run.kd === shard.pid).map((run) => run.cell);
      expect(mine).toEqual(shardCells(cells, { index: i + 1, count: 3 }).map((cell) => cell.id));
    });
    // The shard that finished the grid wrote the table: the one a single process writes.
    expect(await readFile(join(dir, 'sharded', 'results.md'), 'utf8')).toBe(serialTable);
    expect(ended.some((end) => end.stdout.includes(serialTable))).toBe(true);
  }, 60_000);

  it('--collect refuses an incomplete set, naming the missing cells; a rerun shard completes it', async () => {
    const shard = (k: number) => kd(['sweep', 'mnist.json', ...grid, '--out', 'partial', '--shard', `${k}/3`]);
    const first = await shard(1);
    expect(first.code).toBe(0);
    const missingAfterFirst = cells.filter((_, i) => i % 3 !== 0).map((cell) => cell.id);
    expect(first.stderr).toContain(`kd sweep: shard 1/3 done; 3 of 8 cells finished, other shards' still missing: ${missingAfterFirst.join(', ')}; the shard that finishes the grid writes the table, or run the same command with --collect\n`);
    expect(first.stdout).toBe('');
    expect((await shard(2)).code).toBe(0);

    const collect = await kd(['sweep', 'mnist.json', ...grid, '--out', 'partial', '--collect']);
    const missing = shardCells(cells, { index: 3, count: 3 }).map((cell) => cell.id);
    expect(collect.code).toBe(1);
    expect(collect.stderr).toBe(
      `kd: ${join(dir, 'partial')} holds 6 of 8 cells' results; missing: ${missing.join(', ')} (run their shards again, or see 'kd sweep --status')\n`,
    );
    expect(existsSync(join(dir, 'partial', 'results.md'))).toBe(false);
    const status = await kd(['sweep', 'mnist.json', ...grid, '--out', 'partial', '--status']);
    expect(status.stdout.split('\n')[0]).toBe(`${join(dir, 'partial')}: 8 cells, 6 finished, 2 not started`);
    expect(status.stdout).toMatch(/^temperature-2_soft-weight-0\.5 {2}not started$/m);
    expect(status.stdout).toMatch(/^temperature-1_soft-weight-0\.5 {2}finished in \d+\.\d s: validation accuracy 0\.82$/m);

    // Shard 3 dies half-way through its first cell (its process group killed, as a scheduler
    // does); rerun, it continues that cell from its checkpoint.
    const halfDone = join(dir, 'partial', missing[0]!);
    const dying = spawnKd(dir, fake, ['sweep', 'mnist.json', ...grid, '--out', 'partial', '--shard', '3/3'], {
      env: { KD_FAKE_STEPS: '3', KD_FAKE_STEP_MS: '500' },
      detached: true,
    });
    await waitFor(() => existsSync(join(halfDone, 'run', 'checkpoint.json')), 30_000);
    process.kill(-dying.pid!, 'SIGKILL');
    expect(await dying.done).toMatchObject({ signal: 'SIGKILL' });
    expect(existsSync(join(halfDone, 'result.json'))).toBe(false);
    // As if shard 3 had died on another machine: its rerun here takes over the locks it left.
    const elsewhere = JSON.stringify({ pid: process.pid, host: 'node-7', since: new Date().toISOString() });
    await writeFile(join(halfDone, folderLockFile), elsewhere);
    await writeFile(join(halfDone, 'run', folderLockFile), elsewhere);
    const rerun = await shard(3);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout.startsWith(serialTable)).toBe(true);
    const attempts = (await readFile(join(halfDone, 'attempts.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(attempts).toHaveLength(2);
    expect(attempts[0].resumedFrom).toBe(0);
    expect(attempts[1].resumedFrom).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(halfDone, folderLockFile)) || existsSync(join(halfDone, 'run', folderLockFile))).toBe(false);
    await writeFile(join(dir, 'other.json'), JSON.stringify({ ...experiment, training: { epochs: 2 } }));
    expect((await kd(['sweep', 'other.json', ...grid, '--out', 'partial', '--collect'])).stderr).toMatch(/holds a sweep of a different experiment/);
    const collected = await kd(['sweep', 'mnist.json', ...grid, '--out', 'partial', '--collect']);
    expect(collected.code).toBe(0);
    expect(await readFile(join(dir, 'partial', 'results.md'), 'utf8')).toBe(serialTable);
    expect(collected.stdout.startsWith(serialTable)).toBe(true);
  }, 60_000);

  it.each([
    [['--shard', '0/3'], "option '--shard' must be k/n with whole numbers 1 <= k <= n (e.g. 2/4), got '0/3'"],
    [['--shard', '2/3', '--queue', 'redis://127.0.0.1:6379'], "options '--shard' and '--queue' cannot be given together"],
    [['--collect', '--status'], "options '--collect' and '--status' cannot be given together"],
    [['--status', '--parallel', '2'], "options '--status' and '--parallel' cannot be given together"],
    [['--queue', 'http://127.0.0.1:6379'], "option '--queue' must be a Redis address redis://host:port (e.g. redis://127.0.0.1:6379), got 'http://127.0.0.1:6379'"],
  ])('%j is a usage error', async (args, message) => {
    const { code, stderr } = await kd(['sweep', 'mnist.json', ...grid, ...args]);
    expect(code).toBe(2);
    expect(stderr).toBe(`kd: ${message} (see 'kd sweep --help')\n`);
  });
});
