import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { batches, jitter } from '@kd/data';
import { ensemble, functionTeacher } from '@kd/ensemble';
import type { Teacher } from '@kd/ensemble';
import { cacheEveryInput } from '@kd/ensemble/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noise } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { expectFlatTensorCount } from '../../../test/no-leak';

const root = mkdtempSync(join(tmpdir(), 'kd-cache-every-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeBackends('cacheEveryInput', (backend) => {
  const dataset = noise(12, 5);
  const augment = jitter({ maxShift: 1 });
  const weights: tf.Tensor[] = [];
  // A teacher of the images as batches give them, [batch, 4, 4, 1].
  const imageTeacher = (seed: number): Teacher => {
    const w = tf.randomNormal([16, 3], 0, 1, 'float32', seed) as tf.Tensor2D;
    weights.push(w);
    return functionTeacher((x) => tf.matMul(tf.reshape(x, [-1, 16]) as tf.Tensor2D, w), { numClasses: 3, weights: { w } });
  };
  let teacher: Teacher;
  beforeAll(() => {
    teacher = imageTeacher(7);
  });
  afterAll(() => tf.dispose(weights.splice(0)));
  const path = (name: string) => join(root, `${backend}-${name}.safetensors`);

  it('caches the outputs on every shift of every example once: any drawn jittered batch reads what the teacher gives it', async () => {
    await expectFlatTensorCount(2, async (round) => {
      const cache = await cacheEveryInput({ teacher, dataset, path: path(`jitter-${round}`), augment });
      expect(cache.size).toBe(12 * 9);
      expect([cache.stores, cache.augmentationParams]).toEqual(['logits', ['dx', 'dy']]);
      for (const epoch of [1, 2, 3]) {
        for (const batch of batches(dataset, { batchSize: 5, seed: 1, epoch, augment })) {
          const [cached, live] = tf.tidy(() => [cache.logits(batch).dataSync(), teacher.logits!(batch.x).dataSync()]);
          Array.from(live).forEach((v, i) => expect(cached[i]).toBeCloseTo(v, 5));
        }
      }
      cache.close();
    });
  });

  it('caches the examples as they are without augment', async () => {
    const cache = await cacheEveryInput({ teacher, dataset, path: path('plain') });
    expect([cache.size, cache.augmentationParams]).toEqual([12, []]);
    expect(cache.has(11)).toBe(true);
    cache.close();
  });

  it('refuses bad arguments before scoring anything, naming each', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ teacher: {}, dataset, path: path('x') }, "Argument 'options.teacher' passed to 'cacheEveryInput' must be a Teacher, got object"],
      [{ teacher, dataset: [1, 2], path: path('x') }, "Argument 'options.dataset' passed to 'cacheEveryInput' must be a Dataset (the transfer set), got an array"],
      [{ teacher, dataset, path: '' }, "Argument 'options.path' passed to 'cacheEveryInput' must be a non-empty string (the cache file), got ''"],
    ];
    for (const [options, message] of bad) {
      await expect(cacheEveryInput(options as never)).rejects.toThrow(message);
    }
    await expect(cacheEveryInput(null as never)).rejects.toThrow("Argument 'options' passed to 'cacheEveryInput' must be an object");
  });

  it("caches an arithmetic ensemble's soft targets at the temperature it is given, and asks for one", async () => {
    const mean = ensemble([teacher, teacher], { combine: 'arithmetic' });
    await expect(cacheEveryInput({ teacher: mean, dataset, path: path('none') })).rejects.toThrow(
      "Argument 'options.temperature' passed to 'cacheEveryInput' is needed: the teacher has no logits, so its soft targets are cached at the loss's temperature",
    );
    const cache = await cacheEveryInput({ teacher: mean, dataset, path: path('probs'), temperature: 4 });
    expect([cache.stores, cache.temperature]).toEqual(['probs', 4]);
    cache.close();
    // A teacher with logits stores them, whatever the temperature: they serve every one.
    const logits = await cacheEveryInput({ teacher, dataset, path: path('logits'), temperature: 4 });
    expect([logits.stores, logits.temperature]).toEqual(['logits', null]);
    logits.close();
  });
});
