import type { ParseArgsConfig } from 'node:util';
import { setupBackend } from './backend';
import { commonUsage, FlagError, parseFlags } from './flags';
import type { CommonFlags } from './flags';
import { createRunContext } from './results';
import type { RunContext } from './results';

/** How an example's `src/main.ts` starts. */
export interface ExampleMain<E extends NonNullable<ParseArgsConfig['options']>> {
  /** The folder name under `examples/`. */
  name: string;
  /** One line on what it shows, for `--help`. */
  about: string;
  /** The example's own flags (parseArgs options) and their help lines. */
  options?: E;
  usage?: string;
  /** The example's folder (its `results/` is the default output). */
  exampleDir: string;
  run(flags: CommonFlags, values: Record<string, string | boolean | undefined>, context: RunContext): Promise<{ files: string[] }>;
}

/**
 * Parses the command line, prints `--help`, chooses the backend (`useBackend('auto')`, or
 * `KD_BACKEND`), runs the example and lists the files it wrote. A bad flag (one parseArgs refuses,
 * or a {@link FlagError} the example's `run` throws) exits with code 2 and one line saying why.
 */
export async function runExampleMain<E extends NonNullable<ParseArgsConfig['options']>>(main: ExampleMain<E>, argv: readonly string[]): Promise<void> {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv, { seeds: [0] }, main.options ?? ({} as E));
  } catch (error) {
    console.error(`${main.name}: ${(error as Error).message} (see --help)`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    console.log(`npm start -w examples/${main.name} -- [options]\n\n${main.about}\n\n${commonUsage}${main.usage ? `\n${main.usage}` : ''}`);
    return;
  }
  const backend = await setupBackend();
  const context = createRunContext(main.name, argv, parsed.flags, backend, main.exampleDir);
  let files: string[];
  try {
    ({ files } = await main.run(parsed.flags, parsed.values, context));
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    console.error(`${main.name}: ${error.message} (see --help)`);
    process.exitCode = 2;
    return;
  }
  console.log(`\nwrote ${files.join('\n      ')}`);
}
