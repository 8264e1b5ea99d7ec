import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { defaultSettings, runMnistDistill } from './mnist-distill';

// The whole pipeline once, on wasm when present (the backend `npm start` picks here; cpu takes
// several times longer): the packages' own suites check every backend.
const backend = testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-mnist-distill-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The candidate with the fewest validation errors (ties to the earlier). */
function fewest<T>(list: Array<{ value: T; validationErrors: number }>): { value: T; validationErrors: number } {
  return list.reduce((a, b) => (b.validationErrors < a.validationErrors ? b : a));
}

describe(`mnist-distill --quick [${backend}]`, () => {
  it('trains the four models, scores them once on test, writes its results and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--seeds', '3', '--out', join(out, backend)];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('mnist-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runMnistDistill(flags, context, { ...defaultSettings, teacherJitters: [2, 0], teacherDropouts: [0.5, 0.2], teacherSchedules: ['early-stop', 'cosine'], teacherMixups: [0, 0.2] });

    expect(result.data).toBe('mnist-digits-quick');
    expect(result.seeds.map((s) => s.seed)).toEqual([3]);
    const [seed] = result.seeds;
    expect(seed!.distilled.map((d) => d.temperature)).toEqual([20, 4]);
    // The jitter is chosen at the paper's dropout, then the dropout at that jitter, the schedule, then mixup, each on validation errors.
    const { jitter, dropout, schedule, mixup } = seed!.teacherCandidates!;
    expect(jitter.map((c) => c.value)).toEqual([2, 0]);
    expect(seed!.teacherJitter).toBe(fewest(jitter).value);
    expect(dropout.map((c) => c.value)).toEqual([0.5, 0.2]);
    expect(dropout[0]!.validationErrors).toBe(jitter.find((c) => c.value === seed!.teacherJitter)!.validationErrors);
    expect(seed!.teacherDropout).toBe(fewest(dropout).value);
    expect(schedule.map((c) => c.value)).toEqual(['early-stop', 'cosine']);
    expect(schedule[0]!.validationErrors).toBe(fewest(dropout).validationErrors);
    expect(seed!.teacherSchedule).toBe(fewest(schedule).value);
    expect(mixup.map((c) => c.value)).toEqual([0, 0.2]);
    expect(mixup[0]!.validationErrors).toBe(fewest(schedule).validationErrors);
    expect(seed!.teacherMixup).toBe(fewest(mixup).value);
    expect(seed!.teacher.validationErrors).toBe(fewest(mixup).validationErrors);
    // 300 test digits, 10 classes: chance makes about 270 errors; every trained model is far below.
    for (const model of [seed!.teacher, seed!.hardStudent, ...seed!.distilled]) {
      expect(model.testErrors).toBeLessThan(result.testSize / 2);
      expect(model.validationCurve).toHaveLength(6);
    }
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual([
      'mnist-digits-quick-seed3.json',
      'mnist-digits-quick-summary.md',
      'mnist-digits-quick-validation-curves.svg',
    ]);
    result.files.forEach((f) => expect(existsSync(f)).toBe(true));
    const record = JSON.parse(readFileSync(result.files[0]!, 'utf8'));
    expect(record).toMatchObject({
      example: 'mnist-distill',
      command: `npm start -w examples/mnist-distill -- ${argv.join(' ')}`,
      seed: 3,
      data: { name: 'mnist-digits-quick', train: 600, validation: 200, test: 300 },
      backend: { kind: backend },
      machine: { cores: expect.any(Number) },
    });
    expect(readFileSync(result.files[2]!, 'utf8')).toMatch(/^<svg/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
