import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { defaultSettings, runEnsembleDistill } from './ensemble-distill';

// The whole pipeline once, on wasm when present (the backend `npm start` picks here).
const backend = testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-ensemble-distill-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`ensemble-distill --quick [${backend}]`, () => {
  it('trains the members, distils each combination, writes its results and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--out', out];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('ensemble-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runEnsembleDistill(flags, context, { ...defaultSettings, members: 3 });

    const [seed] = result.seeds;
    expect(seed!.memberTestErrors).toHaveLength(3);
    // The student with the fewest validation errors of all sets the combination and temperature.
    const best = Math.min(...seed!.combines.map((c) => c.studentValidationErrors));
    const chosen = seed!.combines.find((c) => c.combine === seed!.chosen.combine)!;
    expect(chosen.studentValidationErrors).toBe(best);
    expect(chosen.temperature).toBe(seed!.chosen.temperature);
    expect(seed!.combines.map((c) => c.combine)).toEqual(['arithmetic', 'geometric', 'logits']);
    // The geometric mean of the members' softmax(v/T) is the softmax of their mean logits.
    expect(seed!.combines[1]!.ensembleTestErrors).toBe(seed!.combines[2]!.ensembleTestErrors);
    for (const c of seed!.combines) {
      expect(c.studentTestErrors).toBeLessThan(result.testSize / 2);
      // The student kept is the one with the fewest validation errors of those tried.
      expect(c.candidates.map((k) => k.temperature)).toEqual(defaultSettings.temperatures);
      expect(c.studentValidationErrors).toBe(Math.min(...c.candidates.map((k) => k.validationErrors)));
      expect(c.candidates.find((k) => k.temperature === c.temperature)!.validationErrors).toBe(c.studentValidationErrors);
    }
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['mnist-digits-quick-seed0.json', 'mnist-digits-quick-summary.md', 'mnist-digits-quick-errors.svg', 'mnist-digits-quick-validation-curves.svg']);
    result.files.forEach((f) => expect(existsSync(f)).toBe(true));
    expect(JSON.parse(readFileSync(result.files[0]!, 'utf8'))).toMatchObject({ example: 'ensemble-distill', seed: 0, settings: { members: 3, width: 32 } });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('chooses the schedule after the combination and temperature; the next seed trains only the chosen', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const scheduled = mkdtempSync(join(out, 'schedules-'));
    const settings = { ...defaultSettings, members: 3, combines: ['arithmetic', 'logits'] as const, temperatures: [4], schedules: ['early-stop', 'cosine'] as const };
    const runSeed = (seed: number) => {
      const argv = ['--quick', '--out', scheduled, '--seeds', String(seed)];
      const { flags } = parseFlags(argv, { seeds: [0] });
      const context = createRunContext('ensemble-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
      return runEnsembleDistill(flags, context, { ...settings, combines: [...settings.combines], schedules: [...settings.schedules] });
    };
    const [first] = (await runSeed(0)).seeds;
    // Both combinations under early stopping, then the chosen one under the cosine schedule.
    expect(first!.combines.map((c) => [c.combine, c.schedule])).toEqual([
      ['arithmetic', 'early-stop'],
      ['logits', 'early-stop'],
      [first!.chosen.combine, 'cosine'],
    ]);
    const early = first!.combines.slice(0, 2);
    expect(first!.chosen.combine).toBe(early.reduce((a, b) => (b.studentValidationErrors < a.studentValidationErrors ? b : a)).combine);
    const pair = first!.combines.filter((c) => c.combine === first!.chosen.combine);
    expect(first!.chosen.schedule).toBe(pair[1]!.studentValidationErrors < pair[0]!.studentValidationErrors ? 'cosine' : 'early-stop');
    expect(first!.control === null).toBe(first!.chosen.schedule === 'early-stop');

    const result = await runSeed(1);
    const [second] = result.seeds.filter((r) => r.seed === 1);
    expect(second!.chosen).toEqual(first!.chosen);
    expect(second!.combines.map((c) => [c.combine, c.schedule])).toEqual([[first!.chosen.combine, first!.chosen.schedule]]);
    expect(second!.control === null).toBe(first!.chosen.schedule === 'early-stop');
    expect(readFileSync(result.files.find((f) => f.endsWith('summary.md'))!, 'utf8')).toContain(`→ ${first!.chosen.combine}, T = 4, ${first!.chosen.schedule}`);
    // The choosing seed's students drawn per epoch; a cosine student runs every epoch and keeps its best.
    const cosine = first!.combines[2]!.candidates[0]!;
    expect(cosine.validationCurve).toHaveLength(6);
    expect(cosine.validationErrors).toBe(Math.min(...cosine.validationCurve));
    const svg = readFileSync(result.files.find((f) => f.endsWith('validation-curves.svg'))!, 'utf8');
    expect(svg).toContain(`student, ${first!.chosen.combine}, T = 4, cosine`);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('chooses the recipe on the chosen combination and temperature; the control and the next seed use its augmentation', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const dir = mkdtempSync(join(out, 'recipes-'));
    // Plain soft targets choose the combination and temperature; a recipe list without `plain` must then take the other.
    const settings = { ...defaultSettings, members: 3, combines: ['arithmetic', 'logits'], temperatures: [4], recipes: ['jitter'], studentJitter: 2 } satisfies typeof defaultSettings;
    const runSeed = (seed: number) => {
      const argv = ['--quick', '--out', dir, '--seeds', String(seed)];
      const { flags } = parseFlags(argv, { seeds: [0] });
      const context = createRunContext('ensemble-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
      return runEnsembleDistill(flags, context, settings);
    };
    const [first] = (await runSeed(0)).seeds;
    const plain = first!.combines.slice(0, 2);
    const best = plain.reduce((a, b) => (b.studentValidationErrors < a.studentValidationErrors ? b : a));
    expect(first!.combines.map((c) => [c.combine, c.recipe, c.schedule])).toEqual([
      ['arithmetic', 'plain', 'early-stop'],
      ['logits', 'plain', 'early-stop'],
      [best.combine, 'jitter', 'early-stop'],
    ]);
    expect(first!.chosen).toEqual({ combine: best.combine, temperature: 4, recipe: 'jitter', schedule: 'early-stop' });
    expect(first!.combines[2]!.studentTestErrors).toBeLessThan(150);
    expect(first!.control).not.toBeNull();

    const result = await runSeed(1);
    const [second] = result.seeds.filter((r) => r.seed === 1);
    expect(second!.chosen).toEqual(first!.chosen);
    expect(second!.combines.map((c) => [c.combine, c.recipe, c.schedule])).toEqual([[best.combine, 'jitter', 'early-stop']]);
    const summary = readFileSync(result.files.find((f) => f.endsWith('summary.md'))!, 'utf8');
    expect(summary).toContain(`→ ${best.combine}, T = 4, jitter`);
    expect(summary).toContain('`jitter` (images shifted by up to 2 px, the ensemble scoring the shifted images)');
    expect(summary).toContain(`| one model, hard labels, jitter, early-stop (control: the student's seed, schedule and augmentation) | ${first!.control!.testErrors}, ${second!.control!.testErrors} |`);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('trains a hard-label control under the cosine schedule and measures the gain kept from it too', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--out', mkdtempSync(join(out, 'cosine-'))];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('ensemble-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runEnsembleDistill(flags, context, { ...defaultSettings, members: 3, combines: ['arithmetic'], temperatures: [4], schedules: ['cosine'] });
    const [seed] = result.seeds;
    const student = seed!.combines[0]!;
    expect(student.schedule).toBe('cosine');
    const control = seed!.control!;
    expect(control.testErrors).toBeLessThan(result.testSize / 2);
    const gain = control.testErrors - student.ensembleTestErrors;
    expect(control.gainKept).toBe(gain > 0 ? (control.testErrors - student.studentTestErrors) / gain : null);
    const summary = readFileSync(result.files.find((f) => f.endsWith('summary.md'))!, 'utf8');
    expect(summary).toContain(`| one model, hard labels, cosine (control: the student's seed and schedule) | ${control.testErrors} |`);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
