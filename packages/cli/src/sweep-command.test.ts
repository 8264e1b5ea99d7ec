import { lockFolder } from '@kd/core/node';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKd } from '../../../test/run-kd';
import { sweepExperiment as experiment } from '../../../test/fake-kd-run';

// A stand-in for `kd run` in the child processes: it trains nothing, it writes the student log
// and results.json a run folder would hold (the last epoch's validation metrics count). Validation accuracy peaks at T = 4; test accuracy peaks at T = 20, so a
// sweep that chose on the test set would pick the wrong cell. T = 8 fails until `heal` exists.
const fakeKd = `
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
const [command, config, ...rest] = process.argv.slice(2);
const option = (name) => rest[rest.indexOf(name) + 1];
const { options } = JSON.parse(readFileSync(config, 'utf8')).loss;
const t = options.temperature;
writeFileSync(join(dirname(config), 'args.json'), JSON.stringify({ command, rest }));
const out = option('--out');
if (t === 8 && !existsSync(join(process.cwd(), 'heal'))) {
  mkdirSync(out, { recursive: true });
  console.error('epoch 1 of 1');
  console.error('kd: out of memory at T = 8');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const validation = { accuracy: 0.9 - Math.abs(Math.log2(t) - 2) / 100 + options.softWeight / 1000, nll: 0.3 };
writeFileSync(join(out, 'student-log.jsonl'), JSON.stringify({ epoch: 1, validation: { accuracy: 0.5 } }) + '\\n' + JSON.stringify({ epoch: 2, validation }) + '\\n');
writeFileSync(join(out, 'results.json'), JSON.stringify({ student: { test: { accuracy: 0.9 + t / 1000 } } }));
`;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-sweep-command-test-'));
  await writeFile(join(dir, 'fake-kd.mjs'), fakeKd);
  await writeFile(join(dir, 'mnist.json'), JSON.stringify(experiment));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const kd = (argv: string[]) => runKd(dir, argv, { selfCommand: [process.execPath, join(dir, 'fake-kd.mjs')], cores: 4 });

describe('kd sweep', () => {
  const argv = ['sweep', 'mnist.json', '--temperature', '1,4,8,20', '--soft-weight', '0.5,0.9', '--parallel', '2'];

  it('runs cells in child processes, resumes, and ranks on validation only', async () => {
    const first = await kd(argv);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('kd sweep: 8 cells, 2 at a time');
    expect(first.stderr).not.toContain('trains its own teacher');
    expect(first.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^kd: 2 of 8 cells failed \(temperature-8_soft-weight-0\.5: out of memory at T = 8 \(log: .*output\.log\)\); run the same command again to retry them$/,
    );
    // The six finished cells already make a table.
    expect(first.stdout).toContain('| * | 4 | 0.9 | 0.9009 |');

    const cell = join(dir, 'runs', 'sweep-mnist', 'temperature-20_soft-weight-0.9');
    const config = JSON.parse(await readFile(join(cell, 'experiment.json'), 'utf8'));
    expect(config).toEqual({ ...experiment, loss: { key: 'distillation', options: { temperature: 20, softWeight: 0.9, hardWeight: 1 - 0.9 } } });
    // Each child gets its share of the 4 cores, and reads relative paths from the config's folder.
    expect(JSON.parse(await readFile(join(cell, 'args.json'), 'utf8'))).toEqual({
      command: 'run',
      rest: ['--out', join(cell, 'run'), '--base-dir', dir, '--threads', '2'],
    });

    await writeFile(join(dir, 'heal'), '');
    const second = await kd(argv);
    expect(second.code).toBe(0);
    expect(second.stderr.match(/finished earlier/g)).toHaveLength(6);
    expect(second.stderr.match(/ finished in /g)).toHaveLength(2);
    // A cell that failed half-way continues its run.
    const failed = join(dir, 'runs', 'sweep-mnist', 'temperature-8_soft-weight-0.5');
    expect(JSON.parse(await readFile(join(failed, 'args.json'), 'utf8')).rest).toEqual(['--out', join(failed, 'run'), '--resume', '--base-dir', dir, '--threads', '2']);

    const markdown = await readFile(join(dir, 'runs', 'sweep-mnist', 'results.md'), 'utf8');
    const rows = markdown.trim().split('\n');
    expect(rows[0]).toBe('| best | temperature | soft-weight | val accuracy | val nll | test accuracy |');
    expect(rows).toHaveLength(2 + 8);
    expect(rows[2]).toBe('| * | 4 | 0.9 | 0.9009 | 0.3 | 0.904 |');
    expect(second.stdout).toContain(markdown);
    expect(second.stdout).toMatch(/best on validation accuracy: temperature-4_soft-weight-0\.9 \(accuracy 0\.9009\)/);
    const csv = await readFile(join(dir, 'runs', 'sweep-mnist', 'results.csv'), 'utf8');
    expect(csv.split('\r\n')[1]).toBe('*,4,0.9,0.9009,0.3,0.904');
  });

  it('refuses to sweep a value the config schedules, before running any cell', async () => {
    const scheduled = { ...experiment, training: { epochs: 1, schedules: { temperature: { kind: 'linear', from: 2, to: 1, epochs: 1 } } } };
    await writeFile(join(dir, 'scheduled.json'), JSON.stringify(scheduled));
    const { code, stderr } = await kd(['sweep', 'scheduled.json', '--temperature', '1,2']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'kd: the experiment schedules temperature (training.schedules.temperature): remove the schedule to sweep it\n',
    );
  });

  it('points out that every cell trains its own teacher', async () => {
    await writeFile(join(dir, 'trains.json'), JSON.stringify({ ...experiment, teacher: { train: { epochs: 1, architecture: { type: 'mlp', hidden: [8] } } } }));
    const { code, stderr } = await kd(['sweep', 'trains.json', '--temperature', '4']);
    expect(code).toBe(0);
    expect(stderr).toContain(
      'kd sweep: every cell trains its own teacher; to train it once, run the experiment once and give the sweep "teacher": { "path": "<run folder>/teacher" }\n',
    );
  });

  it('refuses a config that cannot run, or a cell of it, before running any cell', async () => {
    await writeFile(join(dir, 'broken.json'), JSON.stringify({ ...experiment, training: { epochs: 0 } }));
    const broken = await kd(['sweep', 'broken.json', '--temperature', '4', '--out', 'runs/broken']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toBe(`kd: ${join(dir, 'broken.json')} has 1 problem: training.epochs: expected an integer >= 1, got 0\n`);
    await writeFile(join(dir, 'dkd.json'), JSON.stringify({ ...experiment, loss: { key: 'decoupledKd', options: { temperature: 4 } } }));
    const dkd = await kd(['sweep', 'dkd.json', '--soft-weight', '0.5', '--out', 'runs/dkd']);
    expect(dkd.code).toBe(1);
    expect(dkd.stderr).toMatch(/^kd: .*dkd\.json cannot run every cell of the sweep: cell soft-weight-0\.5: loss\.options\.softWeight: unknown key/);
    expect(existsSync(join(dir, 'runs', 'broken'))).toBe(false);
    expect(existsSync(join(dir, 'runs', 'dkd'))).toBe(false);
  });

  it('has one writer per sweep folder: a second sweep fails at once', async () => {
    const out = join(dir, 'runs', 'busy');
    await mkdir(out, { recursive: true });
    const lock = await lockFolder(out);
    try {
      const { code, stderr } = await kd(['sweep', 'mnist.json', '--temperature', '4', '--out', out]);
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`\\nkd: sweep folder ${out} is in use: process ${process.pid} \\(since .*\\) writes it, and a folder has one writer at a time; wait for it to end or stop it\\n$`));
      expect(existsSync(join(out, 'temperature-4'))).toBe(false);
    } finally {
      await lock.release();
    }
  });
});
