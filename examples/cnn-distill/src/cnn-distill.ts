import { lineChartSvg } from '@kd/plots';
import { layersModelTeacher } from '@kd/ensemble';
import {
  architectureName,
  chooseOnValidation,
  cnnTeacher,
  convergenceText,
  curveLine,
  distilRecipes,
  distilStudent,
  formatMeanStd,
  formatShares,
  gapClosed,
  keptTraining,
  loadExampleData,
  markdownTable,
  mean,
  modelErrors,
  modelErrorsReporter,
  paperStudent,
  provenance,
  recipeAugmentation,
  recordedChoice,
  runSeeds,
  scheduleRun,
  scoreAndDispose,
  seedRunOptions,
  teacherFor,
  trainOnLabels,
  trainSchedules,
  writeResultFile,
} from '@kd-examples/shared';
import type { Candidate, CommonFlags, ExampleData, ModelErrors, Recipe, RecipeSettings, RunContext, RunOptions, Schedule, Trained } from '@kd-examples/shared';
import type { Dataset } from '@kd/data';
import type { Teacher, TeacherCache } from '@kd/ensemble';

export interface CnnDistillSettings extends RecipeSettings {
  teacherEpochs: number;
  studentEpochs: number;
  /** Candidate temperatures, chosen on the first seed's validation data with the plain recipe. */
  temperatures: number[];
  softWeight: number;
  hardWeight: number;
  /** Candidate jitters of the teacher's training images (pixels), chosen on the first seed. */
  teacherJitters: number[];
  /** Candidate recipes, chosen on the first seed's validation data at the chosen temperature. */
  recipes: Recipe[];
  /**
   * Candidate schedules of the students, chosen last on the first seed's validation data (the
   * chosen temperature and recipe under each); the hard-label student chooses among them on its
   * own validation errors, the control trains under the distilled student's.
   */
  schedules: Schedule[];
}

export const defaultSettings: CnnDistillSettings = {
  teacherEpochs: 40,
  studentEpochs: 40,
  temperatures: [4],
  softWeight: 0.9,
  hardWeight: 0.1,
  teacherJitters: [0],
  recipes: ['plain'],
  schedules: ['early-stop'],
  studentJitter: 1,
  mixupAlpha: 0.2,
};

const quickEpochs = { teacherEpochs: 4, studentEpochs: 4 };

/** The settings a run uses: the quick run's epochs, or `--epochs` for every model. */
export function runSettings(flags: CommonFlags, settings: CnnDistillSettings): CnnDistillSettings {
  const base = flags.quick ? { ...settings, ...quickEpochs } : settings;
  return flags.epochs === null ? base : { ...base, teacherEpochs: flags.epochs, studentEpochs: flags.epochs };
}

/** The CNN teacher of a seed trained with `jitter` pixels, or the one an earlier run of the same settings kept. */
export function cnnTeacherFor(flags: CommonFlags, train: Dataset, run: RunOptions, s: CnnDistillSettings, jitter: number): Promise<Trained & { loaded: boolean }> {
  return teacherFor(cnnTeacher(flags.quick), train, { ...run, label: `CNN teacher (jitter ${jitter})`, epochs: s.teacherEpochs, quick: flags.quick, jitterPixels: jitter });
}

type Distilled = ModelErrors & { temperature: number; recipe: Recipe; schedule: Schedule };
type HardStudent = ModelErrors & { schedule: Schedule };

export interface SeedResult {
  seed: number;
  teacherLoaded: boolean;
  teacherJitter: number;
  /** On the seed that chose, each candidate jitter's validation errors; else null. */
  teacherCandidates: Array<Candidate<number>> | null;
  teacher: ModelErrors;
  /** The student on hard labels, plain: the baseline the gap is measured from; the one of `hardCandidates` with the fewest validation errors. */
  hardStudent: HardStudent;
  /** The hard-label students: one per candidate schedule on the seed that chose, the chosen one on the others. */
  hardCandidates: HardStudent[];
  /** The student on hard labels with the chosen recipe's augmentation (a control: what augmentation alone gives); null with `plain`. */
  hardStudentAugmented: ModelErrors | null;
  /** Every student distilled on this seed: the candidates on the seed that chose, the chosen one on the others. */
  candidates: Distilled[];
  temperature: number;
  recipe: Recipe;
  schedule: Schedule;
  distilled: Distilled;
  /** Share of the gap between the hard-label student and the teacher the distilled student closed. */
  gapClosed: number | null;
  /** The same from the augmented hard-label student: what distillation adds beyond augmentation. */
  gapClosedBeyondAugmentation: number | null;
}

export interface CnnDistillResult {
  data: string;
  testSize: number;
  settings: CnnDistillSettings;
  seeds: SeedResult[];
  meanGapClosed: number | null;
  files: string[];
}

/** The PyTorch reference of shared/reference (seed 0, Fashion-MNIST, 10,000 test images). */
export const reference = { teacherErrors: 824, hardStudentErrors: 1072, distilledErrors: 988, temperature: 4, gapClosed: 0.34 };

/**
 * For each seed: the CNN teacher, the 800-800 MLP student on hard labels, and the same student
 * distilled from the teacher, the temperature and the recipe chosen on the first seed's
 * validation data (each candidate reported). With an augmenting recipe, a hard-label student with
 * the same augmentation is trained too, so the gap distillation closes can be told apart from what
 * augmentation alone gives. The test set is read once per model, at the end.
 */
export async function runCnnDistill(flags: CommonFlags, context: RunContext, settings: CnnDistillSettings = defaultSettings): Promise<CnnDistillResult> {
  const started = performance.now();
  const data = await loadExampleData({ dir: flags.data, quick: flags.quick });
  const s = runSettings(flags, settings);
  const studentSpec = paperStudent(flags.quick);
  const curves: Array<{ name: string; points: Array<[number, number]> }> = [];
  let choice = await recordedChoice(context, data.name, s, flags.seeds, (r: SeedResult) => ({ jitter: r.teacherJitter, temperature: r.temperature, recipe: r.recipe, schedule: r.schedule, hardSchedule: r.hardStudent.schedule }));
  console.log(`data: ${data.source}; ${data.train.size} train / ${data.validation.size} validation / ${data.test.size} test`);

  const { seeds, files, summary } = await runSeeds(flags, context, data, s, { patience: flags.patience, plateau: flags.plateau, reference }, async (seed): Promise<SeedResult> => {
    const run: RunOptions = { ...seedRunOptions(flags, seed, data.validation), epochs: s.studentEpochs };
    const report = modelErrorsReporter(seed, data.test.size);
    const firstSeed: boolean = choice === null;

    const teacherWith = (jitter: number) => cnnTeacherFor(flags, data.train, run, s, jitter);
    const picked: { chosen: number; trained: Trained & { loaded?: boolean }; candidates: Array<Candidate<number>> | null } = firstSeed
      ? await chooseOnValidation(s.teacherJitters, data.validation, teacherWith)
      : { chosen: choice!.jitter, trained: await teacherWith(choice!.jitter), candidates: null };
    const teacherModel = picked.trained;
    const teacher = modelErrors(teacherModel, data);
    report(`CNN teacher (jitter ${picked.chosen})`, teacher);
    if (firstSeed) curves.push(curveLine('CNN teacher', teacher.validationCurve));
    const scheduleText = (schedule: Schedule) => scheduleSuffix(s, schedule);
    // Each student is kept once trained, and one killed partway continues from its last epoch when the command runs again.
    const keptStudent = (key: Record<string, unknown>, options: RunOptions, train: (o: RunOptions) => Promise<Trained>) =>
      keptTraining(data.train, { student: studentSpec, ...key }, { ...options, quick: flags.quick }, train);
    const labels = (options: RunOptions) => keptStudent({ labels: 'hard' }, options, (o) => trainOnLabels(studentSpec, data.train, o));
    const teacherOfStudents = layersModelTeacher(teacherModel.model);
    // Names the teacher in its students' keys: a hash of its weights.
    const teacherId = teacherOfStudents.fingerprint().slice(0, 16);
    // A student's errors (its validation curve drawn on the seed that chooses), the model disposed.
    const scored = async (name: string, trained: Promise<Trained>): Promise<ModelErrors> => {
      const e = await scoreAndDispose(name, trained, data, report);
      if (firstSeed) curves.push(curveLine(name, e.validationCurve));
      return e;
    };
    // The hard-label student, its schedule chosen on its own validation errors (the first seed tries each).
    const { candidates: hardCandidates, chosen: hardStudent } = await trainSchedules(firstSeed ? s.schedules : [choice!.hardSchedule], (schedule) =>
      scored(`student, hard labels${scheduleText(schedule)}`, labels({ ...scheduleRun(run, schedule), label: `hard-label student ${schedule}` })),
    );

    const distil = async (source: Teacher | TeacherCache, temperature: number, recipe: Recipe, schedule: Schedule): Promise<Distilled> => {
      const loss = { temperature, softWeight: s.softWeight, hardWeight: s.hardWeight };
      const options = { ...scheduleRun(run, schedule), ...recipeAugmentation(recipe, s), label: `student T=${temperature} ${recipe} ${schedule}` };
      const e = await scored(
        `student, T = ${temperature}, ${recipe}${scheduleText(schedule)}`,
        keptStudent({ teacher: teacherId, loss }, options, (o) => distilStudent(source, studentSpec, data.train, loss, o)),
      );
      return { ...e, temperature, recipe, schedule };
    };
    const { students: candidates, chosen: distilled } = await distilRecipes(teacherOfStudents, data.train, s, choice, distil);
    choice ??= { jitter: picked.chosen, temperature: distilled.temperature, recipe: distilled.recipe, schedule: distilled.schedule, hardSchedule: hardStudent.schedule };
    const chosen = choice;
    // The control: the distilled student's recipe and schedule, with hard labels.
    const hardStudentAugmented =
      chosen.recipe === 'plain'
        ? null
        : await scored(
            `student, hard labels, ${chosen.recipe}${scheduleText(chosen.schedule)} (control)`,
            labels({ ...scheduleRun(run, chosen.schedule), ...recipeAugmentation(chosen.recipe, s), label: `hard-label student, ${chosen.recipe} ${chosen.schedule}` }),
          );
    teacherModel.model.dispose();

    return {
      seed,
      teacherLoaded: picked.trained.loaded === true,
      teacherJitter: picked.chosen,
      teacherCandidates: picked.candidates,
      teacher,
      hardStudent,
      hardCandidates,
      hardStudentAugmented,
      candidates,
      temperature: chosen.temperature,
      recipe: chosen.recipe,
      schedule: chosen.schedule,
      distilled,
      gapClosed: gapClosed(hardStudent.testErrors, distilled.testErrors, teacher.testErrors),
      gapClosedBeyondAugmentation: hardStudentAugmented ? gapClosed(hardStudentAugmented.testErrors, distilled.testErrors, teacher.testErrors) : null,
    };
  }, writeSummary);

  async function writeSummary(merged: { seeds: SeedResult[]; commands: string[] }): Promise<{ text: string; files: string[]; meanGapClosed: number | null }> {
    const all = merged.seeds;
    const gaps = all.map((r) => r.gapClosed);
    const meanGap = gaps.length > 0 && gaps.every((g) => g !== null) ? mean(gaps as number[]) : null;
    const wall = (performance.now() - started) / 1000;
    const text = summaryMarkdown(data, s, flags.quick, flags.patience, flags.plateau, all, meanGap, provenance(context, data, all.map((r) => r.seed), wall, merged.commands));
    const written = [await writeResultFile(context, `${data.name}-summary.md`, text)];
    if (curves.length > 0) {
      const chart = lineChartSvg({ title: `Validation errors per epoch (${data.name}, seed ${flags.seeds[0]})`, xLabel: 'epoch', yLabel: `errors / ${data.validation.size}`, series: curves });
      written.push(await writeResultFile(context, `${data.name}-validation-curves.svg`, chart));
    }
    return { text, meanGapClosed: meanGap, files: written };
  }
  return { data: data.name, testSize: data.test.size, settings: s, seeds, meanGapClosed: summary.meanGapClosed, files };
}

/** `, <schedule>` in a model's name when there is a schedule to choose; nothing otherwise. */
function scheduleSuffix(s: CnnDistillSettings, schedule: Schedule): string {
  return s.schedules.length > 1 ? `, ${schedule}` : '';
}

function summaryMarkdown(data: ExampleData, s: CnnDistillSettings, quick: boolean, patience: number | null, plateau: number | null, seeds: readonly SeedResult[], meanGap: number | null, how: string): string {
  const testSize = data.test.size;
  const pct = (errors: number[]) => `${formatMeanStd(errors.map((e) => (100 * e) / testSize), 2)} %`;
  const row = (name: string, models: Array<ModelErrors | null>, referenceErrors: number | null) => {
    const present = models.filter((m): m is ModelErrors => m !== null);
    return [name, present.map((m) => m.testErrors).join(', '), present.length ? pct(present.map((m) => m.testErrors)) : '—', present.map((m) => m.bestEpoch).join(', '), referenceErrors === null ? '—' : String(referenceErrors)];
  };
  const first = seeds[0];
  const student = architectureName(paperStudent(quick));
  const recipe = first?.recipe ?? s.recipes[0]!;
  const temperature = first?.temperature ?? s.temperatures[0]!;
  const schedule = first?.schedule ?? s.schedules[0]!;
  const scheduleText = (candidate: Schedule) => scheduleSuffix(s, candidate);
  const rows = [
    row(`teacher ${architectureName(cnnTeacher(quick))}, dropout${(first?.teacherJitter ?? 0) > 0 ? `, ${first!.teacherJitter}-pixel jitter` : ''}`, seeds.map((r) => r.teacher), reference.teacherErrors),
    row(`student ${student}, hard labels${scheduleText(first?.hardStudent.schedule ?? schedule)}`, seeds.map((r) => r.hardStudent), reference.hardStudentErrors),
    ...(recipe !== 'plain' ? [row(`student ${student}, hard labels, ${recipe}${scheduleText(schedule)} (control)`, seeds.map((r) => r.hardStudentAugmented), null)] : []),
    row(`student ${student}, distilled at T = ${temperature}, ${recipe}${scheduleText(schedule)}`, seeds.map((r) => r.distilled), reference.distilledErrors),
  ];
  // With the cosine schedule alone, only the teacher early-stops.
  const cosineOnly = !s.schedules.includes('early-stop');
  const cosine = `\`cosine\` (all ${s.studentEpochs} epochs, the learning rate on half a cosine from its start to 0, the best validation epoch's weights kept)`;
  const cosineText = !s.schedules.includes('cosine') ? '' : cosineOnly ? `; every student on ${cosine}` : `; schedules: \`early-stop\` (as above) or ${cosine}`;
  const upTo = patience === null ? '' : 'at most ';
  const chooser = seeds.find((r) => r.teacherCandidates !== null);
  return [
    `# cnn-distill on ${data.name}`,
    '',
    how,
    `- epochs: teacher ${upTo}${s.teacherEpochs}, students ${cosineOnly ? '' : upTo}${s.studentEpochs}${convergenceText(patience, plateau, cosineOnly ? 'the teacher' : 'every model')}; Adam, learning rate ${quick ? 0.005 : 0.001}, batch 128; soft weight ${s.softWeight}, hard weight ${s.hardWeight}; recipes: jitter ${s.studentJitter} px, mixup alpha ${s.mixupAlpha}${cosineText}`,
    '',
    ...(chooser
      ? [
          `Chosen on validation data (seed ${chooser.seed}; validation errors):`,
          '',
          `- the teacher's jitter: ${chooser.teacherCandidates!.map((c) => `${c.value} px: ${c.validationErrors}`).join(', ')} → ${chooser.teacherJitter} px`,
          `- the temperature, the recipe${s.schedules.length > 1 ? ' and the schedule' : ''}: ${chooser.candidates.map((c) => `T = ${c.temperature} ${c.recipe}${scheduleText(c.schedule)}: ${c.validationErrors}`).join(', ')} → T = ${chooser.temperature}, ${chooser.recipe}${scheduleText(chooser.schedule)} (their test errors, not used to choose: ${chooser.candidates.map((c) => `${c.testErrors}`).join(', ')})`,
          ...(s.schedules.length > 1 ? [`- the hard-label student's schedule: ${chooser.hardCandidates.map((c) => `${c.schedule}: ${c.validationErrors}`).join(', ')} → ${chooser.hardStudent.schedule}`] : []),
          '',
        ]
      : []),
    `Test errors out of ${testSize} (per seed; mean ± std of the error rate; the epoch whose weights were kept), beside the PyTorch reference (seed 0, shared/reference):`,
    '',
    markdownTable(['model', 'test errors per seed', 'error rate', 'best epoch per seed', 'reference'], rows),
    '',
    'Gap closed = (errors of the hard-label student − errors distilled) / (errors of the hard-label student − errors of the teacher):',
    '',
    `- from the plain hard-label student (the target's measure): ${meanGap === null ? 'n/a' : `${(100 * meanGap).toFixed(0)} % on average`} (per seed: ${formatShares(seeds.map((r) => r.gapClosed))}); the reference: ${(100 * reference.gapClosed).toFixed(0)} % (T = ${reference.temperature}, plain)`,
    ...(recipe !== 'plain' ? [`- from the hard-label student with the same ${recipe} augmentation (what distillation adds beyond it): ${formatShares(seeds.map((r) => r.gapClosedBeyondAugmentation))}`] : []),
  ].join('\n');
}
