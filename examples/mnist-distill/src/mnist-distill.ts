import { lineChartSvg } from '@kd/plots';
import { layersModelTeacher } from '@kd/ensemble';
import {
  architectureName,
  distilStudent,
  errorCount,
  formatMeanStd,
  gapClosed,
  loadExampleData,
  markdownTable,
  mean,
  mergeSeedResults,
  paperStudent,
  paperTeacher,
  paperTeacherFor,
  provenance,
  trainOnLabels,
  validationErrorCurve,
  withTeacherCache,
  writeResultFile,
  writeSeedResults,
} from '@kd-examples/shared';
import type { CommonFlags, RunContext, Trained } from '@kd-examples/shared';

/** Settings of the experiment; the defaults are the README's main job. */
export interface MnistDistillSettings {
  teacherEpochs: number;
  studentEpochs: number;
  /** The temperatures the student is distilled at: the paper's 20 and a lower one. */
  temperatures: number[];
  /** Weight of the soft term (already scaled by T^2 in the loss). */
  softWeight: number;
  /** Weight of the hard-label term: the paper found a considerably lower one works best. */
  hardWeight: number;
  /** Pixels the teacher's training images are shifted by, at most (the paper: 2; 0 for none). */
  teacherJitter: number;
}

export const defaultSettings: MnistDistillSettings = {
  teacherEpochs: 30,
  studentEpochs: 20,
  temperatures: [20, 4],
  softWeight: 0.9,
  hardWeight: 0.1,
  teacherJitter: 2,
};

/** Enough steps, at the quick runs' higher learning rate, for the narrow models to learn a few hundred digits. */
const quickEpochs = { teacherEpochs: 6, studentEpochs: 6 };

/** One model's errors. */
export interface ModelErrors {
  validationErrors: number;
  testErrors: number;
  seconds: number;
  /** Validation errors after each epoch. */
  validationCurve: number[];
}

export interface SeedResult {
  seed: number;
  /** Whether the teacher was loaded from an earlier run's copy rather than trained here. */
  teacherLoaded: boolean;
  teacher: ModelErrors;
  hardStudent: ModelErrors;
  distilled: Array<ModelErrors & { temperature: number; gapClosed: number | null }>;
}

export interface MnistDistillResult {
  data: string;
  testSize: number;
  settings: MnistDistillSettings;
  seeds: SeedResult[];
  /** Mean over seeds of the share of the teacher/hard-student gap each distilled student closed. */
  meanGapClosed: Record<string, number | null>;
  files: string[];
}

/** The paper's section 3 on 10,000 test digits: errors of each model (their sum is the gap). */
export const paper = { teacherErrors: 67, hardStudentErrors: 146, distilledT20Errors: 74, testSize: 10_000, gapClosed: 0.91 };

/**
 * Trains, for each seed: the teacher (784-1200-1200-10, dropout, 2-pixel jitter), the student
 * (784-800-800-10) on hard labels, and the same student distilled from the teacher at each
 * temperature on the same transfer set (the training set). Every model is scored on the test set
 * once, at the end; nothing is selected on it.
 */
export async function runMnistDistill(flags: CommonFlags, context: RunContext, settings: MnistDistillSettings = defaultSettings): Promise<MnistDistillResult> {
  const started = performance.now();
  const data = await loadExampleData({ dir: flags.data, quick: flags.quick });
  const base = flags.quick ? { ...settings, ...quickEpochs } : settings;
  const s: MnistDistillSettings = flags.epochs === null ? base : { ...base, teacherEpochs: flags.epochs, studentEpochs: flags.epochs };
  const progress = !flags.quick;
  const seeds: SeedResult[] = [];
  const files: string[] = [];
  const curves: Array<{ name: string; points: Array<[number, number]> }> = [];
  let summary = { text: '', files: [] as string[], meanGapClosed: {} as Record<string, number | null> };
  console.log(`data: ${data.source}; ${data.train.size} train / ${data.validation.size} validation / ${data.test.size} test`);

  for (const seed of flags.summaryOnly ? [] : flags.seeds) {
    const seedStarted = performance.now();
    const run = { seed, validation: data.validation, progress, ...(flags.quick ? { learningRate: 0.005 } : {}) };
    const score = (t: Trained): ModelErrors => ({
      validationErrors: errorCount(t.model, data.validation),
      testErrors: errorCount(t.model, data.test),
      seconds: Math.round(t.seconds),
      validationCurve: validationErrorCurve(t.fit).map(([, errors]) => errors),
    });
    const report = (name: string, e: ModelErrors) =>
      console.log(`seed ${seed} ${name}: ${e.validationErrors} validation errors, ${e.testErrors} test errors / ${data.test.size} (${e.seconds} s)`);

    const teacher = await paperTeacherFor(paperTeacher(flags.quick), data.train, { ...run, label: 'teacher', epochs: s.teacherEpochs, quick: flags.quick, jitterPixels: s.teacherJitter });
    const hard = await trainOnLabels(paperStudent(flags.quick), data.train, { ...run, label: 'hard-label student', epochs: s.studentEpochs });
    const teacherErrors = score(teacher);
    report('teacher', teacherErrors);
    const hardErrors = score(hard);
    report('hard-label student', hardErrors);
    const firstSeed = seeds.length === 0;
    if (firstSeed) {
      curves.push({ name: 'teacher', points: validationErrorCurve(teacher.fit) });
      curves.push({ name: 'student, hard labels', points: validationErrorCurve(hard.fit) });
    }
    hard.model.dispose();

    const distilled = await withTeacherCache(layersModelTeacher(teacher.model), data.train, async (cache) => {
      const out: SeedResult['distilled'] = [];
      for (const temperature of s.temperatures) {
        const student = await distilStudent(cache, paperStudent(flags.quick), data.train, { temperature, softWeight: s.softWeight, hardWeight: s.hardWeight }, { ...run, label: `student T=${temperature}`, epochs: s.studentEpochs });
        const e = score(student);
        report(`student distilled at T = ${temperature}`, e);
        if (firstSeed) curves.push({ name: `student, distilled at T = ${temperature}`, points: validationErrorCurve(student.fit) });
        student.model.dispose();
        out.push({ temperature, ...e, gapClosed: gapClosed(hardErrors.testErrors, e.testErrors, teacherErrors.testErrors) });
      }
      return out;
    });
    teacher.model.dispose();

    const result: SeedResult = { seed, teacherLoaded: teacher.loaded, teacher: teacherErrors, hardStudent: hardErrors, distilled };
    seeds.push(result);
    files.push(await writeSeedResults(context, data, seed, (performance.now() - seedStarted) / 1000, { settings: s, paper, ...result }));
    summary = await writeSummary();
  }
  if (flags.summaryOnly) summary = await writeSummary();
  files.push(...summary.files);
  console.log(`\n${summary.text}`);
  const meanGapClosed = summary.meanGapClosed;

  // After every seed, so a run stopped early still leaves the summary of the seeds it finished.
  async function writeSummary(): Promise<{ text: string; files: string[]; meanGapClosed: Record<string, number | null> }> {
    const merged = await mergeSeedResults(context, data.name, s, seeds);
    const all = merged.seeds;
    const gaps: Record<string, number | null> = {};
    for (const [i, temperature] of s.temperatures.entries()) {
      const values = all.map((r) => r.distilled[i]!.gapClosed);
      gaps[`T${temperature}`] = values.every((v) => v !== null) ? mean(values as number[]) : null;
    }
    const wall = (performance.now() - started) / 1000;
    const text = summaryMarkdown(data.name, data.test.size, s, flags.quick, all, gaps, provenance(context, data, all.map((r) => r.seed), wall, merged.commands));
    const chart = lineChartSvg({ title: `Validation errors per epoch (${data.name}, seed ${flags.seeds[0]})`, xLabel: 'epoch', yLabel: `errors / ${data.validation.size}`, series: curves });
    const written = [await writeResultFile(context, `${data.name}-summary.md`, text)];
    // A summary-only run trained nothing and has no curves: it leaves the chart of the run that did.
    if (curves.length > 0) written.push(await writeResultFile(context, `${data.name}-validation-curves.svg`, chart));
    return { text, meanGapClosed: gaps, files: written };
  }
  return { data: data.name, testSize: data.test.size, settings: s, seeds, meanGapClosed, files };
}

function summaryMarkdown(
  dataName: string,
  testSize: number,
  s: MnistDistillSettings,
  quick: boolean,
  seeds: readonly SeedResult[],
  meanGapClosed: Record<string, number | null>,
  how: string,
): string {
  const pct = (errors: number[]) => `${formatMeanStd(errors.map((e) => (100 * e) / testSize), 2)} %`;
  const row = (name: string, errors: number[], paperErrors: number | null) => [
    name,
    errors.join(', '),
    pct(errors),
    paperErrors === null ? '—' : `${paperErrors} (${((100 * paperErrors) / paper.testSize).toFixed(2)} %)`,
  ];
  const teacherName = architectureName(paperTeacher(quick));
  const studentName = architectureName(paperStudent(quick));
  const rows = [
    row(`teacher ${teacherName}, dropout${s.teacherJitter > 0 ? `, ${s.teacherJitter}-pixel jitter` : ''}`, seeds.map((r) => r.teacher.testErrors), paper.teacherErrors),
    row(`student ${studentName}, hard labels`, seeds.map((r) => r.hardStudent.testErrors), paper.hardStudentErrors),
    ...s.temperatures.map((t, i) => row(`student ${studentName}, distilled at T = ${t}`, seeds.map((r) => r.distilled[i]!.testErrors), t === 20 ? paper.distilledT20Errors : null)),
  ];
  const gaps = s.temperatures.map((t) => {
    const g = meanGapClosed[`T${t}`];
    const perSeed = seeds.map((r) => r.distilled.find((d) => d.temperature === t)!.gapClosed);
    const closed = g === null || g === undefined ? 'no gap to close in some seed (its teacher was not better than its hard-label student)' : `${(100 * g).toFixed(0)} % of the gap closed`;
    return `- T = ${t}: ${closed} (per seed: ${perSeed.map((v) => (v === null ? 'n/a' : `${(100 * v).toFixed(0)} %`)).join(', ')})${t === 20 ? `; the paper: ${(100 * paper.gapClosed).toFixed(0)} %` : ''}`;
  });
  return [
    `# mnist-distill on ${dataName}`,
    '',
    how,
    `- epochs: teacher ${s.teacherEpochs}, students ${s.studentEpochs}; Adam, learning rate ${quick ? 0.005 : 0.001}, batch 128; soft weight ${s.softWeight}, hard weight ${s.hardWeight} (fixed in advance, not tuned on the test set)`,
    '',
    `Test errors out of ${testSize} (per seed; mean ± std of the error rate) beside the paper's out of 10,000 MNIST test digits:`,
    '',
    markdownTable(['model', 'test errors per seed', 'error rate', 'paper'], rows),
    '',
    'Gap closed = (errors of the hard-label student − errors distilled) / (errors of the hard-label student − errors of the teacher), mean over seeds:',
    '',
    ...gaps,
  ].join('\n');
}
