import { readJsonFile } from '@kd/core/node';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { maxTemperature } from '@kd/losses';
import { higherIsBetter, metricNames } from '@kd/trainer';
import type { CliContext } from './cli-context';
import { backendFlag } from './backend-choice';
import { childProcessRunner } from './cell-runner';
import { UsageError } from './cli-error';
import type { ParsedCommandLine } from './command-line';
import { validateExperimentConfig } from './experiment-config';
import { applySweepParams, sweepParams } from './experiment-overrides';
import { expandGrid } from './grid';
import type { SweepAxis, SweepCell } from './grid';
import type { Command } from './main';
import { parseNumberList, parsePositiveInteger } from './option-values';
import { formatMetric } from './results-table';
import type { Selection } from './results-table';
import { parseShard, shardCells } from './shard';
import type { ShardSpec } from './shard';
import type { CellResult, SweepEvent } from './sweep';
import { checkSweepManifest, runSweep } from './sweep';
import { enqueueSweep, parseQueueUrl, sweepJobStates } from './sweep-queue';
import { collectSweepResults } from './sweep-results';
import { describeSweepStatus } from './sweep-status';
import { writeSweepTables } from './sweep-tables';

export const sweepCommand: Command = {
  spec: {
    name: 'sweep',
    summary: 'run an experiment over a grid of temperatures and soft-loss weights, resumably, on one machine or many',
    description: [
      'Runs the experiment once per cell of the grid (every combination of the values given),',
      'several cells at a time in child processes, each in its own folder under --out. A cell is',
      'finished when its result.json exists; running the same command again skips finished cells',
      'and retries the rest. Ends with a results table (results.md and results.csv) ranked on a',
      'validation metric; test metrics are shown but never choose the winner.',
      'Past one machine, with --out on a shared folder: --shard k/n runs every n-th cell (a Slurm',
      'array task or Kubernetes Indexed Job each), and the shard that finishes the grid writes the',
      "table; --queue redis://host:port puts the cells on a queue that 'kd worker' processes run.",
      '--status shows what is finished, running and waiting; --collect writes the table from every',
      "cell's result and names the cells still missing.",
    ].join('\n'),
    positionals: [{ name: 'experiment.json', description: 'the experiment config the cells start from' }],
    options: {
      temperature: { type: 'string', value: 'list', description: 'distillation temperatures, e.g. 1,2,4,8,20' },
      'soft-weight': {
        type: 'string',
        value: 'list',
        description: 'weights of the soft term in [0, 1], e.g. 0.5,0.9,0.99 (the hard term gets 1 - w)',
      },
      out: { type: 'string', value: 'dir', description: 'the sweep folder (default: runs/sweep-<config name>)' },
      parallel: { type: 'string', value: 'n', description: 'cells run at the same time (default: number of cores)' },
      select: {
        type: 'string',
        value: 'metric',
        description: 'validation metric that ranks the cells (default: accuracy)',
      },
      shard: { type: 'string', value: 'k/n', description: 'run only shard k of n of the grid (every n-th cell, from the k-th)' },
      queue: { type: 'string', value: 'url', description: "put the cells on the Redis queue at redis://host:port for 'kd worker' to run" },
      status: { type: 'boolean', description: 'show which cells are finished, running or waiting, and run nothing' },
      collect: { type: 'boolean', description: "write the ranked table from every cell's result; fails naming the cells missing" },
    },
    examples: [
      'kd sweep mnist.json --temperature 1,2,4,8,20 --soft-weight 0.5,0.9,0.99',
      'kd sweep mnist.json --temperature 2,20 --parallel 1 --select nll --out runs/t-sweep',
      'kd sweep mnist.json --temperature 1,2,4,8,20 --out /shared/t-sweep --shard 3/5',
      'kd sweep mnist.json --temperature 1,2,4,8,20 --out /shared/t-sweep --collect',
      'kd sweep mnist.json --temperature 1,2,4,8,20 --out /shared/t-sweep --queue redis://10.0.0.5:6379',
    ],
  },
  async run(args, ctx) {
    const options = parseSweepOptions(args, ctx);
    const config = await readJsonFile(options.configPath, 'experiment config');
    const cells = expandGrid(options.axes);
    // Fails now, not once per cell, when the config (or a cell of it) cannot run.
    checkCells(options.configPath, config, cells);
    if (options.status) {
      const states = options.queue ? await sweepJobStates(options.queue, options.out, cells) : undefined;
      ctx.stdout(await describeSweepStatus(options.out, cells, options.selection, states));
      return 0;
    }
    if (options.collect) {
      const { results, missing } = await collectSweepResults(options.out, cells);
      if (missing.length > 0) {
        throw new Error(
          `${options.out} holds ${results.length} of ${cells.length} cells' results; missing: ${missing.map((cell) => cell.id).join(', ')} (run their shards again, or see 'kd sweep --status')`,
        );
      }
      await checkSweepManifest(options.out, config);
      ctx.stdout(await writeSweepTables(options.out, results, options.selection));
      return 0;
    }
    if (trainsItsTeacher(config)) {
      ctx.stderr(
        'kd sweep: every cell trains its own teacher; to train it once, run the experiment once and give the sweep "teacher": { "path": "<run folder>/teacher" }\n',
      );
    }
    const shared = { baseDir: dirname(options.configPath), backend: options.backend };
    if (options.queue) {
      await mkdir(options.out, { recursive: true });
      await checkSweepManifest(options.out, config);
      const queued = await enqueueSweep(options.queue, { dir: options.out, cells, config, selection: options.selection, ...shared });
      ctx.stdout(
        `kd sweep: ${queued.queued} cells queued and ${queued.finished} finished earlier, of ${cells.length}, on ${options.queue}; run 'kd worker --queue ${options.queue}' on every machine that sees ${options.out}; the worker that finishes the last cell writes the table ('kd sweep ... --status' shows progress)\n`,
      );
      return 0;
    }
    const { shard } = options;
    const mine = shard ? `shard ${shard.index}/${shard.count} of ${cells.length} cells` : `${cells.length} cells`;
    ctx.stderr(`kd sweep: ${mine}, ${Math.min(options.parallel, cells.length)} at a time, in ${options.out}\n`);
    const interrupt = ctx.trapInterrupt();
    let report = '';
    const summary = await runSweep({
      signal: interrupt.signal,
      dir: options.out,
      cells,
      manifest: config,
      parallel: options.parallel,
      ...(shard ? { shard } : {}),
      runCell: childProcessRunner(ctx, config, { ...shared, threads: Math.max(1, Math.floor(ctx.cores / options.parallel)) }),
      onEvent: (event) => ctx.stderr(`${describeEvent(event, options.select)}\n`),
      // Written while the sweep still holds its folder. Shards write it only once the grid is
      // complete: a shard that read fewer results could otherwise overwrite a fuller table.
      async finish({ results, missing }) {
        if (results.length === 0 || (shard && missing.length > 0)) return;
        report = await writeSweepTables(options.out, results, options.selection);
      },
    }).finally(() => interrupt.release());
    ctx.stdout(report);
    if (shard && summary.missing.length > 0 && summary.failures.length === 0 && !interrupt.signal.aborted) {
      ctx.stderr(
        `kd sweep: shard ${shard.index}/${shard.count} done; ${summary.results.length} of ${cells.length} cells finished, other shards' still missing: ${summary.missing.map((cell) => cell.id).join(', ')}; the shard that finishes the grid writes the table, or run the same command with --collect\n`,
      );
    }
    if (interrupt.signal.aborted) {
      ctx.stderr('kd: sweep stopped; run the same command again to resume it\n');
      return 130;
    }
    if (summary.failures.length > 0) {
      const [first] = summary.failures;
      throw new Error(
        `${summary.failures.length} of ${shard ? `shard ${shard.index}/${shard.count}'s ${shardCells(cells, shard).length}` : cells.length} cells failed (${first!.cell.id}: ${first!.error.message}); run the same command again to retry them`,
      );
    }
    return 0;
  },
};

interface SweepCommandOptions {
  configPath: string;
  axes: SweepAxis[];
  out: string;
  parallel: number;
  select: string;
  selection: Selection;
  backend: string | undefined;
  shard: ShardSpec | undefined;
  queue: string | undefined;
  status: boolean;
  collect: boolean;
}

function parseSweepOptions(args: ParsedCommandLine, ctx: CliContext): SweepCommandOptions {
  const { values } = args;
  const configPath = resolve(ctx.cwd, args.positionals[0]!);
  const axes: SweepAxis[] = [];
  if (typeof values.temperature === 'string') {
    axes.push({
      name: sweepParams.temperature,
      values: parseNumberList('temperature', values.temperature, { min: 0, exclusiveMin: true, max: maxTemperature }, 'sweep'),
    });
  }
  if (typeof values['soft-weight'] === 'string') {
    axes.push({
      name: sweepParams.softWeight,
      values: parseNumberList('soft-weight', values['soft-weight'], { min: 0, max: 1 }, 'sweep'),
    });
  }
  if (axes.length === 0) {
    throw new UsageError("'kd sweep' needs --temperature, --soft-weight or both", 'sweep');
  }
  // One of: run (all cells or a shard), queue the cells, show the status, collect the table.
  const given = (['shard', 'queue', 'collect', 'status', 'parallel'] as const).filter((name) => values[name] !== undefined);
  const allowed: Record<string, readonly string[]> = { status: ['queue'], queue: ['status'], shard: ['parallel'], parallel: ['shard'], collect: [] };
  const clash = given.find((name) => given.some((other) => other !== name && !allowed[name]!.includes(other)));
  if (clash !== undefined) {
    const other = given.find((name) => name !== clash && !allowed[clash]!.includes(name))!;
    throw new UsageError(`options '--${clash}' and '--${other}' cannot be given together`, 'sweep');
  }
  const select = typeof values.select === 'string' ? values.select : 'accuracy';
  if (!(metricNames as readonly string[]).includes(select)) {
    throw new UsageError(`option '--select' must be one of ${metricNames.join(', ')}, got '${select}'`, 'sweep');
  }
  const name = basename(configPath).replace(/\.json$/i, '');
  return {
    configPath,
    axes,
    out: resolve(ctx.cwd, typeof values.out === 'string' ? values.out : join('runs', `sweep-${name}`)),
    parallel: typeof values.parallel === 'string' ? parsePositiveInteger('parallel', values.parallel, 'sweep') : ctx.cores,
    select,
    selection: { metric: select, higherIsBetter: higherIsBetter(select as (typeof metricNames)[number]) },
    backend: backendFlag(values, 'sweep'),
    shard: typeof values.shard === 'string' ? parseShard(values.shard, 'sweep') : undefined,
    queue: typeof values.queue === 'string' ? parseQueueUrl(values.queue, 'sweep') : undefined,
    status: values.status === true,
    collect: values.collect === true,
  };
}

/**
 * Every problem of the config and of each cell's config (`applySweepParams`), as one Error naming
 * the file and, for a problem only a swept value brings, the cell.
 */
function checkCells(configPath: string, config: unknown, cells: readonly SweepCell[]): void {
  const base = validateExperimentConfig(config);
  if (base.length > 0) throw new Error(`${configPath} has ${base.length} problem${base.length === 1 ? '' : 's'}: ${base.join('; ')}`);
  const problems = cells.flatMap((cell) => validateExperimentConfig(applySweepParams(config, cell.params)).map((problem) => `cell ${cell.id}: ${problem}`));
  if (problems.length > 0) throw new Error(`${configPath} cannot run every cell of the sweep: ${problems.join('; ')}`);
}

function trainsItsTeacher(config: unknown): boolean {
  const teacher = (config as { teacher?: unknown }).teacher;
  return teacher !== null && typeof teacher === 'object' && 'train' in teacher;
}

function describeEvent(event: SweepEvent, metric: string): string {
  const counter = `[${event.done}/${event.total}]`;
  const value = (result: CellResult): string => {
    const v = result.validation[metric];
    return v === undefined ? '?' : formatMetric(v);
  };
  switch (event.type) {
    case 'started':
      return `${counter} ${event.cell.id} started`;
    case 'skipped':
      return `${counter} ${event.cell.id} finished earlier: validation ${metric} ${value(event.result)}`;
    case 'finished':
      return `${counter} ${event.cell.id} finished in ${event.result.seconds.toFixed(1)} s: validation ${metric} ${value(event.result)}`;
    case 'failed':
      return `${counter} ${event.cell.id} failed: ${event.error.message}`;
  }
}

