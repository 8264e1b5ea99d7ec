import { lineChartSvg } from '@kd/plots';
import { layersModelTeacher } from '@kd/ensemble';
import {
  architectureName,
  convergenceText,
  curveLine,
  distilStudent,
  formatMeanStd,
  formatShares,
  gapClosed,
  loadExampleData,
  markdownTable,
  mean,
  modelErrors,
  modelErrorsReporter,
  paperStudent,
  paperTeacher,
  paperTeacherChosen,
  paperTeacherText,
  provenance,
  recordedChoice,
  runSeeds,
  scoreAndDispose,
  seedRunOptions,
  trainOnLabels,
  withTeacherCache,
  writeResultFile,
} from '@kd-examples/shared';
import type { Candidate, CommonFlags, ModelErrors, PaperTeacherChoice, RunContext, Schedule } from '@kd-examples/shared';

/** Settings of the experiment; the defaults are the README's main job. */
export interface MnistDistillSettings {
  /** Epochs of the teacher (the most, with `--patience`). */
  teacherEpochs: number;
  /** Epochs of each student (the most, with `--patience`). */
  studentEpochs: number;
  /**
   * The temperatures to distil at. With more than one, the first seed distils at each and the one
   * with the fewest validation errors is used on every seed (all are reported).
   */
  temperatures: number[];
  /** Weight of the soft term (already scaled by T^2 in the loss). */
  softWeight: number;
  /** Weight of the hard-label term: the paper found a considerably lower one works best. */
  hardWeight: number;
  /**
   * Pixels the teacher's training images are shifted by, at most (the paper: 2; 0 for none). With
   * more than one, the first seed trains a teacher with each and keeps the one with the fewest
   * validation errors for every seed.
   */
  teacherJitters: number[];
  /** Candidate dropout rates of the teacher's hidden units (the paper: 0.5), chosen after the jitter on the first seed. */
  teacherDropouts: number[];
  /** Candidate schedules of the teacher (`cosine`: all `teacherEpochs` on the cosine), chosen after the dropout. */
  teacherSchedules: Schedule[];
  /** Candidate mixup alphas of the teacher's training batches (0: none), chosen last. */
  teacherMixups: number[];
}

export const defaultSettings: MnistDistillSettings = {
  teacherEpochs: 30,
  studentEpochs: 20,
  temperatures: [20, 4],
  softWeight: 0.9,
  hardWeight: 0.1,
  teacherJitters: [2],
  teacherDropouts: [0.5],
  teacherSchedules: ['early-stop'],
  teacherMixups: [0],
};

/** Enough steps, at the quick runs' higher learning rate, for the narrow models to learn a few hundred digits. */
const quickEpochs = { teacherEpochs: 6, studentEpochs: 6 };

export interface SeedResult {
  seed: number;
  /** Whether the teacher was loaded from an earlier run's copy rather than trained here. */
  teacherLoaded: boolean;
  /** The teacher's jitter (pixels), hidden dropout, schedule and mixup alpha, chosen on the first seed's validation data. */
  teacherJitter: number;
  teacherDropout: number;
  teacherSchedule: Schedule;
  teacherMixup: number;
  /** On the seed that made the choice, each candidate's validation errors; else null. */
  teacherCandidates: PaperTeacherChoice['candidates'];
  teacher: ModelErrors;
  hardStudent: ModelErrors;
  /** The students distilled on this seed: at every candidate temperature on the seed that chose, at the chosen one on the others. */
  distilled: Array<ModelErrors & { temperature: number; gapClosed: number | null }>;
  /** The temperature chosen on the first seed's validation data. */
  temperature: number;
}

export interface MnistDistillResult {
  data: string;
  testSize: number;
  settings: MnistDistillSettings;
  seeds: SeedResult[];
  /** Mean over seeds of the share of the teacher/hard-student gap the distilled student (at the chosen T) closed. */
  meanGapClosed: number | null;
  files: string[];
}

/** The paper's section 3 on 10,000 test digits: errors of each model (their sum is the gap). */
export const paper = { teacherErrors: 67, hardStudentErrors: 146, distilledT20Errors: 74, testSize: 10_000, gapClosed: 0.91 };

/**
 * Trains, for each seed: the teacher (784-1200-1200-10, dropout, jitter), the student
 * (784-800-800-10) on hard labels, and the same student distilled from the teacher on the same
 * transfer set (the training set). The teacher's jitter and the temperature are chosen on the first
 * seed's validation data when several are given; every model is scored on the test set once, at
 * the end, and nothing is chosen on it.
 */
export async function runMnistDistill(flags: CommonFlags, context: RunContext, settings: MnistDistillSettings = defaultSettings): Promise<MnistDistillResult> {
  const started = performance.now();
  const data = await loadExampleData({ dir: flags.data, quick: flags.quick });
  const base = flags.quick ? { ...settings, ...quickEpochs } : settings;
  const s: MnistDistillSettings = flags.epochs === null ? base : { ...base, teacherEpochs: flags.epochs, studentEpochs: flags.epochs };
  const curves: Array<{ name: string; points: Array<[number, number]> }> = [];
  let choice = await recordedChoice(context, data.name, s, flags.seeds, (r: SeedResult) => ({
    jitter: r.teacherJitter,
    dropout: r.teacherDropout,
    schedule: r.teacherSchedule,
    mixup: r.teacherMixup,
    temperature: r.temperature,
  }));
  console.log(`data: ${data.source}; ${data.train.size} train / ${data.validation.size} validation / ${data.test.size} test`);

  const { seeds, files, summary } = await runSeeds(flags, context, data, s, { patience: flags.patience, plateau: flags.plateau, paper }, async (seed): Promise<SeedResult> => {
    const run = seedRunOptions(flags, seed, data.validation);
    const report = modelErrorsReporter(seed, data.test.size);
    const firstSeed: boolean = choice === null;

    const picked = await paperTeacherChosen(
      data.train,
      { ...run, validation: data.validation, quick: flags.quick, epochs: s.teacherEpochs },
      { jitters: s.teacherJitters, dropouts: s.teacherDropouts, schedules: s.teacherSchedules, mixups: s.teacherMixups },
      firstSeed ? null : choice,
    );
    const teacher = picked.trained;
    const teacherErrors = modelErrors(teacher, data);
    report(`teacher (${paperTeacherText(picked)})`, teacherErrors);
    const hardErrors = await scoreAndDispose('hard-label student', trainOnLabels(paperStudent(flags.quick), data.train, { ...run, label: 'hard-label student', epochs: s.studentEpochs }), data, report);
    if (firstSeed) curves.push(curveLine('teacher', teacherErrors.validationCurve), curveLine('student, hard labels', hardErrors.validationCurve));

    const temperatures = firstSeed ? s.temperatures : [choice!.temperature];
    const distilled = await withTeacherCache(layersModelTeacher(teacher.model), data.train, async (cache) => {
      const out: SeedResult['distilled'] = [];
      for (const temperature of temperatures) {
        const student = distilStudent(cache, paperStudent(flags.quick), data.train, { temperature, softWeight: s.softWeight, hardWeight: s.hardWeight }, { ...run, label: `student T=${temperature}`, epochs: s.studentEpochs });
        const e = await scoreAndDispose(`student distilled at T = ${temperature}`, student, data, report);
        if (firstSeed) curves.push(curveLine(`student, distilled at T = ${temperature}`, e.validationCurve));
        out.push({ temperature, ...e, gapClosed: gapClosed(hardErrors.testErrors, e.testErrors, teacherErrors.testErrors) });
      }
      return out;
    });
    teacher.model.dispose();
    // Ties go to the first candidate, as for the teacher.
    const temperature = distilled.reduce((best, d) => (d.validationErrors < best.validationErrors ? d : best)).temperature;
    choice ??= { jitter: picked.jitter, dropout: picked.dropout, schedule: picked.schedule, mixup: picked.mixup, temperature };

    return {
      seed,
      teacherLoaded: teacher.loaded === true,
      teacherJitter: picked.jitter,
      teacherDropout: picked.dropout,
      teacherSchedule: picked.schedule,
      teacherMixup: picked.mixup,
      teacherCandidates: picked.candidates,
      teacher: teacherErrors,
      hardStudent: hardErrors,
      distilled,
      temperature: choice.temperature,
    };
  }, writeSummary);

  async function writeSummary(merged: { seeds: SeedResult[]; commands: string[] }): Promise<{ text: string; files: string[]; meanGapClosed: number | null }> {
    const all = merged.seeds;
    const gaps = all.map((r) => chosenStudent(r).gapClosed);
    const meanGap = gaps.length > 0 && gaps.every((g) => g !== null) ? mean(gaps as number[]) : null;
    const wall = (performance.now() - started) / 1000;
    const text = summaryMarkdown(data.name, data.test.size, s, flags.quick, flags.patience, flags.plateau, all, meanGap, provenance(context, data, all.map((r) => r.seed), wall, merged.commands));
    const chart = lineChartSvg({ title: `Validation errors per epoch (${data.name}, seed ${flags.seeds[0]})`, xLabel: 'epoch', yLabel: `errors / ${data.validation.size}`, series: curves });
    const written = [await writeResultFile(context, `${data.name}-summary.md`, text)];
    // A summary-only run trained nothing and has no curves: it leaves the chart of the run that did.
    if (curves.length > 0) written.push(await writeResultFile(context, `${data.name}-validation-curves.svg`, chart));
    return { text, meanGapClosed: meanGap, files: written };
  }
  return { data: data.name, testSize: data.test.size, settings: s, seeds, meanGapClosed: summary.meanGapClosed, files };
}

/** The summary's line for one of the teacher's settings: each candidate's validation errors and the choice; none when the setting trained no candidate of its own. */
function candidateLine<T>(title: string, candidates: ReadonlyArray<Candidate<T>>, chosen: T): string[] {
  return candidates.length > 0 ? [`- ${title}: ${candidates.map((c) => `${c.value}: ${c.validationErrors}`).join(', ')} → ${chosen}`] : [];
}

/** A seed's student distilled at the chosen temperature. */
function chosenStudent(r: SeedResult): SeedResult['distilled'][number] {
  return r.distilled.find((d) => d.temperature === r.temperature)!;
}

function summaryMarkdown(
  dataName: string,
  testSize: number,
  s: MnistDistillSettings,
  quick: boolean,
  patience: number | null,
  plateau: number | null,
  seeds: readonly SeedResult[],
  meanGap: number | null,
  how: string,
): string {
  const pct = (errors: number[]) => `${formatMeanStd(errors.map((e) => (100 * e) / testSize), 2)} %`;
  const row = (name: string, models: ModelErrors[], paperErrors: number | null) => [
    name,
    models.map((m) => m.testErrors).join(', '),
    pct(models.map((m) => m.testErrors)),
    models.map((m) => m.bestEpoch).join(', '),
    paperErrors === null ? '—' : `${paperErrors} (${((100 * paperErrors) / paper.testSize).toFixed(2)} %)`,
  ];
  const teacherName = architectureName(paperTeacher(quick));
  const studentName = architectureName(paperStudent(quick));
  const teacher = {
    jitter: seeds[0]?.teacherJitter ?? s.teacherJitters[0]!,
    dropout: seeds[0]?.teacherDropout ?? s.teacherDropouts[0]!,
    schedule: seeds[0]?.teacherSchedule ?? s.teacherSchedules[0]!,
    mixup: seeds[0]?.teacherMixup ?? s.teacherMixups[0]!,
  };
  const temperature = seeds[0]?.temperature ?? s.temperatures[0]!;
  const rows = [
    row(`teacher ${teacherName}, ${paperTeacherText(teacher)}`, seeds.map((r) => r.teacher), paper.teacherErrors),
    row(`student ${studentName}, hard labels`, seeds.map((r) => r.hardStudent), paper.hardStudentErrors),
    row(`student ${studentName}, distilled at T = ${temperature}`, seeds.map(chosenStudent), temperature === 20 ? paper.distilledT20Errors : null),
  ];
  const chooser = seeds.find((r) => r.teacherCandidates !== null);
  const choices = chooser
    ? [
        `Chosen on validation data (seed ${chooser.seed}; validation errors of ${[s.teacherJitters, s.teacherDropouts, s.teacherSchedules, s.teacherMixups, s.temperatures].some((l) => l.length > 1) ? 'each candidate' : 'the one candidate'}):`,
        '',
        `- the teacher's jitter (hidden dropout ${s.teacherDropouts[0]}): ${chooser.teacherCandidates!.jitter.map((c) => `${c.value} px: ${c.validationErrors}`).join(', ')} → ${chooser.teacherJitter} px`,
        ...candidateLine('then its hidden dropout', chooser.teacherCandidates!.dropout, chooser.teacherDropout),
        ...candidateLine(`then its schedule (${s.teacherEpochs} epochs on the cosine, or early-stopped)`, chooser.teacherCandidates!.schedule, chooser.teacherSchedule),
        ...candidateLine('then its mixup alpha (0: none)', chooser.teacherCandidates!.mixup, chooser.teacherMixup),
        `- the temperature: ${chooser.distilled.map((d) => `T = ${d.temperature}: ${d.validationErrors}`).join(', ')} → T = ${chooser.temperature} (test errors of each: ${chooser.distilled.map((d) => `T = ${d.temperature}: ${d.testErrors}`).join(', ')}, not used to choose)`,
      ]
    : [];
  const gaps = seeds.map((r) => r.hardStudent.testErrors - r.teacher.testErrors);
  const perSeed = seeds.map((r) => chosenStudent(r).gapClosed);
  const closed =
    meanGap === null
      ? 'no gap to close in some seed (its teacher was not better than its hard-label student)'
      : `${(100 * meanGap).toFixed(0)} % of the gap closed`;
  return [
    `# mnist-distill on ${dataName}`,
    '',
    how,
    `- epochs: teacher ${teacher.schedule === 'cosine' ? `${s.teacherEpochs} on the cosine (the learning rate on half a cosine from its start to 0, the best validation epoch's weights kept)` : patience === null ? s.teacherEpochs : `at most ${s.teacherEpochs}`}, students ${patience === null ? s.studentEpochs : `at most ${s.studentEpochs}`}${convergenceText(patience, plateau, teacher.schedule === 'cosine' ? 'every other model' : 'every model')}; Adam, learning rate ${quick ? 0.005 : 0.001}, batch 128; soft weight ${s.softWeight}, hard weight ${s.hardWeight} (fixed in advance)`,
    '',
    ...choices,
    ...(choices.length > 0 ? [''] : []),
    `Test errors out of ${testSize} (per seed; mean ± std of the error rate; the epoch whose weights were kept) beside the paper's out of 10,000 MNIST test digits:`,
    '',
    markdownTable(['model', 'test errors per seed', 'error rate', 'best epoch per seed', 'paper'], rows),
    '',
    `The teacher is ahead of the hard-label student by ${gaps.join(', ')} test errors per seed (${formatMeanStd(gaps, 0)}).`,
    'Gap closed = (errors of the hard-label student − errors distilled) / (errors of the hard-label student − errors of the teacher), mean over seeds:',
    '',
    `- T = ${temperature}: ${closed} (per seed: ${formatShares(perSeed)}); the paper (T = 20): ${(100 * paper.gapClosed).toFixed(0)} %`,
  ].join('\n');
}
