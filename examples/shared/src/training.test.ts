import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { layersModelTeacher } from '@kd/ensemble';
import { buildModel } from '@kd/trainer';
import type { Architecture } from '@kd/trainer';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { activateBackend } from '../../../test/backends';
import { blobs } from '../../../test/datasets';
import { weightsOf } from '../../../test/weights';
import { distilStudent, keptTraining, trainOnLabels } from './training';
import type { RunOptions } from './training';

// Bit-identical resumption is promised on the cpu backend.
describe('keptTraining [cpu]', () => {
  let models = '';
  const savedTmpdir = process.env.TMPDIR;
  beforeAll(() => activateBackend('cpu'));
  beforeEach(() => {
    // os.tmpdir() reads TMPDIR: the kept models of this test live in a folder of its own.
    process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'kd-kept-training-'));
    models = join(process.env.TMPDIR, 'kd-examples-models');
  });
  afterEach(() => {
    rmSync(process.env.TMPDIR!, { recursive: true, force: true });
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    vi.restoreAllMocks();
  });

  const train = blobs(90, 1);
  const validation = blobs(60, 2);
  const spec: Architecture = { type: 'mlp', hidden: [12], dropout: 0.2 };
  const loss = { temperature: 2, softWeight: 0.9, hardWeight: 0.1 };
  const options = { epochs: 6, seed: 3, validation, progress: true, label: 'student', learningRate: 0.01, cosine: true, jitterPixels: 1, mixupAlpha: 0.2, quick: false };

  it('continues a student killed partway from its last epoch to the weights of an uninterrupted run, then keeps it', async () => {
    const teacherModel = (await trainOnLabels({ type: 'mlp', hidden: [16] }, train, { epochs: 10, seed: 1, progress: false, learningRate: 0.01 })).model;
    const teacher = layersModelTeacher(teacherModel);
    const key = { teacher: teacher.fingerprint(), loss };
    const distil = (o: RunOptions) => distilStudent(teacher, spec, train, loss, o);
    const lines: string[] = [];
    // The run dies right after epoch 3's line (its checkpoint is written before the line is printed).
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
      if (line.startsWith('  student epoch 3/6')) throw new Error('killed');
    });
    await expect(keptTraining(train, key, options, distil)).rejects.toThrow('killed');
    expect(readdirSync(models)).toHaveLength(1);
    const folder = join(models, readdirSync(models)[0]!);
    expect(readdirSync(folder)).toEqual(['checkpoints']);
    // (The killed run's model stays behind here, as it would not in a process that died.)
    const tensorsBefore = tf.memory().numTensors;

    log.mockImplementation((line: string) => void lines.push(line));
    const resumed = await keptTraining(train, key, options, distil);
    expect(lines).toContain(`  student: continuing after epoch 3, from the checkpoint in ${join(folder, 'checkpoints')}`);
    expect(resumed.loaded).toBe(false);
    expect(resumed.fit!.resumedFromEpoch).toBe(3);
    expect(resumed.fit!.history.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(existsSync(join(folder, 'checkpoints'))).toBe(false);

    const whole = await distil({ ...options, progress: false });
    expect(weightsOf(resumed.model)).toEqual(weightsOf(whole.model));
    expect(resumed.fit!.best).toEqual(whole.fit!.best);
    expect(resumed.fit!.history.map((r) => r.validation)).toEqual(whole.fit!.history.map((r) => r.validation));

    // The same command again loads it; another teacher or another schedule is another model.
    const loaded = await keptTraining(train, key, options, () => Promise.reject(new Error('trained again')));
    expect(loaded.loaded).toBe(true);
    expect(weightsOf(loaded.model)).toEqual(weightsOf(whole.model));
    expect(loaded.fit!.history).toHaveLength(6);
    await expect(keptTraining(train, { ...key, teacher: 'another' }, options, () => Promise.reject(new Error('trained')))).rejects.toThrow('trained');
    await expect(keptTraining(train, key, { ...options, cosine: false }, () => Promise.reject(new Error('trained')))).rejects.toThrow('trained');
    for (const m of [resumed.model, whole.model, loaded.model]) m.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    teacherModel.dispose();
  });

  it('keeps nothing on a quick run', async () => {
    const kept = await keptTraining(train, { labels: 'hard' }, { ...options, epochs: 1, progress: false, quick: true }, async (o) => {
      expect(o.checkpointDir).toBeUndefined();
      const model = buildModel(spec, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });
      return { model, fit: null, seconds: 0 };
    });
    expect(existsSync(models)).toBe(false);
    kept.model.dispose();
  });
});
