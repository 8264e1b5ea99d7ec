import * as tf from '@tensorflow/tfjs-core';
import type { CliContext } from '@kd/cli';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDigitsIdx } from '../../../test/idx-files';
import { runKd } from '../../../test/run-kd';
import { backendKinds } from '@kd/backend';

// End to end on real digits, kept tiny: 500 training digits from the mnist package written as IDX
// files (400 to train on, 100 for validation), 200 test digits, one epoch each, small MLPs, the
// cpu backend.
const experiment = {
  name: 'tiny digits',
  seed: 1,
  output: 'runs/tiny',
  data: { source: 'idx', dir: 'digits', validationFraction: 0.2 },
  teacher: { train: { epochs: 1, batchSize: 50, architecture: { type: 'mlp', hidden: [32] } } },
  student: { architecture: { type: 'mlp', hidden: [16] } },
  loss: { key: 'distillation', options: { temperature: 4, softWeight: 0.9, hardWeight: 0.1 } },
  training: { epochs: 1, batchSize: 50 },
};

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-run-test-'));
  await writeDigitsIdx(join(dir, 'digits'), { from: 0, perClass: 50 }, { from: 50, perClass: 20 });
  // The tensor count is read before `kd run` chooses its backend.
  await tf.setBackend('cpu');
  await writeFile(join(dir, 'tiny.json'), JSON.stringify(experiment));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const kd = (argv: string[], context: Partial<CliContext> = {}) => runKd(dir, argv, { env: { KD_BACKEND: 'cpu' }, ...context });

describe('kd run, eval and report end to end', () => {
  it('trains, writes the run folder, and the report and eval agree with it', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const run = await kd(['run', 'tiny.json']);
    expect(run.stderr).toMatch(/^backend: cpu \(cpu, CPU, 1 thread\), tfjs-core 4\.22\.\d+\n/);
    expect(run.code).toBe(0);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    // Not a terminal: no progress bar, one line per epoch of each model instead.
    expect(run.stderr).toMatch(/\nteacher epoch 1: loss total [\d.]+ hard [\d.]+ \| validation accuracy [\d.]+ .*\(\d+\.\d s\)\n/);
    expect(run.stderr).toMatch(/\nstudent epoch 1: loss total [\d.]+ soft [\d.]+ hard [\d.]+ \| validation /);
    const output = join(dir, 'runs', 'tiny');
    expect(run.stdout).toContain(`run folder: ${output}\n`);
    expect(run.stdout).toMatch(/^test accuracy: teacher 0\.\d+, student 0\.\d+\n/);

    const files = await readdir(output);
    for (const file of ['config.json', 'results.json', 'predictions.json', 'teacher-log.jsonl', 'student-log.jsonl', 'student', 'teacher']) {
      expect(files).toContain(file);
    }
    expect(JSON.parse(await readFile(join(output, 'config.json'), 'utf8'))).toEqual(experiment);
    const log = (await readFile(join(output, 'student-log.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(log).toHaveLength(1);
    expect(Object.keys(log[0].loss).toSorted()).toEqual(['hard', 'soft', 'total']);
    const predictions = JSON.parse(await readFile(join(output, 'predictions.json'), 'utf8'));
    expect(predictions.labels).toHaveLength(200);
    expect(predictions.logits[0]).toHaveLength(10);
    expect(predictions.teacherLogits).toHaveLength(200);

    const report = await kd(['report', 'runs/tiny']);
    expect(report.code).toBe(0);
    const html = await readFile(join(output, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(html).toContain('<th>student test</th>');
    expect(html).toContain('<tr><th>student epochs</th><td>1</td></tr>');

    // The same test set as the run: the report's ECE and eval's metrics are results.json's.
    const results = JSON.parse(await readFile(join(output, 'results.json'), 'utf8'));
    const ece = Number(/Reliability diagram \(ECE ([\d.]+)\)/.exec(html)![1]);
    expect(ece).toBeCloseTo(results.student.test.ece, 3);
    const evaluated = await kd(['eval', 'runs/tiny/student', '--data', 'tiny.json', '--json', '--metrics', 'accuracy,errorCount']);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toEqual({
      accuracy: results.student.test.accuracy,
      errorCount: results.student.test.errorCount,
    });
  });

  it('rejects a bad config with every problem on one line, before training', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ ...experiment, loss: { key: 'distillation', options: { temperature: -1 } }, epochs: 3 }));
    const { code, stderr } = await kd(['run', 'bad.json']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^kd: .*bad\.json has 2 problems: loss\.options\.temperature: expected a finite number in \(0, 1000\], got -1; epochs: unknown key.*\n$/);
  });

  it('refuses what cannot run before training, leaving no run folder', async () => {
    const cases: Array<[string, object, RegExp]> = [
      // Was: the teacher trained, then "Pass at least one tensor to concat", and the folder stayed.
      ['no-validation', { ...experiment, data: { ...experiment.data, validationFraction: 0.0009 } }, /^kd: 'loadExperimentData': data\.validationFraction: 0\.0009 of the 500 training examples is no validation example\n$/],
      ['no-transfer', { ...experiment, data: { ...experiment.data, omitClasses: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] } }, /^kd: 'loadExperimentData': data\.omitClasses: \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\] leaves no transfer example: all 400 are of those classes\n$/],
      ['negative-rate', { ...experiment, training: { ...experiment.training, optimizer: { kind: 'sgd', learningRate: -0.1 } } }, /has 1 problem: training\.optimizer\.learningRate: expected a finite number >= 0, got -0\.1\n$/],
    ];
    for (const [name, config, error] of cases) {
      await writeFile(join(dir, `${name}.json`), JSON.stringify({ ...config, output: `runs/${name}` }));
      const { code, stderr } = await kd(['run', `${name}.json`]);
      expect(code).toBe(1);
      expect(stderr.split('\n').at(-2)! + '\n').toMatch(error);
      expect(existsSync(join(dir, 'runs', name))).toBe(false);
    }
    // Was: kd run created the mistyped folder and trained from scratch.
    const typo = await kd(['run', 'tiny.json', '--resume', '--out', 'runs/tiyn']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(`kd: 'runExperiment': options.resume: there is no run folder ${join(dir, 'runs', 'tiyn')} to continue`);
    expect(existsSync(join(dir, 'runs', 'tiyn'))).toBe(false);
  });

  it('names the file and what it expected when a model folder is corrupt', async () => {
    // Was: "Based on the provided shape, [784,32], the tensor should have 25088 values but has 25".
    const broken = join(dir, 'broken-student');
    await cp(join(dir, 'runs', 'tiny', 'student'), broken, { recursive: true });
    await writeFile(join(broken, 'weights.bin'), new Uint8Array(100));
    const { code, stderr } = await kd(['eval', 'broken-student', '--data', 'tiny.json']);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`\\nkd: kd eval <model>: cannot load the model in ${broken}: 'fileSystem' expected the weight files of ${broken}/model\\.json \\(weights\\.bin\\) to hold the \\d+ bytes its weightsManifest lists, got 100: they are cut short or belong to another model\\n$`),
    );
  });

  it('stops a run that diverges without a NaN, naming the epoch and the guard', async () => {
    // Was: a learning rate of 1e6 trained to a loss of 5e10 and 10 % accuracy, and exited 0.
    const diverging = { ...experiment, output: 'runs/diverging', teacher: { train: { ...experiment.teacher.train, optimizer: { kind: 'sgd', learningRate: 1e6 } } } };
    await writeFile(join(dir, 'diverging.json'), JSON.stringify(diverging));
    const { code, stderr } = await kd(['run', 'diverging.json']);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /\nkd: 'trainModel': training diverged (in epoch 1: its mean loss, [\d.e+]+, is more than 100 times the loss of the first step .*|at step \d+ .*)\n$/,
    );
  });

  it('rejects an unknown backend as a usage error', async () => {
    const { code, stderr } = await kd(['run', 'tiny.json', '--backend', 'tpu']);
    expect(code).toBe(2);
    expect(stderr).toBe(`kd: option '--backend' must be one of ${['auto', ...backendKinds].join(', ')}, got 'tpu' (see 'kd run --help')\n`);
  });
});
