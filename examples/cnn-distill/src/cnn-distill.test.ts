import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { defaultSettings, runCnnDistill } from './cnn-distill';

// The whole pipeline once, quick, on the fastest backend the tests have.
const backend = testBackends.includes('native') ? 'native' : testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-cnn-distill-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`cnn-distill --quick [${backend}]`, () => {
  it('chooses the temperature, the recipe and the schedules on validation, trains the control, writes its results and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--seeds', '1,2', '--out', join(out, backend)];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('cnn-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runCnnDistill(flags, context, { ...defaultSettings, temperatures: [2, 4], recipes: ['plain', 'jitter', 'mixup'], schedules: ['early-stop', 'cosine'] });

    const [first, second] = result.seeds;
    // The first seed tries both temperatures plain, then the other recipes at the better one, then
    // the best of those under the cosine schedule.
    const early = first!.candidates.filter((c) => c.schedule === 'early-stop');
    expect(early.map((c) => `${c.temperature} ${c.recipe}`)).toEqual(['2 plain', '4 plain', `${first!.temperature} jitter`, `${first!.temperature} mixup`]);
    const bestEarly = early.filter((c) => c.temperature === first!.temperature).reduce((best, c) => (c.validationErrors < best.validationErrors ? c : best));
    expect(first!.candidates).toHaveLength(5);
    const cosine = first!.candidates[4]!;
    expect([cosine.temperature, cosine.recipe, cosine.schedule]).toEqual([bestEarly.temperature, bestEarly.recipe, 'cosine']);
    expect(first!.distilled).toEqual(cosine.validationErrors < bestEarly.validationErrors ? cosine : bestEarly);
    expect(first!.schedule).toBe(first!.distilled.schedule);
    // The hard-label student chooses its own schedule.
    expect(first!.hardCandidates.map((c) => c.schedule)).toEqual(['early-stop', 'cosine']);
    expect(first!.hardStudent.validationErrors).toBe(Math.min(...first!.hardCandidates.map((c) => c.validationErrors)));
    // The second seed trains only the chosen students, and the control when the recipe augments.
    expect(second!.candidates.map((c) => `${c.temperature} ${c.recipe} ${c.schedule}`)).toEqual([`${first!.temperature} ${first!.recipe} ${first!.schedule}`]);
    expect(second!.hardCandidates.map((c) => c.schedule)).toEqual([first!.hardStudent.schedule]);
    expect(second!.hardStudentAugmented === null).toBe(first!.recipe === 'plain');
    for (const model of [first!.teacher, first!.hardStudent, ...first!.candidates]) expect(model.testErrors).toBeLessThan(result.testSize / 2);
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual([
      'mnist-digits-quick-seed1.json',
      'mnist-digits-quick-seed2.json',
      'mnist-digits-quick-summary.md',
      'mnist-digits-quick-validation-curves.svg',
    ]);
    result.files.forEach((f) => expect(existsSync(f)).toBe(true));
    expect(readFileSync(result.files[2]!, 'utf8')).toMatch(/Gap closed/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 240_000); // nine models and a CNN teacher per run: a minute and a half when the cores are shared
});
