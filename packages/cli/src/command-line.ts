import { parseArgs } from 'node:util';
import { UsageError } from './cli-error';

/** One `--option` of a command, as parsed and as shown by `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The placeholder `--help` shows for the value of a string option, e.g. `list`. */
  value?: string;
  description: string;
}

/** What a command accepts and how `--help` describes it. */
export interface CommandSpec {
  name: string;
  /** One line for the overview of all commands. */
  summary: string;
  /** A paragraph for the command's own `--help`. */
  description: string;
  positionals: ReadonlyArray<{ name: string; description: string }>;
  options: Readonly<Record<string, OptionSpec>>;
  examples?: readonly string[];
}

/** Options every command takes. */
export const globalOptions: Readonly<Record<string, OptionSpec>> = {
  backend: {
    type: 'string',
    value: 'name',
    description:
      'TensorFlow.js backend to prefer (passed to @kd/backend useBackend); default: $KD_BACKEND, else the fastest present',
  },
  debug: { type: 'boolean', description: 'print the stack trace of an error (also KD_DEBUG=1)' },
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
};

export interface ParsedCommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` (the words after the command name) against `spec` with `node:util` parseArgs,
 * turning its errors into one-line usage errors. Positional arguments are counted only when
 * `--help` is absent, so `kd run --help` works without a config file.
 */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedCommandLine {
  const options = { ...spec.options, ...globalOptions };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(options).map(([name, option]) => [
          name,
          option.short ? { type: option.type, short: option.short } : { type: option.type },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error, options), spec.name);
  }
  const values = parsed.values as ParsedCommandLine['values'];
  const positionals = parsed.positionals;
  if (!values.help) {
    const expected = spec.positionals.map((p) => `<${p.name}>`);
    if (positionals.length < spec.positionals.length) {
      throw new UsageError(`'kd ${spec.name}' needs ${expected.slice(positionals.length).join(' ')}`, spec.name);
    }
    if (positionals.length > spec.positionals.length) {
      throw new UsageError(
        `'kd ${spec.name}' takes ${expected.length === 0 ? 'no arguments' : expected.join(' ')}, got an extra argument '${positionals[spec.positionals.length]}'`,
        spec.name,
      );
    }
  }
  return { values, positionals };
}

function describeParseError(error: unknown, options: Record<string, OptionSpec>): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `unknown option '${quoted}'`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--([\w-]+)/.exec(quoted)?.[1] ?? quoted;
    return options[name]?.type === 'boolean'
      ? `option '--${name}' takes no value`
      : `option '--${name}' needs a value`;
  }
  return message;
}

/** The `--help` text of one command. */
export function formatCommandHelp(spec: CommandSpec): string {
  const usage = ['kd', spec.name, ...spec.positionals.map((p) => `<${p.name}>`), '[options]'].join(' ');
  const lines = [`Usage: ${usage}`, '', spec.description, ''];
  if (spec.positionals.length > 0) {
    lines.push('Arguments:', ...table(spec.positionals.map((p) => [`<${p.name}>`, p.description])), '');
  }
  const optionRows = Object.entries({ ...spec.options, ...globalOptions }).map(([name, option]) => [
    `${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` <${option.value}>` : ''}`,
    option.description,
  ]);
  lines.push('Options:', ...table(optionRows));
  if (spec.examples?.length) {
    lines.push('', 'Examples:', ...spec.examples.map((example) => `  ${example}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The `kd --help` text: every command with its summary. */
export function formatOverview(specs: readonly CommandSpec[], version: string): string {
  return [
    `kd ${version}: knowledge distillation (Hinton, Vinyals & Dean 2015) on TensorFlow.js`,
    '',
    'Usage: kd <command> [options]',
    '',
    'Commands:',
    ...table(specs.map((spec) => [spec.name, spec.summary])),
    '',
    "Run 'kd <command> --help' for a command's arguments and options.",
    'Environment: KD_BACKEND (default for --backend), KD_THREADS (threads of the native kernels or of WebAssembly; default every core), KD_DEBUG=1 (same as --debug).',
    '',
  ].join('\n');
}

function table(rows: ReadonlyArray<readonly string[]>): string[] {
  const width = Math.max(...rows.map((row) => row[0]!.length));
  return rows.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}`);
}
