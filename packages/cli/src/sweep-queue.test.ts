import { expandGrid } from '@kd/cli';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnKd, sweepExperiment as experiment, waitFor, writeFakeKdRun } from '../../../test/fake-kd-run';
import { startRedis } from '../../../test/redis-server';
import { runKd } from '../../../test/run-kd';

const grid = ['--temperature', '1,4,20', '--soft-weight', '0.5,0.9'];
const cells = expandGrid([
  { name: 'temperature', values: [1, 4, 20] },
  { name: 'soft-weight', values: [0.5, 0.9] },
]);

let dir = '';
let fake = '';
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
const workers: Array<ReturnType<typeof spawnKd>> = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-sweep-queue-test-'));
  fake = await writeFakeKdRun(dir);
  await writeFile(join(dir, 'mnist.json'), JSON.stringify(experiment));
  redis = await startRedis(dir);
});
afterAll(async () => {
  // Also after a failure: no worker and no redis-server outlives the tests.
  for (const worker of workers) {
    if (worker.exitCode === null && worker.signalCode === null) process.kill(-worker.pid!, 'SIGKILL');
    await worker.done;
  }
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const kd = (argv: string[]) => runKd(dir, argv, { selfCommand: [process.execPath, fake], cores: 2 });

describe('kd sweep --queue and kd worker', () => {
  it('runs a grid on several workers; a worker killed mid-cell costs no result and none is counted twice', async () => {
    const url = redis!.url;
    const serial = await kd(['sweep', 'mnist.json', ...grid, '--out', 'serial', '--parallel', '1']);
    expect(serial.code).toBe(0);

    const queued = await kd(['sweep', 'mnist.json', ...grid, '--out', 'queued', '--queue', url]);
    expect(queued.code).toBe(0);
    expect(queued.stdout).toContain(`kd sweep: 6 cells queued and 0 finished earlier, of 6, on ${url};`);
    // Queueing again adds nothing: each cell's job id is fixed.
    expect((await kd(['sweep', 'mnist.json', ...grid, '--out', 'queued', '--queue', url])).code).toBe(0);
    const waiting = await kd(['sweep', 'mnist.json', ...grid, '--out', 'queued', '--status', '--queue', url]);
    expect(waiting.stdout.split('\n')[0]).toBe(`${join(dir, 'queued')}: 6 cells, 6 queued`);
    expect(waiting.stdout).toMatch(/^temperature-4_soft-weight-0\.9 {2}queue: waiting$/m);

    // Three workers, each a process group of its own (a machine), its cells 4 steps of 400 ms.
    for (let i = 0; i < 3; i++) {
      workers.push(
        spawnKd(dir, fake, ['worker', '--queue', url, '--stalled-after', '2'], {
          env: { KD_FAKE_STEPS: '4', KD_FAKE_STEP_MS: '400' },
          detached: true,
        }),
      );
    }
    // Kill the worker of the first cell that has a checkpoint, mid-cell, with its cell's process.
    let victim: { cell: string; kd: number } | undefined;
    await waitFor(async () => {
      for (const cell of cells) {
        const cellDir = join(dir, 'queued', cell.id);
        if (existsSync(join(cellDir, 'run', 'checkpoint.json')) && !existsSync(join(cellDir, 'result.json'))) {
          const [attempt] = (await readFile(join(cellDir, 'attempts.jsonl'), 'utf8')).trim().split('\n');
          victim = { cell: cell.id, kd: JSON.parse(attempt!).kd };
          return true;
        }
      }
      return false;
    }, 60_000);
    const killed = workers.find((worker) => worker.pid === victim!.kd)!;
    process.kill(-killed.pid!, 'SIGKILL');
    expect(await killed.done).toMatchObject({ signal: 'SIGKILL' });

    await waitFor(() => cells.every((cell) => existsSync(join(dir, 'queued', cell.id, 'result.json'))), 60_000);
    await waitFor(() => existsSync(join(dir, 'queued', 'results.md')), 10_000);
    for (const worker of workers.filter((w) => w !== killed)) process.kill(-worker.pid!, 'SIGINT');
    for (const worker of workers.filter((w) => w !== killed)) expect(await worker.done).toMatchObject({ code: 130 });

    // Every cell finished exactly once; the killed one by another worker, from its checkpoint.
    const finishes = (await readFile(join(dir, 'queued', 'finishes.log'), 'utf8')).trim().split('\n').map((line) => line.split(' ')[0]);
    expect(finishes.toSorted()).toEqual(cells.map((cell) => cell.id).toSorted());
    const attempts = (await readFile(join(dir, 'queued', victim!.cell, 'attempts.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(attempts).toHaveLength(2);
    expect(attempts[1].kd).not.toBe(victim!.kd);
    expect(attempts[1].resumedFrom).toBeGreaterThanOrEqual(1);
    // The same table a serial run writes, written by the worker that finished the last cell.
    expect(await readFile(join(dir, 'queued', 'results.md'), 'utf8')).toBe(await readFile(join(dir, 'serial', 'results.md'), 'utf8'));
    const done = await kd(['sweep', 'mnist.json', ...grid, '--out', 'queued', '--status', '--queue', url]);
    expect(done.stdout.split('\n')[0]).toBe(`${join(dir, 'queued')}: 6 cells, 6 finished`);
    // Queued again once finished, nothing is queued.
    expect((await kd(['sweep', 'mnist.json', ...grid, '--out', 'queued', '--queue', url])).stdout).toContain('0 cells queued and 6 finished earlier');
  }, 120_000);

  it('refuses to queue another experiment into a sweep folder', async () => {
    await writeFile(join(dir, 'other.json'), JSON.stringify({ ...experiment, training: { epochs: 2 } }));
    const other = await kd(['sweep', 'other.json', ...grid, '--out', 'queued', '--queue', redis!.url]);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(`kd: ${join(dir, 'queued')} holds a sweep of a different experiment (its sweep.json differs): choose another output folder\n`);
  });

  it('names a queue it cannot reach, and checks its options', async () => {
    const unreachable = await kd(['sweep', 'mnist.json', ...grid, '--out', 'nowhere', '--queue', 'redis://127.0.0.1:1']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^kd: cannot reach the queue at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
    const noQueue = await kd(['worker']);
    expect(noQueue).toMatchObject({ code: 2, stderr: "kd: 'kd worker' needs --queue redis://host:port (see 'kd worker --help')\n" });
    const badStall = await kd(['worker', '--queue', redis!.url, '--stalled-after', '0']);
    expect(badStall).toMatchObject({ code: 2, stderr: "kd: option '--stalled-after' must be an integer >= 1, got '0' (see 'kd worker --help')\n" });
  });
});
