import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem } from '@kd/core/node';
import { createOptimizer, disposeOptimizer } from '@kd/trainer';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '@kd/trainer/node';
import type { OptimizerSpec } from '@kd/trainer';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { weightsOf } from '../../../test/weights';

function model(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [3], units: 4, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  m.add(tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
  return m;
}

function step(m: tfl.LayersModel, optimizer: tf.Optimizer): void {
  tf.tidy(() => {
    const x = tf.tensor2d([[1, 2, 3], [-1, 0.5, 0], [0.3, -2, 1]]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 1], 'int32'), 2);
    optimizer.minimize(
      () => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(m.apply(x) as tf.Tensor)), -1))) as tf.Scalar,
      false,
      m.trainableWeights.map((w) => w.read() as tf.Variable),
    );
  });
}


describeBackends('checkpoints', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kd-ckpt-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each<OptimizerSpec>([
    { kind: 'adam', learningRate: 0.01 },
    { kind: 'sgd', learningRate: 0.1, momentum: 0.9 },
  ])('restores model and $kind state so the next steps match bit for bit', async (spec) => {
    const a = model();
    const optA = createOptimizer(spec);
    for (let i = 0; i < 3; i++) step(a, optA);
    await saveCheckpoint(dir, { model: a, optimizer: optA, state: { epoch: 3, step: 3, note: 'x' } });

    const b = model();
    const optB = createOptimizer(spec);
    const state = await loadCheckpoint(dir, { model: b, optimizer: optB });
    expect(state).toEqual({ epoch: 3, step: 3, note: 'x' });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    for (let i = 0; i < 3; i++) {
      step(a, optA);
      step(b, optB);
    }
    expect(weightsOf(b)).toEqual(weightsOf(a));
    for (const o of [optA, optB]) disposeOptimizer(o);
    a.dispose();
    b.dispose();
  });

  it('points latest.json at the newest checkpoint, keeps `keep`, and ignores unfinished folders', async () => {
    const m = model();
    const optimizer = createOptimizer({ kind: 'sgd', learningRate: 0.1 });
    expect(await latestCheckpoint(dir)).toBeUndefined();
    expect(await loadCheckpoint(dir, { model: m, optimizer })).toBeUndefined();
    for (const epoch of [1, 2, 3]) {
      await saveCheckpoint(dir, { model: m, optimizer, state: { epoch, step: epoch * 10 } }, { keep: 2 });
    }
    // A run killed mid-write leaves a temporary folder behind; it is never read.
    await mkdir(join(dir, 'checkpoint-000004.tmp-1-2'));
    expect(await latestCheckpoint(dir)).toBe(join(dir, 'checkpoint-000003'));
    expect((await readdir(dir)).toSorted()).toEqual([
      'checkpoint-000002',
      'checkpoint-000003',
      'checkpoint-000004.tmp-1-2',
      'latest.json',
    ]);
    const fresh = createOptimizer({ kind: 'sgd', learningRate: 0.1 });
    expect((await loadCheckpoint(dir, { model: m, optimizer: fresh }))?.step).toBe(30);
    // The checkpoint's model folder is a standard TensorFlow.js model.
    const standalone = await tfl.loadLayersModel(fileSystem(join(dir, 'checkpoint-000003')));
    expect(weightsOf(standalone)).toEqual(weightsOf(m));
    standalone.dispose();
    disposeOptimizer(optimizer);
    disposeOptimizer(fresh);
    m.dispose();
  });

  it('keeps further sets of weights shaped like the model, and names one that is not', async () => {
    const m = model();
    const optimizer = createOptimizer({ kind: 'adam', learningRate: 0.1 });
    const best = m.getWeights().map((w) => Float32Array.from(w.dataSync(), (v) => v + 1));
    await saveCheckpoint(dir, { model: m, optimizer, state: { epoch: 1, step: 0 }, weightSets: { earlyStopping: best } });
    const sets = new Map<string, Float32Array[]>();
    const fresh = createOptimizer({ kind: 'adam', learningRate: 0.1 });
    const target = model();
    await loadCheckpoint(dir, { model: target, optimizer: fresh }, { weightSets: (name, values) => void sets.set(name, values) });
    expect([...sets.keys()]).toEqual(['earlyStopping']);
    expect(sets.get('earlyStopping')).toEqual(best);
    await expect(saveCheckpoint(dir, { model: m, optimizer, state: { epoch: 2, step: 0 }, weightSets: { best: best.slice(1) } })).rejects.toThrow(
      "Argument 'weightSets.best' passed to 'saveCheckpoint' must be named with letters, digits, '-' or '_' and hold one Float32Array per model weight of its size (12, 4, 8, 2), got 3 of sizes 4, 8, 2",
    );
    expect(await latestCheckpoint(dir)).toMatch(/checkpoint-000001$/);
    for (const o of [optimizer, fresh]) disposeOptimizer(o);
    m.dispose();
    target.dispose();
  });

  it('refuses a model or optimizer that does not match the checkpoint', async () => {
    const m = model();
    const optimizer = createOptimizer({ kind: 'adam', learningRate: 0.1 });
    await saveCheckpoint(dir, { model: m, optimizer, state: { epoch: 1, step: 1 } });
    const other = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2 })] });
    const adam = createOptimizer({ kind: 'adam', learningRate: 0.1 });
    await expect(loadCheckpoint(dir, { model: other, optimizer: adam })).rejects.toThrow(
      /checkpoint .* holds 4 weights for a model with 2 than the model given/,
    );
    const sgd = createOptimizer({ kind: 'sgd', learningRate: 0.1 });
    await expect(loadCheckpoint(dir, { model: m, optimizer: sgd })).rejects.toThrow(
      /holds a Adam optimizer, got a Momentum to restore into/,
    );
    for (const o of [adam, sgd, optimizer]) disposeOptimizer(o);
    m.dispose();
    other.dispose();
  });

  // Each was "Unexpected end of JSON input", a tensor-size message, or (latest.json) a folder
  // outside the checkpoints read as if it were one.
  it.each([
    { file: 'latest.json', content: '', error: /^checkpoint pointer .*latest\.json is not valid JSON: / },
    {
      file: 'latest.json',
      content: '{"checkpoint":"../../../../etc"}',
      error: /^'latestCheckpoint': .*latest\.json must name a checkpoint folder of .* \(\{ "checkpoint": "checkpoint-<epoch>" \}\), got '\.\.\/\.\.\/\.\.\/\.\.\/etc'$/,
    },
    { file: 'checkpoint-000001/state.json', content: '{"epoch":', error: /^checkpoint state .*state\.json is not valid JSON: / },
    { file: 'checkpoint-000001/state.json', content: '{"epoch":-1}', error: /^'loadCheckpoint': .*state\.json must hold the run's integer epoch and step >= 0, got an object with keys epoch$/ },
    { file: 'checkpoint-000001/optimizer.json', content: '[]', error: /^'loadCheckpoint': .*optimizer\.json must hold the optimizer's \{ className, specs, scalars \}, got an array$/ },
    { file: 'checkpoint-000001/optimizer.bin', content: new Uint8Array(10), error: /^'loadCheckpoint': expected .*optimizer\.bin to hold the \d+ bytes .*optimizer\.json lists, got 10: it is cut short or belongs to another checkpoint$/ },
    { file: 'checkpoint-000001/weights-best.bin', content: new Uint8Array(10), error: /^'loadCheckpoint': expected .*weights-best\.bin to hold 104 bytes \(the model's 26 weights as float32\), got 10: it is cut short or belongs to another model$/ },
    { file: 'checkpoint-000001/weights.bin', content: new Uint8Array(10), error: /^'fileSystem' expected the weight files of .*checkpoint-000001\/model\.json \(weights\.bin\) to hold the 104 bytes its weightsManifest lists, got 10/ },
  ])('names $file and what it should hold when it is corrupt, and restores nothing', async ({ file, content, error }) => {
    const m = model();
    const optimizer = createOptimizer({ kind: 'adam', learningRate: 0.1 });
    step(m, optimizer);
    await saveCheckpoint(dir, { model: m, optimizer, state: { epoch: 1, step: 1 } });
    await writeFile(join(dir, file), content);
    const target = model();
    const before = weightsOf(target);
    const fresh = createOptimizer({ kind: 'adam', learningRate: 0.1 });
    await expect(loadCheckpoint(dir, { model: target, optimizer: fresh })).rejects.toThrow(error);
    expect(weightsOf(target)).toEqual(before);
    expect(fresh.iterations).toBe(0);
    for (const o of [optimizer, fresh]) disposeOptimizer(o);
    m.dispose();
    target.dispose();
  });
});
