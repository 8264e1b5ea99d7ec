import { writeFileAtomic } from '@kd/core/node';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliContext } from './cli-context';
import { applySweepParams } from './experiment-overrides';
import type { SweepCell } from './grid';
import { readRunOutcome } from './run-folder';
import type { CellRunner } from './sweep';

/** What every cell's `kd run` shares: where relative paths start, the backend, its threads. */
export interface CellRunnerOptions {
  baseDir: string;
  backend: string | undefined;
  threads: number;
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
export function childProcessRunner(
  ctx: CliContext,
  config: unknown,
  { baseDir, backend, threads }: CellRunnerOptions,
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
