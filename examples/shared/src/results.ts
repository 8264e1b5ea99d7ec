import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import type { BackendSummary } from './backend';
import type { ExampleData } from './data';
import type { CommonFlags } from './flags';

/** The machine a run used, as the results record it. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

export function machineInfo(): Machine {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

/** Where a run is and what it runs on: everything a results file records besides its numbers. */
export interface RunContext {
  example: string;
  /** The command that reproduces the run. */
  command: string;
  backend: BackendSummary;
  machine: Machine;
  /** Absolute results folder. */
  out: string;
}

/**
 * The context of a run of `example` with `argv`: results go to `--out`, else to the example's
 * `results/` (quick runs to a temporary folder, so smoke runs never overwrite real results).
 */
export function createRunContext(example: string, argv: readonly string[], flags: CommonFlags, backend: BackendSummary, exampleDir: string): RunContext {
  const out = flags.out !== null ? resolve(flags.out) : flags.quick ? join(tmpdir(), 'kd-examples', example) : join(exampleDir, 'results');
  const args = argv.length > 0 ? ` -- ${argv.join(' ')}` : '';
  return { example, command: `npm start -w examples/${example}${args}`, backend, machine: machineInfo(), out };
}

/** The part of every results file that says how the numbers were made. */
export function runHeader(context: RunContext, data: ExampleData, seed: number | number[], wallSeconds: number): Record<string, unknown> {
  return {
    example: context.example,
    command: context.command,
    seed,
    data: {
      name: data.name,
      source: data.source,
      train: data.train.size,
      validation: data.validation.size,
      test: data.test.size,
    },
    backend: context.backend,
    machine: context.machine,
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round(wallSeconds * 10) / 10,
    ...load(),
  };
}

/**
 * CPU seconds this process has used so far and the machine's 1-minute load average: on a shared
 * machine, wall time alone says little about what a run costs on idle cores.
 */
function load(): { processCpuSeconds: number; loadAverage1m: number } {
  const { user, system } = process.cpuUsage();
  return { processCpuSeconds: Math.round((user + system) / 1e5) / 10, loadAverage1m: Math.round(loadavg()[0]! * 10) / 10 };
}

/** Writes `<out>/<name>` (creating the folder) and returns its path. */
export async function writeResultFile(context: RunContext, name: string, text: string): Promise<string> {
  await mkdir(context.out, { recursive: true });
  const path = join(context.out, name);
  await writeFile(path, text.endsWith('\n') ? text : `${text}\n`);
  return path;
}

/** `<out>/<data>-seed<k>.json`: one seed's numbers with the run header. */
export async function writeSeedResults(context: RunContext, data: ExampleData, seed: number, wallSeconds: number, results: object): Promise<string> {
  const record = { ...runHeader(context, data, seed, wallSeconds), ...results };
  return writeResultFile(context, `${data.name}-seed${seed}.json`, JSON.stringify(record, null, 2));
}

const tableLine = (cells: ReadonlyArray<string | number>): string => `| ${cells.join(' | ')} |`;

/** A Markdown table; numbers are written as given. */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [tableLine(headers), tableLine(headers.map(() => '---')), ...rows.map(tableLine)].join('\n');
}

/** The lines under a summary's title that say how it was made. */
export function provenance(context: RunContext, data: ExampleData, seeds: readonly number[], wallSeconds: number): string {
  const b = context.backend;
  return [
    `- command: \`${context.command}\``,
    `- seeds: ${seeds.join(', ')}`,
    `- data: ${data.source}; ${data.train.size} train / ${data.validation.size} validation / ${data.test.size} test`,
    `- backend: ${b.kind} (${b.name}, ${b.threads} thread${b.threads === 1 ? '' : 's'}${b.simd ? ', SIMD' : ''})`,
    `- machine: ${context.machine.cpu}, ${context.machine.cores} cores, ${context.machine.os}, Node ${context.machine.node}`,
    `- wall time: ${(wallSeconds / 60).toFixed(1)} min; CPU time of the process ${(load().processCpuSeconds / 60).toFixed(1)} min; load average at the end ${load().loadAverage1m} on ${context.machine.cores} cores`,
  ].join('\n');
}
