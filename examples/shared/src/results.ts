import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
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
  /** Whether this run trains nothing and only rewrites the summary from the seed files (`--summary-only`). */
  summaryOnly: boolean;
}

/**
 * The context of a run of `example` with `argv`: results go to `--out`, else to the example's
 * `results/` (quick runs to a temporary folder, so smoke runs never overwrite real results).
 */
export function createRunContext(example: string, argv: readonly string[], flags: CommonFlags, backend: BackendSummary, exampleDir: string): RunContext {
  const out = flags.out !== null ? resolve(flags.out) : flags.quick ? join(tmpdir(), 'kd-examples', example) : join(exampleDir, 'results');
  const args = argv.length > 0 ? ` -- ${argv.join(' ')}` : '';
  return { example, command: `npm start -w examples/${example}${args}`, backend, machine: machineInfo(), out, summaryOnly: flags.summaryOnly };
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

/** The seed results earlier runs wrote to the results folder for the same data and the same settings. */
async function recordedSeedResults<T extends { seed: number }>(context: RunContext, dataName: string, settings: object): Promise<Array<T & { command?: string }>> {
  const pattern = new RegExp(`^${dataName.replace(/[^a-z0-9]/gi, (c) => `\\${c}`)}-seed(\\d+)\\.json$`);
  const names = await readdir(context.out).catch(() => [] as string[]);
  const records: Array<T & { command?: string }> = [];
  for (const name of names.filter((n) => pattern.test(n))) {
    const record = JSON.parse(await readFile(join(context.out, name), 'utf8')) as T & { settings?: unknown; command?: string };
    if (JSON.stringify(record.settings) === JSON.stringify(settings)) records.push(record);
  }
  return records;
}

/**
 * This run's seed results together with those earlier runs wrote to the same folder for the same
 * data and the same settings (this run's win for a seed both have), in seed order, and the commands
 * that produced them: seeds run side by side as separate processes add up to one summary.
 */
export async function mergeSeedResults<T extends { seed: number }>(context: RunContext, dataName: string, settings: object, current: readonly T[]): Promise<{ seeds: T[]; commands: string[] }> {
  const bySeed = new Map<number, { result: T; command: string }>();
  for (const record of await recordedSeedResults<T>(context, dataName, settings)) bySeed.set(record.seed, { result: record, command: record.command ?? 'unknown' });
  for (const result of current) bySeed.set(result.seed, { result, command: context.command });
  const merged = [...bySeed.values()].toSorted((a, b) => a.result.seed - b.result.seed);
  return { seeds: merged.map((m) => m.result), commands: [...new Set(merged.map((m) => m.command))] };
}

/** What {@link runSeeds} gives back: this run's seed results, the files written and the last summary. */
export interface SeedsRun<R, S> {
  seeds: R[];
  files: string[];
  summary: S;
}

/**
 * The loop of an example with seeds: `runSeed` for each of `--seeds` (none with `--summary-only`),
 * each seed's result written to `<data>-seed<k>.json` as it finishes, with `settings` and `record`
 * beside it, then `summarize` on this run's seeds merged with those earlier runs recorded for the
 * same settings (see {@link mergeSeedResults}): after every seed, so a run stopped early still
 * leaves the summary of the seeds it finished. The summary's text is printed at the end.
 */
export async function runSeeds<R extends { seed: number }, S extends { text: string; files: string[] }>(
  flags: Pick<CommonFlags, 'seeds' | 'summaryOnly'>,
  context: RunContext,
  data: ExampleData,
  settings: object,
  record: object,
  runSeed: (seed: number) => Promise<R>,
  summarize: (merged: { seeds: R[]; commands: string[] }) => Promise<S>,
): Promise<SeedsRun<R, S>> {
  const seeds: R[] = [];
  const files: string[] = [];
  const summarizeAll = async () => summarize(await mergeSeedResults(context, data.name, settings, seeds));
  let summary: S | null = null;
  for (const seed of flags.summaryOnly ? [] : flags.seeds) {
    const started = performance.now();
    const result = await runSeed(seed);
    seeds.push(result);
    files.push(await writeSeedResults(context, data, seed, (performance.now() - started) / 1000, { settings, ...record, ...result }));
    summary = await summarizeAll();
  }
  summary ??= await summarizeAll();
  files.push(...summary.files);
  console.log(`\n${summary.text}`);
  return { seeds, files, summary };
}

/**
 * The choices made on validation data that an earlier run of the same data and settings recorded
 * for a seed below every seed of this run (the lowest such seed), read from its results by `pick`;
 * null when there is none, and this run's first seed chooses. So seeds run as separate processes
 * (`--seeds 0`, then `--seeds 1,2`) make their choices on the same seed one run of 0,1,2 would.
 */
export async function recordedChoice<T extends { seed: number }, C>(
  context: RunContext,
  dataName: string,
  settings: object,
  seeds: readonly number[],
  pick: (record: T) => C,
): Promise<C | null> {
  if (seeds.length === 0) return null;
  const lowest = Math.min(...seeds);
  const earlier = (await recordedSeedResults<T>(context, dataName, settings)).filter((r) => r.seed < lowest).toSorted((a, b) => a.seed - b.seed);
  const record = earlier[0];
  if (record === undefined) return null;
  const choice = pick(record);
  console.log(`choices made on seed ${record.seed}'s validation data, as recorded in ${join(context.out, `${dataName}-seed${record.seed}.json`)}: ${JSON.stringify(choice)}`);
  return choice;
}

/** The lines under a summary's title that say how it was made. */
export function provenance(context: RunContext, data: ExampleData, seeds: readonly number[], wallSeconds: number, commands: readonly string[] = [context.command]): string {
  const b = context.backend;
  const { processCpuSeconds, loadAverage1m } = load();
  return [
    commands.length === 1 ? `- command: \`${commands[0]}\`` : `- commands (seeds run as separate processes, same settings): ${commands.map((c) => `\`${c}\``).join('; ')}`,
    `- seeds: ${seeds.join(', ')}`,
    `- data: ${data.source}; ${data.train.size} train / ${data.validation.size} validation / ${data.test.size} test`,
    ...(context.summaryOnly
      ? ['- written by a `--summary-only` run from the seed files, which trained nothing: the backend, machine and wall time of each seed\'s run are in its seed file']
      : [
          `- backend: ${b.kind} (${b.name}, ${b.threads} thread${b.threads === 1 ? '' : 's'}${b.simd ? ', SIMD' : ''})`,
          `- machine: ${context.machine.cpu}, ${context.machine.cores} cores, ${context.machine.os}, Node ${context.machine.node}`,
          `- wall time of the run that wrote this summary: ${(wallSeconds / 60).toFixed(1)} min (per seed: \`wallSeconds\` in the seed files); CPU time of the process ${(processCpuSeconds / 60).toFixed(1)} min; load average at the end ${loadAverage1m} on ${context.machine.cores} cores`,
        ]),
  ].join('\n');
}
