import { formatCommandHelp, parseCommandLine, UsageError } from '@kd/cli';
import type { CommandSpec } from '@kd/cli';
import { describe, expect, it } from 'vitest';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a demo',
  description: 'Does a demo.',
  positionals: [{ name: 'input', description: 'the input' }],
  options: {
    count: { type: 'string', value: 'n', description: 'how many' },
    fast: { type: 'boolean', short: 'f', description: 'go fast' },
  },
  examples: ['kd demo x --count 2'],
};

describe('parseCommandLine', () => {
  it('returns positionals and option values, global options included', () => {
    expect(parseCommandLine(spec, ['x', '--count', '2', '-f', '--backend', 'cpu'])).toEqual({
      positionals: ['x'],
      values: { count: '2', fast: true, backend: 'cpu' },
    });
    expect(parseCommandLine(spec, ['--count=3', 'y']).values.count).toBe('3');
  });

  it('skips the argument count under --help', () => {
    expect(parseCommandLine(spec, ['--help']).values.help).toBe(true);
    expect(parseCommandLine(spec, ['a', 'b', '-h']).positionals).toEqual(['a', 'b']);
  });

  it.each([
    [['x', '--slow'], "unknown option '--slow'"],
    [['x', '-z'], "unknown option '-z'"],
    [['x', '--count'], "option '--count' needs a value"],
    [['x', '--fast=yes'], "option '--fast' takes no value"],
    [[], "'kd demo' needs <input>"],
    [['x', 'y'], "'kd demo' takes <input>, got an extra argument 'y'"],
  ])('%j is a usage error: %s', (argv, message) => {
    let caught: unknown;
    try {
      parseCommandLine(spec, argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toBe(message);
    expect((caught as UsageError).command).toBe('demo');
  });
});

describe('formatCommandHelp', () => {
  it('shows usage, arguments, aligned options and examples', () => {
    expect(formatCommandHelp(spec)).toBe(
      [
        'Usage: kd demo <input> [options]',
        '',
        'Does a demo.',
        '',
        'Arguments:',
        '  <input>  the input',
        '',
        'Options:',
        '  --count <n>       how many',
        '  -f, --fast        go fast',
        '  --backend <name>  TensorFlow.js backend to prefer (passed to @kd/backend useBackend); default: $KD_BACKEND, else the fastest present',
        '  --debug           print the stack trace of an error (also KD_DEBUG=1)',
        '  -h, --help        show this help and exit',
        '',
        'Examples:',
        '  kd demo x --count 2',
        '',
      ].join('\n'),
    );
  });
});
