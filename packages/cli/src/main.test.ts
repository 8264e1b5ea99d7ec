import { backendKinds } from '@kd/backend';
import { commands } from '@kd/cli';
import type { CliContext } from '@kd/cli';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKd } from '../../../test/run-kd';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-cli-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const kd = (argv: string[], context: Partial<CliContext> = {}) => runKd(dir, argv, context);

describe('kd --help', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])('kd %j lists every command', async (argv) => {
    const { code, stdout, stderr } = await kd(argv);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const command of ['run', 'sweep', 'worker', 'eval', 'report']) expect(stdout).toMatch(new RegExp(`^  ${command} +\\w`, 'm'));
    expect(stdout).toContain('KD_BACKEND');
  });

  it.each(commands.map((c) => [c.spec.name, c.spec.positionals.map((p) => `<${p.name}>`).join(' ')]))(
    'kd %s --help shows usage, arguments and every option',
    async (name, positionals) => {
      const { code, stdout } = await kd([name, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: kd ${[name, positionals].filter(Boolean).join(' ')} [options]`);
      const spec = commands.find((c) => c.spec.name === name)!.spec;
      for (const option of [...Object.keys(spec.options), 'backend', 'debug', 'help']) {
        expect(stdout).toMatch(new RegExp(`--${option}\\b`));
      }
      expect((await kd(['help', name])).stdout).toBe(stdout);
      // --help wins over missing arguments and bad values.
      expect((await kd([name, '--parallel', 'x', '-h'])).code).toBe('parallel' in spec.options ? 0 : 2);
    },
  );

  it('prints the version', async () => {
    const { code, stdout } = await kd(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('kd usage errors', () => {
  it.each([
    [['frobnicate'], "kd: unknown command 'frobnicate'; commands are run, sweep, worker, eval, report (see 'kd --help')"],
    [['--backend', 'cpu', 'run'], "kd: unknown option '--backend' before a command; commands are run, sweep, worker, eval, report (see 'kd --help')"],
    [['sweep', 'x.json', '--temprature', '1'], "kd: unknown option '--temprature' (see 'kd sweep --help')"],
    [['sweep'], "kd: 'kd sweep' needs <experiment.json> (see 'kd sweep --help')"],
    [['report', 'a', 'b'], "kd: 'kd report' takes <run-folder>, got an extra argument 'b' (see 'kd report --help')"],
    [['sweep', 'x.json', '--out'], "kd: option '--out' needs a value (see 'kd sweep --help')"],
    [['report', 'r', '--debug=yes'], "kd: option '--debug' takes no value (see 'kd report --help')"],
    [['sweep', 'x.json'], "kd: 'kd sweep' needs --temperature, --soft-weight or both (see 'kd sweep --help')"],
    [['sweep', 'x.json', '--temperature', '0,1'], "kd: option '--temperature' values must be > 0 and <= 1000, got 0 (see 'kd sweep --help')"],
    [['sweep', 'x.json', '--temperature', '4,1e30'], "kd: option '--temperature' values must be > 0 and <= 1000, got 1e+30 (see 'kd sweep --help')"],
    [['sweep', 'x.json', '--soft-weight', '0.5,2'], "kd: option '--soft-weight' values must be >= 0 and <= 1, got 2 (see 'kd sweep --help')"],
    [['sweep', 'x.json', '--temperature', '1', '--parallel', '0'], "kd: option '--parallel' must be an integer >= 1, got '0' (see 'kd sweep --help')"],
    [['sweep', 'x.json', '--temperature', '1', '--select', 'f1'], "kd: option '--select' must be one of accuracy, errorCount, top5Accuracy, nll, ece, brier, agreement, got 'f1' (see 'kd sweep --help')"],
    [['report', 'r', '--example', '0'], "kd: option '--example' must be an integer >= 1, got '0' (see 'kd report --help')"],
    [['help', 'fly'], "kd: unknown command 'fly'; commands are run, sweep, worker, eval, report (see 'kd --help')"],
    [['run', 'x.json', '--threads', 'all'], "kd: option '--threads' must be an integer >= 1, got 'all' (see 'kd run --help')"],
    [['eval', 'model'], "kd: 'kd eval' needs --data (an experiment config, 'mnist-digits' or an IDX folder) (see 'kd eval --help')"],
    [['eval', 'model', '--data', 'mnist-digits', '--metrics', 'accuracy,agreement'], "kd: option '--metrics' takes names from accuracy, errorCount, top5Accuracy, nll, ece, brier, got 'agreement' (see 'kd eval --help')"],
    [['eval', 'model', '--data', 'nowhere'], "kd: option '--data' must be an experiment .json, 'mnist-digits' or a folder of IDX files, got 'nowhere' (see 'kd eval --help')"],
    // A usage error before anything is read: the config named does not exist either.
    [['run', 'missing.json', '--backend', 'tpu'], `kd: option '--backend' must be one of ${['auto', ...backendKinds].join(', ')}, got 'tpu' (see 'kd run --help')`],
    [['sweep', 'missing.json', '--temperature', '4', '--backend', 'tpu'], `kd: option '--backend' must be one of ${['auto', ...backendKinds].join(', ')}, got 'tpu' (see 'kd sweep --help')`],
    [['eval', 'model', '--data', 'missing.json', '--backend', 'tpu'], `kd: option '--backend' must be one of ${['auto', ...backendKinds].join(', ')}, got 'tpu' (see 'kd eval --help')`],
  ])('kd %j exits 2 with one line', async (argv, line) => {
    const { code, stdout, stderr } = await kd(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${line}\n`);
  });
});

describe('kd runtime errors', () => {
  it('prints one line and exits 1, with no stack unless asked', async () => {
    const { code, stderr } = await kd(['sweep', 'missing.json', '--temperature', '1']);
    expect(code).toBe(1);
    expect(stderr).toBe(`kd: cannot read experiment config ${join(dir, 'missing.json')}: no such file\n`);
  });

  it.each([
    [['--debug'], {}],
    [[], { KD_DEBUG: '1' }],
  ])('shows the stack with %j %j', async (flags, env) => {
    const { code, stderr } = await kd(['report', 'nowhere', ...flags], { env });
    expect(code).toBe(1);
    const [first, ...rest] = stderr.trimEnd().split('\n');
    expect(first).toBe(`kd: run folder ${join(dir, 'nowhere')} does not exist`);
    expect(rest.join('\n')).toMatch(/^Error: run folder .* does not exist\n\s+at /);
  });

  it('flattens a multi-line message to one line', async () => {
    await writeFile(join(dir, 'broken.json'), '{ "a": ');
    const { code, stderr } = await kd(['sweep', 'broken.json', '--temperature', '1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^kd: experiment config .*broken\.json is not valid JSON: [^\n]+\n$/);
  });
});
