import { expect, it } from 'vitest';
import { bands } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { runDistilSession } from './distil-session';
import type { SessionProgress } from './distil-session';

/** Ten classes on 30x30 images, each lighting up its own band of three rows: small nets learn it in a few steps. */
function digits(size: number) {
  return bands({ size, seed: 7, side: 30, classes: 10, on: 0.8, off: 0.1, noise: 0.6 }).split({ testFraction: 0.25, seed: 1 });
}

const small = { teacherUnits: 32, teacherEpochs: 1, studentUnits: 8, studentEpochs: 4, transferSize: 100, batchSize: 20, evalEvery: 10 };

describeBackends('runDistilSession', () => {
  it('trains the teacher, then the distilled student and its twin, with test accuracy every evalEvery steps', async () => {
    const phases: string[] = [];
    const result = await runDistilSession(digits(400), { ...small, teacherEpochs: 2 }, (p: SessionProgress) => {
      if (phases.at(-1) !== p.phase) phases.push(p.phase);
    });
    expect(phases).toEqual(['teacher', 'distilled', 'labelsOnly', 'done']);
    expect([result.teacherSteps, result.studentSteps]).toEqual([30, 20]);
    for (const [curves, steps] of [[result.teacher, 30], [result.distilled, 20], [result.labelsOnly, 20]] as const) {
      expect(curves.loss.map((p) => p.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
      expect(curves.accuracy.map((p) => p.step)).toEqual([...Array.from({ length: Math.floor(steps / 10) + 1 }, (_, i) => i * 10), ...(steps % 10 ? [steps] : [])]);
      expect(curves.accuracy[0]!.value).toBeLessThan(0.4);
      expect(curves.accuracy.at(-1)!.value).toBeGreaterThan(0.6);
    }
  });

  it('gives both students the same start: only the loss tells them apart', async () => {
    const { distilled, labelsOnly } = await runDistilSession(digits(200), { ...small, studentEpochs: 1, evalEvery: 1 });
    expect(distilled.accuracy[0]).toEqual(labelsOnly.accuracy[0]);
    expect(distilled.loss[0]!.value).not.toBeCloseTo(labelsOnly.loss[0]!.value, 3);
  });

  it('is deterministic for a seed', async () => {
    const data = digits(200);
    const options = { ...small, studentEpochs: 1, seed: 3 };
    const [a, b] = [await runDistilSession(data, options), await runDistilSession(data, options)];
    expect(b.distilled.loss.map((p) => p.value)).toEqual(a.distilled.loss.map((p) => p.value));
  });

  it.each([
    [{ teacherEpochs: 0 }, "'trainModel': options.epochs: expected an integer >= 1, got 0"],
    [{ temperature: 0 }, "Argument 'options.temperature' passed to 'createLoss('distillation')' must be a finite number > 0, got 0"],
    [{ transferSize: 10_000 }, "Option 'transferSize' passed to 'runDistilSession' must be an integer in [1, 150], got 10000"],
  ])('rejects %o', async (options, message) => {
    await expect(runDistilSession(digits(200), { ...small, ...options })).rejects.toThrow(message);
  });
});
