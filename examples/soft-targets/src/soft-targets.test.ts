import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { defaultSettings, runSoftTargets } from './soft-targets';

const backend = testBackends.includes('native') ? 'native' : testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-soft-targets-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`soft-targets --quick [${backend}]`, () => {
  it('trains on all the data and on the small share with hard and soft targets, chooses the temperature, the recipe and the schedules, and reports the share recovered', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--seeds', '1,2', '--out', join(out, backend)];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('soft-targets', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runSoftTargets(flags, context, { ...defaultSettings, fraction: 0.1, temperatures: [2, 4], recipes: ['plain', 'jitter', 'mixup'], schedules: ['early-stop', 'cosine'] });
    // 10 % of the quick run's 600 training digits, stratified over 10 classes.
    expect(result.smallSize).toBe(60);
    const [first, second] = result.seeds;
    // The first seed tries both temperatures plain, then the other recipes at the better one, then
    // the best of those with the cosine schedule.
    const early = first!.candidates.filter((c) => c.schedule === 'early-stop');
    expect(early.map((c) => `${c.temperature} ${c.recipe}`)).toEqual(['2 plain', '4 plain', `${first!.temperature} jitter`, `${first!.temperature} mixup`]);
    const atChosen = early.filter((c) => c.temperature === first!.temperature);
    const bestEarly = atChosen.reduce((best, c) => (c.validationErrors < best.validationErrors ? c : best));
    const cosine = first!.candidates[4]!;
    expect(first!.candidates).toHaveLength(5);
    expect([cosine.temperature, cosine.recipe, cosine.schedule]).toEqual([bestEarly.temperature, bestEarly.recipe, 'cosine']);
    expect(first!.softSmall).toEqual(cosine.validationErrors < bestEarly.validationErrors ? cosine : bestEarly);
    expect(first!.schedule).toBe(first!.softSmall.schedule);
    // A cosine schedule runs every epoch and keeps the weights of the epoch with the fewest validation errors.
    expect(cosine.epochs).toBe(8);
    expect(cosine.validationCurve[cosine.bestEpoch - 1]).toBe(Math.min(...cosine.validationCurve));
    expect(cosine.validationErrors).toBe(cosine.validationCurve[cosine.bestEpoch - 1]);
    // The hard-label student on the share chooses its own schedule.
    expect(first!.hardCandidates.map((c) => c.schedule)).toEqual(['early-stop', 'cosine']);
    expect(first!.hardSmall.validationErrors).toBe(Math.min(...first!.hardCandidates.map((c) => c.validationErrors)));
    // The second seed trains only the chosen students, and the control when the recipe augments.
    expect(second!.candidates.map((c) => `${c.temperature} ${c.recipe} ${c.schedule}`)).toEqual([`${first!.temperature} ${first!.recipe} ${first!.schedule}`]);
    expect(second!.hardCandidates.map((c) => c.schedule)).toEqual([first!.hardSmall.schedule]);
    for (const seed of [first!, second!]) {
      expect(seed.hardSmallAugmented === null).toBe(first!.recipe === 'plain');
      const gap = seed.hardSmall.testErrors - seed.allData.testErrors;
      expect(seed.recovered).toBe(gap > 0 ? (seed.hardSmall.testErrors - seed.softSmall.testErrors) / gap : null);
    }
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['mnist-digits-quick-seed1.json', 'mnist-digits-quick-seed2.json', 'mnist-digits-quick-summary.md', 'mnist-digits-quick-validation-curves.svg']);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
