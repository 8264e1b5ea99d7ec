import { Dataset, createRng } from '@kd/data';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { runDistilSession } from './distil-session';
import type { SessionProgress } from './distil-session';

/** Ten random 28x28 patterns with seeded noise: small nets tell them apart in a few steps. */
function syntheticDigits(size: number): { train: Dataset; test: Dataset } {
  const rng = createRng(7);
  const patterns = Array.from({ length: 10 }, () => Float32Array.from({ length: 784 }, () => (rng.next() < 0.2 ? 1 : 0)));
  const images = new Float32Array(size * 784);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    labels[i] = i % 10;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.min(1, Math.max(0, patterns[i % 10]![p]! + (rng.next() - 0.5) * 0.8));
  }
  return new Dataset({ images, imageShape: [28, 28, 1], labels, numClasses: 10 }).split({ testFraction: 0.25, seed: 1 });
}

const small = { teacherUnits: 32, teacherSteps: 20, studentUnits: 8, studentSteps: 20, transferSize: 100, batchSize: 20, evalEvery: 10 };

describeBackends('runDistilSession', () => {
  it('trains the teacher, then both students, measuring test accuracy every evalEvery steps', async () => {
    const phases: string[] = [];
    let pauses = 0;
    const result = await runDistilSession(syntheticDigits(400), { ...small, teacherSteps: 40 }, {
      onProgress: (p: SessionProgress) => phases.at(-1) !== p.phase && phases.push(p.phase),
      pause: async () => void pauses++,
    });
    expect(phases).toEqual(['teacher', 'students', 'done']);
    expect(pauses).toBe(60);
    expect(result.teacherLayers).toEqual([784, 32, 32, 10]);
    expect(result.studentLayers).toEqual([784, 8, 10]);
    for (const [curves, steps] of [[result.teacher, 40], [result.distilled, 20], [result.labelsOnly, 20]] as const) {
      expect(curves.loss.map((p) => p.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
      expect(curves.accuracy.map((p) => p.step)).toEqual(Array.from({ length: steps / 10 + 1 }, (_, i) => i * 10));
      expect(curves.accuracy[0]!.value).toBeLessThan(0.4);
      expect(curves.accuracy.at(-1)!.value).toBeGreaterThan(0.6);
    }
  });

  it('gives both students the same start: only the loss tells them apart', async () => {
    const { distilled, labelsOnly } = await runDistilSession(syntheticDigits(200), { ...small, studentSteps: 1, teacherSteps: 1, evalEvery: 1 });
    expect(distilled.accuracy[0]).toEqual(labelsOnly.accuracy[0]);
    expect(distilled.loss[0]!.value).not.toBeCloseTo(labelsOnly.loss[0]!.value, 3);
  });

  it('is deterministic for a seed', async () => {
    const data = syntheticDigits(200);
    const options = { ...small, teacherSteps: 5, studentSteps: 5, evalEvery: 5, seed: 3 };
    const [a, b] = [await runDistilSession(data, options), await runDistilSession(data, options)];
    expect(b.distilled.loss.map((p) => p.value)).toEqual(a.distilled.loss.map((p) => p.value));
  });

  it.each([
    [{ teacherSteps: 0 }, "Option 'teacherSteps' passed to 'runDistilSession' is out of range, got 0"],
    [{ temperature: 0 }, "Option 'temperature' passed to 'runDistilSession' is out of range, got 0"],
    [{ hardWeight: -1 }, "Option 'hardWeight' passed to 'runDistilSession' is out of range, got -1"],
    [{ transferSize: 10_000 }, "Option 'transferSize' passed to 'runDistilSession' must be at most the 150 training examples, got 10000"],
  ])('rejects %o', async (options, message) => {
    await expect(runDistilSession(syntheticDigits(200), { ...small, ...options })).rejects.toThrow(message);
  });
});
