import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, rmSync, writeSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { batches, jitter } from '@kd/data';
import type { Dataset } from '@kd/data';
import { ensemble, functionTeacher } from '@kd/ensemble';
import { buildTeacherCache, openTeacherCache } from '@kd/ensemble/node';
import type { Teacher } from '@kd/ensemble';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noise } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { expectFlatTensorCount } from '../../../test/no-leak';

const root = mkdtempSync(join(tmpdir(), 'kd-teacher-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function linearTeacher(seed: number, keep: tf.Tensor[]): Teacher {
  const w = tf.randomNormal([16, 3], 0, 1, 'float32', seed) as tf.Tensor2D;
  keep.push(w);
  return functionTeacher((x) => tf.matMul(x as tf.Tensor2D, w), { numClasses: 3, weights: { w } });
}

const augment = jitter({ maxShift: 1 });
const epochs = (dataset: Dataset, count: number, withAugment = true) =>
  (function* () {
    for (let epoch = 1; epoch <= count; epoch++) {
      yield* batches(dataset, { batchSize: 7, seed: 3, epoch, flatten: true, ...(withAugment ? { augment } : {}) });
    }
  })();

describeBackends('teacher cache', (backend) => {
  const keep: tf.Tensor[] = [];
  let dataset: Dataset;
  let teacher: Teacher;
  let other: Teacher;
  let dir: string;
  beforeAll(() => {
    dataset = noise(20, 1);
    teacher = linearTeacher(2, keep);
    other = linearTeacher(4, keep);
    dir = join(root, backend);
    mkdirSync(dir);
  });
  afterAll(() => tf.dispose(keep.splice(0)));

  it('serves exactly the logits the teacher computed, per example and augmentation', async () => {
    const path = join(dir, 'aug.safetensors');
    const info = await buildTeacherCache({ teacher, batches: epochs(dataset, 2), path, dataset });
    expect(info.stores).toBe('logits');
    expect(info.augmentationParams).toEqual(['dx', 'dy']);
    // Two epochs of jittered batches: each example met with (at most) two parameter pairs.
    expect(info.size).toBeGreaterThan(20);
    expect(info.size).toBeLessThanOrEqual(40);
    const cache = openTeacherCache({ path: path, teacher, dataset });
    for (const batch of epochs(dataset, 2)) {
      const [cached, fresh, cachedProbs, freshProbs] = tf.tidy(() => [
        cache.logits(batch).dataSync(),
        teacher.logits!(batch.x).dataSync(),
        cache.probs(batch, 4).dataSync(),
        teacher.probs(batch.x, 4).dataSync(),
      ]);
      expect(Array.from(cached)).toEqual(Array.from(fresh));
      Array.from(freshProbs).forEach((p, i) => expect(cachedProbs[i]).toBeCloseTo(p, 6));
    }
    const [first] = batches(dataset, { batchSize: 1, seed: 3, epoch: 3, flatten: true, augment });
    // Epoch 3 was never cached: its parameters may differ; without augmentation nothing is cached.
    expect(cache.has(first!.indices[0]!)).toBe(false);
    cache.close();
  });

  it('stores an example met twice with the same parameters once', async () => {
    const path = join(dir, 'plain.safetensors');
    const info = await buildTeacherCache({ teacher, batches: epochs(dataset, 3, false), path, dataset });
    expect(info.size).toBe(20);
    expect(info.augmentationParams).toEqual([]);
    const cache = openTeacherCache({ path: path, teacher, dataset });
    expect(cache.has(19)).toBe(true);
    expect(cache.has(20)).toBe(false);
    cache.close();
  });

  it('writes safetensors that plain Python (struct + json) reads', async () => {
    const python = '/usr/bin/python3';
    expect(existsSync(python) ? python : 'missing').toBe(python);
    const path = join(dir, 'python.safetensors');
    await buildTeacherCache({ teacher, batches: epochs(dataset, 1), path, dataset });
    const script = `
import json, struct, sys
with open(sys.argv[1], 'rb') as f:
    (n,) = struct.unpack('<Q', f.read(8))
    header = json.loads(f.read(n))
    data = f.read()
meta = header.pop('__metadata__')
out = {'meta': meta, 'tensors': {}}
codes = {'F32': 'f', 'F64': 'd', 'I32': 'i'}
for name, t in header.items():
    begin, end = t['data_offsets']
    count = (end - begin) // struct.calcsize(codes[t['dtype']])
    out['tensors'][name] = {'dtype': t['dtype'], 'shape': t['shape'],
        'values': list(struct.unpack('<%d%s' % (count, codes[t['dtype']]), data[begin:end]))}
print(json.dumps(out))
`;
    const run = spawnSync(python, ['-c', script, path], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const parsed = JSON.parse(run.stdout) as {
      meta: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
    };
    expect(parsed.meta.teacher_fingerprint).toBe(teacher.fingerprint());
    expect(parsed.meta.inputs_fingerprint).toBe(dataset.inputsFingerprint());
    expect(parsed.tensors.logits!.shape).toEqual([20, 3]);
    expect(parsed.tensors.indices!.shape).toEqual([20]);
    expect(parsed.tensors.augmentation!.shape).toEqual([20, 2]);
    const cache = openTeacherCache({ path: path, teacher, dataset });
    const indices = Int32Array.from(parsed.tensors.indices!.values);
    const aug = parsed.tensors.augmentation!.values;
    const augmentation = Array.from(indices, (_, k) => ({ dx: aug[2 * k]!, dy: aug[2 * k + 1]! }));
    const fromTs = tf.tidy(() => Array.from(cache.logits({ indices, augmentation }).dataSync()));
    expect(parsed.tensors.logits!.values).toEqual(fromTs);
    cache.close();
  });

  it('refuses a cache from another teacher or other inputs, naming both fingerprints', async () => {
    const path = join(dir, 'stale.safetensors');
    await buildTeacherCache({ teacher, batches: epochs(dataset, 1), path, dataset });
    expect(() => openTeacherCache({ path, teacher: other, dataset })).toThrow(
      new RegExp(`is stale: it was built by a teacher with fingerprint ${teacher.fingerprint()}, but the teacher given has fingerprint ${other.fingerprint()}`),
    );
    const otherData = noise(20, 2);
    const reordered = dataset.subset(Array.from({ length: 20 }, (_, i) => 19 - i));
    for (const wrong of [otherData, reordered, dataset.take(10)]) {
      expect(() => openTeacherCache({ path, teacher, dataset: wrong })).toThrow(
        new RegExp(`built on a data set with inputs fingerprint ${dataset.inputsFingerprint()}, but the data set given has inputs fingerprint ${wrong.inputsFingerprint()}`),
      );
    }
  });

  it('serves the same images with their labels removed or changed: outputs depend on inputs alone', async () => {
    const path = join(dir, 'relabelled.safetensors');
    await buildTeacherCache({ teacher, batches: epochs(dataset, 1, false), path, dataset });
    for (const view of [dataset.unlabeled(), dataset.withLabels({ labels: new Int32Array(20), numClasses: 3 })]) {
      const cache = openTeacherCache({ path, teacher, dataset: view });
      expect(cache.size).toBe(20);
      cache.close();
    }
  });

  it('stores probabilities at one temperature for a teacher without logits', async () => {
    const mean = ensemble([teacher, other], { combine: 'arithmetic' });
    const path = join(dir, 'probs.safetensors');
    await expect(buildTeacherCache({ teacher: mean, batches: epochs(dataset, 1), path, dataset })).rejects.toThrow(
      /'buildTeacherCache' needs options.temperature for a teacher without logits/,
    );
    await expect(buildTeacherCache({ teacher, batches: epochs(dataset, 1), path, dataset, temperature: 2 })).rejects.toThrow(
      /'options.temperature' passed to 'buildTeacherCache' applies only to teachers without logits/,
    );
    const info = await buildTeacherCache({ teacher: mean, batches: epochs(dataset, 1), path, dataset, temperature: 5 });
    expect(info).toMatchObject({ stores: 'probs', temperature: 5 });
    const cache = openTeacherCache({ path: path, teacher: mean, dataset });
    for (const batch of epochs(dataset, 1)) {
      const [cached, fresh] = tf.tidy(() => [cache.probs(batch, 5).dataSync(), mean.probs(batch.x, 5).dataSync()]);
      expect(Array.from(cached)).toEqual(Array.from(fresh));
      expect(() => cache.probs(batch, 1)).toThrow(/'temperature' passed to 'TeacherCache.probs' must be 5, the temperature .* was built at, got 1/);
      expect(() => cache.logits(batch)).toThrow(/holds probabilities at temperature 5/);
    }
    cache.close();
  });

  it('reads rows from disk on demand, and keeps the tensor count flat', async () => {
    const path = join(dir, 'lazy.safetensors');
    await buildTeacherCache({ teacher, batches: epochs(dataset, 1, false), path, dataset });
    const cache = openTeacherCache({ path: path, teacher, dataset });
    const before = tf.tidy(() => Array.from(cache.logits({ indices: [5] }).dataSync()));
    // Overwrite every output value in the file after opening: reads must see the new bytes.
    const header = readFileSync(path);
    const headerLength = Number(header.readBigUInt64LE(0));
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(20 * 3 * 4, 0), 0, 20 * 3 * 4, 8 + headerLength);
    closeSync(fd);
    const after = tf.tidy(() => Array.from(cache.logits({ indices: [5] }).dataSync()));
    expect(before.some((v) => v !== 0)).toBe(true);
    expect(after).toEqual([0, 0, 0]);
    await expect(
      expectFlatTensorCount(4, () => {
        for (const batch of epochs(dataset, 1, false)) {
          cache.probs(batch, 3).dispose();
          cache.logits(batch).dispose();
        }
      }),
    ).resolves.toBeUndefined();
    // Inside a gradient scope too (a trainer may read the cache inside its loss function).
    const init = tf.zeros([3]);
    const bias = tf.variable(init);
    init.dispose();
    const optimizer = tf.train.sgd(0.1);
    optimizer.minimize(() => tf.sum(tf.mul(cache.probs({ indices: [1, 2] }, 2), bias)));
    expect(Array.from(bias.dataSync()).some((v) => v !== 0)).toBe(true);
    tf.dispose(bias);
    optimizer.dispose();
    cache.close();
    expect(() => cache.logits({ indices: [0] })).toThrow(/'TeacherCache.logits' was called after close\(\)/);
  });

  it('leaves the old file, and no temporary file, when building fails midway', async () => {
    const path = join(dir, 'atomic.safetensors');
    await buildTeacherCache({ teacher, batches: epochs(dataset, 1), path, dataset });
    const old = readFileSync(path);
    let calls = 0;
    const failing = functionTeacher(
      (x) => {
        if (++calls === 2) throw new Error('teacher crashed');
        return tf.zeros([x.shape[0]!, 3]);
      },
      { numClasses: 3, id: 'failing' },
    );
    await expect(buildTeacherCache({ teacher: failing, batches: epochs(dataset, 1), path, dataset })).rejects.toThrow(/teacher crashed/);
    expect(readFileSync(path).equals(old)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves the old file intact when the writing process is killed', async () => {
    const path = join(dir, 'killed.safetensors');
    const fixture = fileURLToPath(new URL('../../../test/write-cache-forever.ts', import.meta.url));
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    await buildTeacherCache({ teacher, batches: epochs(dataset, 1), path, dataset });
    const old = readFileSync(path);
    const args = ['--import', 'tsx', ...(process.env.KD_TEST_DIST === '1' ? [] : ['--conditions=@kd/source']), fixture, path];
    const child = spawn(process.execPath, args, { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const started = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('writing')) resolve(true);
      });
      child.on('exit', () => resolve(false));
    });
    expect(started ? 'started' : `child exited early: ${stderr}`).toBe('started');
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(readFileSync(path).equals(old)).toBe(true);
    const cache = openTeacherCache({ path: path, teacher, dataset });
    expect(cache.size).toBe(20);
    cache.close();
  }, 30_000);

  it('names the problem with a missing example, a truncated file and a file that is not a cache', async () => {
    const path = join(dir, 'broken.safetensors');
    await buildTeacherCache({ teacher, batches: epochs(dataset, 1, false), path, dataset });
    const cache = openTeacherCache({ path: path, teacher, dataset });
    expect(() => cache.logits({ indices: [3], augmentation: [{ dx: 1, dy: 0 }] })).toThrow(
      /'TeacherCache.logits' found no cached output for example '3\|dx=1,dy=0' in .* \(20 examples cached; augmentation parameters \[\]\)/,
    );
    cache.close();
    truncateSync(path, 100);
    expect(() => openTeacherCache({ path: path, teacher, dataset })).toThrow(/is not a safetensors file \(or is truncated\)|is truncated or corrupt/);
    const oldFormat = Buffer.from(JSON.stringify({ __metadata__: { format: 'kd-teacher-cache/1' } }));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(oldFormat.length));
    writeFileSync(path, Buffer.concat([length, oldFormat]));
    expect(() => openTeacherCache({ path, teacher, dataset })).toThrow(/was written by an earlier kd \(format kd-teacher-cache\/1, keyed to the labels too\): build it again/);
    writeFileSync(path, 'hello');
    expect(() => openTeacherCache({ path: path, teacher, dataset })).toThrow(/is not a safetensors file: it is 5 bytes long/);
    expect(() => openTeacherCache({ path: join(dir, 'nope'), teacher, dataset })).toThrow(/'openTeacherCache' could not open/);
    await expect(buildTeacherCache({ teacher, batches: [], path, dataset })).rejects.toThrow(/'buildTeacherCache' got no batches/);
  });
});
