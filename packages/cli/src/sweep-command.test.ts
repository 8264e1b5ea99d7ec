import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKd } from '../../../test/run-kd';

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
if (t === 8 && !existsSync(join(process.cwd(), 'heal'))) {
  console.error('epoch 1 of 1');
  console.error('kd: out of memory at T = 8');
  process.exit(1);
}
const out = option('--out');
mkdirSync(out, { recursive: true });
const validation = { accuracy: 0.9 - Math.abs(Math.log2(t) - 2) / 100 + options.softWeight / 1000, nll: 0.3 };
writeFileSync(join(out, 'student-log.jsonl'), JSON.stringify({ epoch: 1, validation: { accuracy: 0.5 } }) + '\\n' + JSON.stringify({ epoch: 2, validation }) + '\\n');
writeFileSync(join(out, 'results.json'), JSON.stringify({ student: { test: { accuracy: 0.9 + t / 1000 } } }));
`;

const experiment = { output: 'runs/one', loss: { key: 'distillation', options: { temperature: 1, softWeight: 0.5, hardWeight: 0.5 } } };
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
    expect(config).toEqual({
      output: 'runs/one',
      loss: { key: 'distillation', options: { temperature: 20, softWeight: 0.9, hardWeight: 1 - 0.9 } },
    });
    // Each child gets its share of the 4 cores, and reads relative paths from the config's folder.
    expect(JSON.parse(await readFile(join(cell, 'args.json'), 'utf8'))).toEqual({
      command: 'run',
      rest: ['--out', join(cell, 'run'), '--resume', '--base-dir', dir, '--threads', '2'],
    });

    await writeFile(join(dir, 'heal'), '');
    const second = await kd(argv);
    expect(second.code).toBe(0);
    expect(second.stderr.match(/finished earlier/g)).toHaveLength(6);
    expect(second.stderr.match(/ finished in /g)).toHaveLength(2);

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
    const scheduled = {
      ...experiment,
      teacher: { train: { epochs: 1 } },
      training: { epochs: 1, schedules: { temperature: { kind: 'constant', value: 2 } } },
    };
    await writeFile(join(dir, 'scheduled.json'), JSON.stringify(scheduled));
    const { code, stderr } = await kd(['sweep', 'scheduled.json', '--temperature', '1,2']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'kd: the experiment schedules temperature (training.schedules.temperature): remove the schedule to sweep it\n',
    );
  });

  it('points out that every cell trains its own teacher', async () => {
    await writeFile(join(dir, 'trains.json'), JSON.stringify({ ...experiment, teacher: { train: { epochs: 1 } } }));
    const { code, stderr } = await kd(['sweep', 'trains.json', '--temperature', '4']);
    expect(code).toBe(0);
    expect(stderr).toContain(
      'kd sweep: every cell trains its own teacher; to train it once, run the experiment once and give the sweep "teacher": { "path": "<run folder>/teacher" }\n',
    );
  });
});
