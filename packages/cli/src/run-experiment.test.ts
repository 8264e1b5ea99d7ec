import * as tf from '@tensorflow/tfjs-core';
import { runExperiment } from '@kd/cli';
import type { ExperimentConfig } from '@kd/cli';
import { existsSync } from 'node:fs';
import { fileSystem, lockFolder } from '@kd/core/node';
import { buildModel } from '@kd/trainer';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { deadPid } from '../../../test/dead-pid';

// End to end on the mnist digits, small: one backend (wasm when present, the faster here).
const backend = testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;

describe(`runExperiment [${backend}]`, () => {
  let dir = '';
  beforeAll(async () => {
    await activateBackend(backend);
    dir = await mkdtemp(join(tmpdir(), 'kd-exp-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const config: ExperimentConfig = {
    name: 'tiny',
    seed: 3,
    output: 'first',
    data: { source: 'mnist-digits', transferFraction: 0.1 },
    teacher: { train: { architecture: { type: 'mlp', hidden: [32] }, epochs: 1, batchSize: 100, optimizer: { kind: 'adam', learningRate: 0.003 } } },
    student: { architecture: { type: 'mlp', hidden: [16] } },
    loss: { key: 'distillation', options: { temperature: 3, hardWeight: 0.1 } },
    training: { epochs: 2, batchSize: 50, optimizer: { kind: 'adam', learningRate: 0.003 }, schedules: { temperature: { kind: 'linear', from: 4, to: 3, epochs: 1 } } },
    baseline: true,
  };

  it('trains a teacher, distils a student and a baseline, and writes models, logs and results', async () => {
    const before = tf.memory().numTensors;
    const result = await runExperiment(config, { baseDir: dir, progress: false });
    expect(tf.memory().numTensors).toBe(before);
    const out = join(dir, 'first');
    expect((await readdir(out)).toSorted()).toEqual([
      'baseline',
      'baseline-checkpoints',
      'baseline-log.jsonl',
      'config.json',
      'predictions.json',
      'results.json',
      'student',
      'student-checkpoints',
      'student-log.jsonl',
      'teacher',
      'teacher-checkpoints',
      'teacher-log.jsonl',
    ]);
    expect(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')).student.test).toEqual(result.student.test);
    const log = (await readFile(join(out, 'student-log.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => l.epoch)).toEqual([1, 2]);
    expect(log.map((l) => l.lossOptions)).toEqual([
      { temperature: 4, softWeight: 1, hardWeight: 0.1 },
      { temperature: 3, softWeight: 1, hardWeight: 0.1 },
    ]);
    expect(Object.keys(log[0].loss).toSorted()).toEqual(['hard', 'soft', 'total']);
    expect(result.teacher.test.accuracy).toBeGreaterThan(0.8);
    expect(result.student.test.accuracy).toBeGreaterThan(0.5);
    expect(result.student.test.agreement).toBeGreaterThan(0.5);
    expect(result.baseline!.test.errorCount).toBeGreaterThan(0);
  });

  it("turns on the config's training recipes: a learning-rate plateau on a metric it adds, mixup, early stopping that keeps the last weights", async () => {
    const recipes: ExperimentConfig = {
      ...config,
      output: 'recipes',
      baseline: false,
      training: {
        ...config.training,
        epochs: 4,
        // A plateau every epoch: no improvement is ever as large as minDelta.
        reduceLearningRateOnPlateau: { metric: 'errorCount', patience: 1, factor: 0.5, minDelta: 1e9 },
        earlyStopping: { metric: 'nll', patience: 10, restoreBestWeights: false },
        mixup: { alpha: 0.4 },
      },
    };
    const result = await runExperiment(recipes, { baseDir: dir, progress: false });
    const log = (await readFile(join(dir, 'recipes', 'student-log.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => l.learningRate)).toEqual([0.003, 0.003, 0.0015, 0.00075]);
    expect(Object.keys(log[0].validation)).toContain('errorCount');
    expect(result.student.fit.best?.inModel).toBe(result.student.fit.best?.epoch === 4);
    const latest = JSON.parse(await readFile(join(dir, 'recipes', 'student-checkpoints', 'latest.json'), 'utf8')).checkpoint as string;
    const state = JSON.parse(await readFile(join(dir, 'recipes', 'student-checkpoints', latest, 'state.json'), 'utf8'));
    expect(state.run.mixup).toEqual({ alpha: 0.4 });
  });

  it('distils from a saved teacher and from an ensemble of saved teachers', async () => {
    const first = join(dir, 'first', 'teacher');
    const quick = { ...config, training: { ...config.training, epochs: 1 }, baseline: false };
    const fromPath = await runExperiment({ ...quick, output: 'second', teacher: { path: first } }, { baseDir: dir, progress: false });
    expect(fromPath.teacher.fit).toBeNull();
    expect(existsSync(join(dir, 'second', 'teacher'))).toBe(false);
    const fromEnsemble = await runExperiment(
      { ...quick, output: 'third', teacher: { ensemble: ['first/teacher', 'first/teacher'], combine: 'arithmetic' } },
      { baseDir: dir, progress: false },
    );
    // Two copies of one teacher average to that teacher.
    expect(fromEnsemble.teacher.test.errorCount).toBe(fromPath.teacher.test.errorCount);
  });

  it("distils a jittered student from a cache of the teacher's outputs on every shift, as from the live teacher", async () => {
    const jittered = { ...config, teacher: { path: join(dir, 'first', 'teacher') }, training: { ...config.training, jitter: 1 }, baseline: false };
    const live = await runExperiment({ ...jittered, output: 'live' }, { baseDir: dir, progress: false });
    const before = tf.memory().numTensors;
    const cached = await runExperiment({ ...jittered, output: 'cached', training: { ...jittered.training, teacherCache: true } }, { baseDir: dir, progress: false });
    expect(tf.memory().numTensors).toBe(before);
    // The cache holds 9 shifts (dx, dy in -1..1) of every transfer example, each once.
    const header = await safetensorsHeader(join(dir, 'cached', 'teacher-cache.safetensors'));
    const [rows, classes] = header.logits!.shape;
    expect(classes).toBe(10);
    expect(header.augmentation!.shape).toEqual([rows, 2]);
    expect(rows! % 9).toBe(0);
    expect(cached.student.fit.history.map((r) => r.epoch)).toEqual([1, 2]);
    expect(cached.student.test.errorCount).toBe(live.student.test.errorCount);
    expect(cached.student.test.nll).toBeCloseTo(live.student.test.nll!, 4);
  });

  it('reports each epoch of each model, and stops at an abort without writing results', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const run = runExperiment(
      { ...config, output: 'aborted' },
      {
        baseDir: dir,
        progress: false,
        signal: controller.signal,
        onEpochEnd: (model, record) => {
          seen.push(`${model} ${record.epoch}`);
          // Abort once the student has finished its first epoch: the baseline must never start.
          if (model === 'student') controller.abort();
        },
      },
    );
    await expect(run).rejects.toThrow(/aborted/i);
    expect(seen).toEqual(['teacher 1', 'student 1']);
    const out = join(dir, 'aborted');
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(existsSync(join(out, 'baseline-log.jsonl'))).toBe(false);
    expect(existsSync(join(out, 'student-checkpoints'))).toBe(true);
  });

  it('continues an aborted run with resume, and refuses to resume a run folder that does not exist', async () => {
    const resumed = await runExperiment({ ...config, output: 'aborted' }, { baseDir: dir, progress: false, resume: true });
    expect(resumed.teacher.fit!.resumedFromEpoch).toBe(1);
    expect(resumed.student.fit.resumedFromEpoch).toBe(1);
    expect(resumed.student.fit.history.map((r) => r.epoch)).toEqual([2]);
    expect(resumed.baseline!.fit.resumedFromEpoch).toBeNull();
    await expect(runExperiment({ ...config, output: 'abortd' }, { baseDir: dir, resume: true })).rejects.toThrow(
      `'runExperiment': options.resume: there is no run folder ${join(dir, 'abortd')} to continue (to start the run, leave resume off)`,
    );
    expect(existsSync(join(dir, 'abortd'))).toBe(false);
  });

  it('refuses an invalid config before doing anything, listing every problem', async () => {
    const bad = { ...config, output: 'never', training: { epochs: 0 }, loss: { key: 'distillation', options: { temperature: -1 } } };
    await expect(runExperiment(bad as ExperimentConfig, { baseDir: dir })).rejects.toThrow(
      /the config has 2 problem\(s\):\n {2}loss\.options\.temperature: expected a finite number in \(0, 1000\], got -1\n {2}training\.epochs: expected an integer >= 1, got 0/,
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('resumes only the same experiment, naming what differs, and touches nothing when it refuses', async () => {
    const out = join(dir, 'first');
    const before = await snapshot(out);
    await expect(
      runExperiment({ ...config, seed: 4, loss: { key: 'distillation', options: { temperature: 5, hardWeight: 0.1 } } }, { baseDir: dir, resume: true }),
    ).rejects.toThrow(
      `'runExperiment': options.resume: ${out} holds a run of another experiment: seed: 3 there, 4 here; loss.options.temperature: 3 there, 5 here; resume continues only the same experiment (to run this one, choose another folder)`,
    );
    await expect(runExperiment(config, { baseDir: dir })).rejects.toThrow(
      `'runExperiment': the output folder ${out} already holds a run: continue it with resume (kd run --resume), or choose another folder`,
    );
    expect(await snapshot(out)).toEqual(before);
    // Longer training and other metrics are the same experiment, continued.
    const longer = await runExperiment({ ...config, name: 'renamed', baseline: false, training: { ...config.training, epochs: 3, metrics: ['accuracy'] } }, { baseDir: dir, progress: false, resume: true });
    expect(longer.student.fit.resumedFromEpoch).toBe(2);
    expect(longer.student.fit.history.map((r) => r.epoch)).toEqual([3]);
  });

  it('starts in a folder a kill left before the run wrote its config: a stale lock and a half-written file', async () => {
    const out = join(dir, 'halfway');
    await mkdir(out);
    const gone = deadPid();
    await writeFile(join(out, '.kd-lock'), JSON.stringify({ pid: gone, host: hostname(), since: '2026-12-01T00:00:00.000Z' }));
    await writeFile(join(out, `.config.json.${gone}.0a1b2c3d.tmp`), '{"name": "ti');
    const quick = { ...config, output: 'halfway', baseline: false, training: { ...config.training, epochs: 1 } };
    const resumed = await runExperiment(quick, { baseDir: dir, progress: false, resume: true });
    expect(resumed.student.fit.resumedFromEpoch).toBeNull();
    expect((await readdir(out)).filter((entry) => entry.startsWith('.'))).toEqual([]);
  });

  it('has one writer per run folder: a second run into it fails at once', async () => {
    const out = join(dir, 'busy');
    await mkdir(out);
    const lock = await lockFolder(out);
    const inUse = new RegExp(`^run folder ${out} is in use: process ${process.pid} \\(since .*\\) writes it, and a folder has one writer at a time`);
    try {
      await expect(runExperiment({ ...config, output: 'busy' }, { baseDir: dir, progress: false })).rejects.toThrow(inUse);
      expect(await readdir(out)).toEqual(['.kd-lock']);
      // A run in progress that has written its config: in use, for a new run and a resume alike.
      await writeFile(join(out, 'config.json'), JSON.stringify({ ...config, output: 'busy' }));
      await expect(runExperiment({ ...config, output: 'busy' }, { baseDir: dir, progress: false })).rejects.toThrow(inUse);
      await expect(runExperiment({ ...config, output: 'busy' }, { baseDir: dir, progress: false, resume: true })).rejects.toThrow(inUse);
    } finally {
      await lock.release();
    }
    // Two runs started together: one runs, the other is refused.
    const quick = { ...config, output: 'together', baseline: false, training: { ...config.training, epochs: 1 } };
    const outcomes = await Promise.allSettled([runExperiment(quick, { baseDir: dir, progress: false }), runExperiment(quick, { baseDir: dir, progress: false })]);
    expect(outcomes.map((o) => o.status).toSorted()).toEqual(['fulfilled', 'rejected']);
    expect(String((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/is in use|already holds a run/);
  });

  it('refuses a teacher folder that is corrupt or does not fit the data, and a loss the teacher cannot feed, leaving no run folder', async () => {
    await mkdir(join(dir, 'corrupt-teacher'));
    await writeFile(join(dir, 'corrupt-teacher', 'model.json'), '{"modelTopology": null}');
    await expect(runExperiment({ ...config, output: 'never', teacher: { path: 'corrupt-teacher' } }, { baseDir: dir })).rejects.toThrow(
      `teacher.path: cannot load the model in ${join(dir, 'corrupt-teacher')}: 'fileSystem' expected ${join(dir, 'corrupt-teacher', 'model.json')} to hold a model topology (modelTopology: an object with class_name and config), got null`,
    );
    const small = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [5, 2, 1], numClasses: 10 });
    await small.save(fileSystem(join(dir, 'small-teacher')));
    small.dispose();
    await expect(runExperiment({ ...config, output: 'never', teacher: { ensemble: ['first/teacher', 'small-teacher'] } }, { baseDir: dir })).rejects.toThrow(
      `'runExperiment': data (for the model of teacher.ensemble[1], ${join(dir, 'small-teacher')}): holds 28x28x1 images (784 values each), but the model takes [batch, 5, 2, 1]`,
    );
    await expect(
      runExperiment({ ...config, output: 'never', teacher: { ensemble: ['first/teacher', 'first/teacher'] }, loss: { key: 'logitMatching' }, training: { epochs: 1 } }, { baseDir: dir }),
    ).rejects.toThrow("Argument 'loss' passed to 'createDistiller' is 'logitMatching', which needs teacher logits; the teacher gives probabilities only (an arithmetic ensemble)");
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

/** Every file under `dir` with its size and modification time. */
/** The tensors a safetensors file names (its 8-byte little-endian header length, then the JSON header). */
async function safetensorsHeader(path: string): Promise<Record<string, { shape: number[] }>> {
  const bytes = await readFile(path);
  const length = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true });
  const stats = await Promise.all(entries.map(async (entry) => [entry, await stat(join(dir, entry))] as const));
  return Object.fromEntries(stats.map(([entry, info]) => [entry, `${info.size} ${info.mtimeMs}`]));
}
