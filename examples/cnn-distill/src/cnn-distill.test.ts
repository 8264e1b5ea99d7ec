import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { ablationNames, runAblations } from './ablations';
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

  it('with the cosine schedule alone trains every student every epoch, jitter-mixup and its control included, and says only the teacher early-stopped', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--seeds', '1', '--patience', '3', '--out', join(out, `${backend}-cosine`)];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('cnn-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runCnnDistill(flags, context, { ...defaultSettings, temperatures: [2], recipes: ['jitter-mixup'], schedules: ['cosine'] });
    const [seed] = result.seeds;
    expect(seed!.candidates.map((c) => `${c.temperature} ${c.recipe} ${c.schedule}`)).toEqual(['2 jitter-mixup cosine']);
    expect(seed!.hardCandidates.map((c) => c.schedule)).toEqual(['cosine']);
    for (const model of [seed!.hardStudent, seed!.hardStudentAugmented!, seed!.distilled]) expect(model.validationCurve).toHaveLength(4);
    const summary = readFileSync(result.files.find((f) => f.endsWith('-summary.md'))!, 'utf8');
    expect(summary).toMatch(/students 4; the teacher early-stopped on validation errors \(patience 3\)/);
    expect(summary).toMatch(/every student on `cosine` \(all 4 epochs/);
    expect(summary).not.toMatch(/every model early-stopped|`early-stop`/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 240_000);

  it('trains the chosen student and each ablation of it, scores them on validation only, writes them and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--seeds', '1', '--out', join(out, `${backend}-ablations`), '--ablations', ablationNames.join(',')];
    const { flags } = parseFlags(argv, { seeds: [0] }, { ablations: { type: 'string' } });
    const context = createRunContext('cnn-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const { files, seeds } = await runAblations(flags, context, { ...defaultSettings, temperatures: [2] }, ablationNames);
    const [first] = seeds;
    expect(first!.ablations.map((a) => a.ablation)).toEqual(ablationNames);
    for (const a of first!.ablations) {
      // Every epoch of the cosine schedule runs; the best validation epoch's weights are kept.
      expect(a.validationCurve).toHaveLength(4);
      expect(a.validationErrors).toBe(a.validationCurve[a.bestEpoch - 1]);
      expect(a.validationErrors).toBe(Math.min(...a.validationCurve));
    }
    expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['mnist-digits-quick-ablations-seed1.json']);
    const record = JSON.parse(readFileSync(files[0]!, 'utf8'));
    expect(record.ablations).toEqual(first!.ablations);
    // Validation errors only: the test set is read by the experiment, once, not by its ablations.
    for (const a of record.ablations) expect(Object.keys(a).toSorted()).toEqual(['ablation', 'bestEpoch', 'epochs', 'seconds', 'validationCurve', 'validationErrors']);
    // A run of some ablations with the same settings adds to the file: the others stay, in order.
    const again = [...argv.slice(0, -1), 'soft-only'];
    await runAblations(parseFlags(again, { seeds: [0] }, { ablations: { type: 'string' } }).flags, { ...context, command: 'the second run' }, { ...defaultSettings, temperatures: [2] }, ['soft-only']);
    const merged = JSON.parse(readFileSync(files[0]!, 'utf8'));
    // The same student again (deterministic under its seed), its time aside.
    expect(merged.ablations).toEqual(first!.ablations.map((a) => ({ ...a, seconds: expect.any(Number) })));
    expect(merged.commands).toEqual([context.command, 'the second run']);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 240_000);
});
