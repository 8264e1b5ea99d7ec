import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '@kd/data';
import type { Teacher } from '@kd/ensemble';
import { buildTeacherCache, openTeacherCache } from '@kd/ensemble/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardBatches, shardFixture } from '../../../test/cache-shard-fixture';

const root = mkdtempSync(join(tmpdir(), 'kd-cache-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Builds shard `index` of `count` into `dir` in a child process of its own, as one machine would. */
function buildInChild(dir: string, index: number, count: number): Promise<{ size: number; pid: number }> {
  const script = fileURLToPath(new URL('../../../test/build-cache-shard.ts', import.meta.url));
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  const args = ['--import', 'tsx', ...(process.env.KD_TEST_DIST === '1' ? [] : ['--conditions=@kd/source']), script, dir, String(index), String(count)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`shard ${index} exited with ${code}: ${stderr}`))));
  });
}

describe('teacher cache in shards', () => {
  let dataset: Dataset;
  let teacher: Teacher;
  const single = join(root, 'single.safetensors');
  const shards = join(root, 'shards');
  let built: Array<{ size: number; pid: number }> = [];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    ({ dataset, teacher } = shardFixture());
    await buildTeacherCache({ teacher, batches: shardBatches(dataset), path: single, dataset });
    // Four processes at once, into one folder, as four machines on a shared file system.
    built = await Promise.all([1, 2, 3, 4].map((index) => buildInChild(shards, index, 4)));
  }, 60_000);

  it('reads back equal, row for row, to the cache built in one process', () => {
    expect(new Set(built.map((shard) => shard.pid)).size).toBe(4);
    expect(readdirSync(shards).toSorted()).toEqual([1, 2, 3, 4].map((i) => `shard-${i}-of-4.safetensors`));
    const whole = openTeacherCache({ path: single, teacher, dataset });
    const sharded = openTeacherCache({ path: shards, teacher, dataset });
    try {
      expect(sharded).toMatchObject({ path: shards, size: whole.size, numClasses: 3, stores: 'logits', augmentationParams: ['dx', 'dy'] });
      let rows = 0;
      for (const batch of shardBatches(dataset)) {
        const [a, b] = tf.tidy(() => [whole.logits(batch).dataSync(), sharded.logits(batch).dataSync()]);
        expect(Array.from(b!)).toEqual(Array.from(a!));
        rows += batch.indices.length;
        batch.x.dispose();
      }
      expect(rows).toBe(60);
      // An epoch never built is in neither.
      const third = [...shardBatches(dataset, 3)].slice(-5);
      tf.dispose(third.map((batch) => batch.x));
      const keys = third.flatMap((batch) => [...batch.indices].map((index, k) => [index, batch.augmentation?.[k]] as const));
      const unknown = keys.filter(([index, params]) => !whole.has(index, params));
      expect(unknown.length).toBeGreaterThan(0);
      expect(unknown.filter(([index, params]) => sharded.has(index, params))).toEqual([]);
      expect(keys.filter(([index, params]) => sharded.has(index, params)).length).toBe(keys.length - unknown.length);
    } finally {
      whole.close();
      sharded.close();
    }
  });

  it('refuses a missing, duplicated, stale or corrupt shard, naming it', async () => {
    const broken = join(root, 'broken');
    for (const index of [1, 2, 3, 4]) {
      await buildTeacherCache({ teacher, batches: shardBatches(dataset), path: broken, dataset, shard: { index, count: 4 } });
    }
    const open = () => openTeacherCache({ path: broken, teacher, dataset }).close();
    open();
    const third = join(broken, 'shard-3-of-4.safetensors');
    renameSync(third, join(root, 'aside.safetensors'));
    expect(open).toThrow(/broken is missing shard 3 of 4 \(shard-3-of-4\.safetensors\): build it with buildTeacherCache and options\.shard/);
    renameSync(join(root, 'aside.safetensors'), third);

    copyFileSync(join(broken, 'shard-2-of-4.safetensors'), join(broken, 'copy.safetensors'));
    expect(open).toThrow(/broken holds shard 2 of 4 twice: .*copy\.safetensors and .*shard-2-of-4\.safetensors; remove one/);
    rmSync(join(broken, 'copy.safetensors'));

    // Built from one epoch where the others saw two.
    await buildTeacherCache({ teacher, batches: shardBatches(dataset, 1), path: broken, dataset, shard: { index: 4, count: 4 } });
    expect(open).toThrow(/shard \d of 4 \(.*shard-\d-of-4\.safetensors\) is stale: it was built from other batches/);
    const otherTeacher = shardFixture(7).teacher;
    await buildTeacherCache({ teacher: otherTeacher, batches: shardBatches(dataset), path: broken, dataset, shard: { index: 4, count: 4 } });
    expect(open).toThrow(/shard-4-of-4\.safetensors is stale: it was built by a teacher with fingerprint/);
    await buildTeacherCache({ teacher, batches: shardBatches(dataset), path: broken, dataset, shard: { index: 4, count: 4 } });
    open();

    await buildTeacherCache({ teacher, batches: shardBatches(dataset), path: broken, dataset, shard: { index: 1, count: 3 } });
    expect(open).toThrow(/broken mixes shard counts: .*shard-1-of-3\.safetensors is shard 1 of 3, .*shard-1-of-4\.safetensors shard 1 of 4/);
    rmSync(join(broken, 'shard-1-of-3.safetensors'));

    truncateSync(third, 100);
    expect(open).toThrow(/shard-3-of-4\.safetensors/);
    copyFileSync(single, third);
    expect(open).toThrow(/broken is not a folder of cache shards: .*shard-3-of-4\.safetensors is a whole cache/);
    rmSync(broken, { recursive: true });
    await buildTeacherCache({ teacher, batches: shardBatches(dataset), path: broken, dataset, shard: { index: 1, count: 1 } });
    rmSync(join(broken, 'shard-1-of-1.safetensors'));
    expect(open).toThrow(/broken holds no cache shards/);
  });

  it('checks the shard option', async () => {
    for (const shard of [{ index: 0, count: 4 }, { index: 5, count: 4 }, { index: 1.5, count: 4 }, { index: 1, count: 0 }]) {
      await expect(buildTeacherCache({ teacher, batches: shardBatches(dataset), path: join(root, 'bad'), dataset, shard })).rejects.toThrow(
        /Argument 'options.shard' passed to 'buildTeacherCache' must be \{ index, count \} with whole numbers 1 <= index <= count, got/,
      );
    }
  });
});
