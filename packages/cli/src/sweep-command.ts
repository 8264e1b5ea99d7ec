import { readJsonFile, writeFileAtomic } from '@kd/core/node';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { maxTemperature } from '@kd/losses';
import { higherIsBetter, metricNames } from '@kd/trainer';
import type { CliContext } from './cli-context';
import { backendFlag } from './backend-choice';
import { UsageError } from './cli-error';
import type { ParsedCommandLine } from './command-line';
import { validateExperimentConfig } from './experiment-config';
import { applySweepParams, sweepParams } from './experiment-overrides';
import { expandGrid } from './grid';
import type { SweepAxis, SweepCell } from './grid';
import type { Command } from './main';
import { parseNumberList, parsePositiveInteger } from './option-values';
import { formatMetric, rankResults, resultsTable, toCsv, toMarkdown } from './results-table';
import { readRunOutcome } from './run-folder';
import type { CellResult, CellRunner, SweepEvent } from './sweep';
import { runSweep } from './sweep';

export const sweepCommand: Command = {
  spec: {
    name: 'sweep',
    summary: 'run an experiment over a grid of temperatures and soft-loss weights, resumably',
    description: [
      'Runs the experiment once per cell of the grid (every combination of the values given),',
      'several cells at a time in child processes, each in its own folder under --out. A cell is',
      'finished when its result.json exists; running the same command again skips finished cells',
      'and retries the rest. Ends with a results table (results.md and results.csv) ranked on a',
      'validation metric; test metrics are shown but never choose the winner.',
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
    },
    examples: [
      'kd sweep mnist.json --temperature 1,2,4,8,20 --soft-weight 0.5,0.9,0.99',
      'kd sweep mnist.json --temperature 2,20 --parallel 1 --select nll --out runs/t-sweep',
    ],
  },
  async run(args, ctx) {
    const options = parseSweepOptions(args, ctx);
    if (!(metricNames as readonly string[]).includes(options.select)) {
      throw new UsageError(`option '--select' must be one of ${metricNames.join(', ')}, got '${options.select}'`, 'sweep');
    }
    const selection = { metric: options.select, higherIsBetter: higherIsBetter(options.select as (typeof metricNames)[number]) };
    const config = await readJsonFile(options.configPath, 'experiment config');
    const cells = expandGrid(options.axes);
    // Fails now, not once per cell, when the config (or a cell of it) cannot run.
    checkCells(options.configPath, config, cells);
    ctx.stderr(`kd sweep: ${cells.length} cells, ${Math.min(options.parallel, cells.length)} at a time, in ${options.out}\n`);
    if (trainsItsTeacher(config)) {
      ctx.stderr(
        'kd sweep: every cell trains its own teacher; to train it once, run the experiment once and give the sweep "teacher": { "path": "<run folder>/teacher" }\n',
      );
    }
    const interrupt = ctx.trapInterrupt();
    let markdown = '';
    const summary = await runSweep({
      signal: interrupt.signal,
      dir: options.out,
      cells,
      manifest: config,
      parallel: options.parallel,
      runCell: childProcessRunner(ctx, config, {
        baseDir: dirname(options.configPath),
        backend: options.backend,
        threads: Math.max(1, Math.floor(ctx.cores / options.parallel)),
      }),
      onEvent: (event) => ctx.stderr(`${describeEvent(event, options.select)}\n`),
      // Written while the sweep still holds its folder.
      async finish({ results }) {
        if (results.length === 0) return;
        markdown = toMarkdown(resultsTable(results, selection));
        await writeFileAtomic(join(options.out, 'results.md'), markdown);
        await writeFileAtomic(join(options.out, 'results.csv'), toCsv(resultsTable(results, selection, { precise: true })));
      },
    }).finally(() => interrupt.release());
    if (summary.results.length > 0) {
      const best = rankResults(summary.results, selection)[0]!;
      ctx.stdout(markdown);
      ctx.stdout(
        `\nbest on validation ${options.select}: ${best.id} (${options.select} ${formatMetric(best.validation[options.select]!)}); table in ${join(options.out, 'results.md')} and results.csv\n`,
      );
    }
    if (interrupt.signal.aborted) {
      ctx.stderr('kd: sweep stopped; run the same command again to resume it\n');
      return 130;
    }
    if (summary.failures.length > 0) {
      const [first] = summary.failures;
      throw new Error(
        `${summary.failures.length} of ${cells.length} cells failed (${first!.cell.id}: ${first!.error.message}); run the same command again to retry them`,
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
  backend: string | undefined;
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
  const name = basename(configPath).replace(/\.json$/i, '');
  return {
    configPath,
    axes,
    out: resolve(ctx.cwd, typeof values.out === 'string' ? values.out : join('runs', `sweep-${name}`)),
    parallel: typeof values.parallel === 'string' ? parsePositiveInteger('parallel', values.parallel, 'sweep') : ctx.cores,
    select: typeof values.select === 'string' ? values.select : 'accuracy',
    backend: backendFlag(values, 'sweep'),
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

/**
 * Runs each cell as `kd run <cell>/experiment.json --out <cell>/run` (with `--resume` once the cell
 * has a run folder) in a child process,
 * its output in `<cell>/output.log`: separate processes keep cells from sharing one TensorFlow.js
 * engine and use the cores in parallel, and a cell stopped half-way continues from its last
 * checkpoint when the sweep runs again. Each child gets its share of the cores as threads, so
 * parallel cells do not oversubscribe the machine, and resolves the config's relative paths
 * against the original config's folder.
 */
function childProcessRunner(
  ctx: CliContext,
  config: unknown,
  { baseDir, backend, threads }: { baseDir: string; backend: string | undefined; threads: number },
): CellRunner {
  return async (cell: SweepCell, cellDir: string) => {
    const configPath = join(cellDir, 'experiment.json');
    const runDir = join(cellDir, 'run');
    const logPath = join(cellDir, 'output.log');
    await writeFileAtomic(configPath, `${JSON.stringify(applySweepParams(config, cell.params), null, 2)}\n`);
    const [command, ...prefix] = ctx.selfCommand;
    const args = [
      ...prefix,
      'run',
      configPath,
      '--out',
      runDir,
      // Continues a cell stopped half-way; a cell that never started has no run folder to continue.
      ...(existsSync(runDir) ? ['--resume'] : []),
      '--base-dir',
      baseDir,
      '--threads',
      String(threads),
      ...(backend ? ['--backend', backend] : []),
    ];
    const log = createWriteStream(logPath);
    const code = await new Promise<number>((done, fail) => {
      const child = spawn(command!, args, { cwd: ctx.cwd, env: { ...ctx.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      child.on('error', fail);
      child.on('close', (exitCode, signal) => done(exitCode ?? (signal ? 128 : 1)));
    });
    await new Promise((done) => log.end(done));
    if (code !== 0) {
      const output = await readFile(logPath, 'utf8');
      const reason = output.split('\n').toReversed().find((line) => line.startsWith('kd: '))?.slice(4);
      throw new Error(`${reason ?? `exited with code ${code}`} (log: ${logPath})`);
    }
    return readRunOutcome(runDir);
  };
}
