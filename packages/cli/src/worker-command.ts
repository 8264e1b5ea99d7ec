import { backendFlag } from './backend-choice';
import { childProcessRunner } from './cell-runner';
import { UsageError } from './cli-error';
import type { Command } from './main';
import { parsePositiveInteger } from './option-values';
import { formatMetric } from './results-table';
import { runSweepCell } from './sweep';
import { parseQueueUrl, serveSweepQueue } from './sweep-queue';
import type { SweepJob } from './sweep-queue';
import { collectSweepResults } from './sweep-results';
import { writeSweepTables } from './sweep-tables';

export const workerCommand: Command = {
  spec: {
    name: 'worker',
    summary: "run the cells 'kd sweep --queue' put on a Redis queue, until stopped",
    description: [
      "Takes cells of queued sweeps ('kd sweep ... --queue redis://host:port') and runs each as",
      "'kd sweep' would, in a child process, in the sweep's folder (which every worker must see at the",
      'same path: a shared file system). Start as many workers as you like, on any machines. A cell',
      'is locked while it runs and finished once its result.json is written; the worker that',
      "finishes a sweep's last cell writes its table. A worker that dies (killed, its machine gone)",
      'loses no cell: after --stalled-after seconds another worker takes it over and continues it',
      'from its checkpoints. Ctrl-C stops taking cells and waits for the running ones.',
    ].join('\n'),
    positionals: [],
    options: {
      queue: { type: 'string', value: 'url', description: 'the Redis server, redis://host:port' },
      parallel: { type: 'string', value: 'n', description: 'cells this worker runs at the same time (default 1)' },
      threads: { type: 'string', value: 'n', description: "threads of each cell, native or WebAssembly (default: the cores divided by --parallel)" },
      'stalled-after': {
        type: 'string',
        value: 'seconds',
        description: 'seconds without word from a worker before its cell goes to another (default 30)',
      },
    },
    examples: ['kd worker --queue redis://10.0.0.5:6379', 'kd worker --queue redis://127.0.0.1:6379 --parallel 2 --threads 1'],
  },
  async run(args, ctx) {
    const { values } = args;
    if (typeof values.queue !== 'string') throw new UsageError("'kd worker' needs --queue redis://host:port", 'worker');
    const url = parseQueueUrl(values.queue, 'worker');
    const parallel = typeof values.parallel === 'string' ? parsePositiveInteger('parallel', values.parallel, 'worker') : 1;
    const threads =
      typeof values.threads === 'string' ? parsePositiveInteger('threads', values.threads, 'worker') : Math.max(1, Math.floor(ctx.cores / parallel));
    const stalledAfterSeconds =
      typeof values['stalled-after'] === 'string' ? parsePositiveInteger('stalled-after', values['stalled-after'], 'worker') : 30;
    const backend = backendFlag(values, 'worker');

    const runQueued = async (job: SweepJob): Promise<void> => {
      const { dir, cell, cells, selection } = job;
      ctx.stderr(`kd worker: ${dir}: ${cell.id} started\n`);
      const runner = childProcessRunner(ctx, job.config, { baseDir: job.baseDir, backend: backend ?? job.backend, threads });
      const { result, ran } = await runSweepCell(dir, cell, runner, { takeOverOtherHosts: true });
      const value = result.validation[selection.metric];
      ctx.stderr(
        `kd worker: ${dir}: ${cell.id} ${ran ? `finished in ${result.seconds.toFixed(1)} s` : 'was finished by another worker'}: validation ${selection.metric} ${value === undefined ? '?' : formatMetric(value)}\n`,
      );
      const { results, missing } = await collectSweepResults(dir, cells);
      if (missing.length === 0) {
        await writeSweepTables(dir, results, selection);
        ctx.stderr(`kd worker: ${dir}: every cell finished; table in results.md and results.csv\n`);
      }
    };
    const interrupt = ctx.trapInterrupt();
    try {
      const worker = await serveSweepQueue(url, {
        parallel,
        stalledAfterSeconds,
        run: runQueued,
        onFailed: (job, error) => ctx.stderr(`kd worker: ${job.dir}: ${job.cell.id} failed: ${error.message}\n`),
      });
      ctx.stderr(`kd worker: taking cells from ${url}, ${parallel} at a time, ${threads} thread${threads === 1 ? '' : 's'} each; Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
      ctx.stderr('kd worker: taking no more cells; waiting for the running ones\n');
      await worker.close();
    } finally {
      interrupt.release();
    }
    return 130;
  },
};
