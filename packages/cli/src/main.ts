import { exitCodeFor, formatError, UsageError } from './cli-error';
import type { CliContext } from './cli-context';
import { processContext } from './cli-context';
import type { CommandSpec, ParsedCommandLine } from './command-line';
import { formatCommandHelp, formatOverview, parseCommandLine } from './command-line';
import { evalCommand } from './eval-command';
import { reportCommand } from './report-command';
import { runCommand } from './run-command';
import { sweepCommand } from './sweep-command';
import { workerCommand } from './worker-command';
import { version } from '../package.json';

/** A `kd` sub-command: its spec (for parsing and `--help`) and what it does. */
export interface Command {
  spec: CommandSpec;
  /** Returns the exit code; throws for errors, which `main` prints as one line. */
  run(args: ParsedCommandLine, context: CliContext): Promise<number>;
}

/** Every command `kd` knows, in the order `kd --help` lists them. */
export const commands: readonly Command[] = [runCommand, sweepCommand, workerCommand, evalCommand, reportCommand];

/**
 * Runs `kd` with `argv` (the words after `kd`) and returns the exit code: 0 on success, 1 when
 * the work failed, 2 for a usage error. It never throws: errors become one line on stderr,
 * `kd: <message>`, with the stack only under `--debug` or `KD_DEBUG=1`.
 */
export async function main(argv: readonly string[], context: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = { ...processContext(), ...context };
  const debug = argv.includes('--debug') || ctx.env.KD_DEBUG === '1';
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h') {
      ctx.stdout(formatOverview(commands.map((c) => c.spec), version));
      return 0;
    }
    if (name === '--version' || name === '-v') {
      ctx.stdout(`${version}\n`);
      return 0;
    }
    if (name === 'help') {
      const topic = rest[0];
      ctx.stdout(topic ? formatCommandHelp(findCommand(topic).spec) : formatOverview(commands.map((c) => c.spec), version));
      return 0;
    }
    const command = findCommand(name);
    const args = parseCommandLine(command.spec, rest);
    if (args.values.help) {
      ctx.stdout(formatCommandHelp(command.spec));
      return 0;
    }
    return await command.run(args, ctx);
  } catch (error) {
    ctx.stderr(`${formatError(error)}\n`);
    if (debug && error instanceof Error && error.stack) ctx.stderr(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}

function findCommand(name: string): Command {
  const command = commands.find((c) => c.spec.name === name);
  if (!command) {
    const hint = name.startsWith('-') ? `unknown option '${name}' before a command` : `unknown command '${name}'`;
    throw new UsageError(`${hint}; commands are ${commands.map((c) => c.spec.name).join(', ')}`);
  }
  return command;
}
