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
  it('chooses the temperature and the recipe on validation, trains the control, writes its results and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--seeds', '1,2', '--out', join(out, backend)];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('cnn-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runCnnDistill(flags, context, { ...defaultSettings, temperatures: [2, 4], recipes: ['plain', 'jitter', 'mixup'] });

    const [first, second] = result.seeds;
    // The first seed tries both temperatures plain, then the other recipes at the better one.
    expect(first!.candidates.map((c) => `${c.temperature} ${c.recipe}`)).toEqual(['2 plain', '4 plain', `${first!.temperature} jitter`, `${first!.temperature} mixup`]);
    const atChosen = first!.candidates.filter((c) => c.temperature === first!.temperature);
    expect(first!.distilled.validationErrors).toBe(Math.min(...atChosen.map((c) => c.validationErrors)));
    // The second seed trains only the chosen student, and the control when the recipe augments.
    expect(second!.candidates.map((c) => `${c.temperature} ${c.recipe}`)).toEqual([`${first!.temperature} ${first!.recipe}`]);
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
  }, 180_000); // seven models and a CNN teacher per run: a minute when the cores are shared
});
