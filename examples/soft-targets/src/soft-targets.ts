import { layersModelTeacher } from '@kd/ensemble';
import { lineChartSvg } from '@kd/plots';
import {
  architectureName,
  convergenceText,
  curveLine,
  distilRecipes,
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
  paperTeacherChosen,
  provenance,
  recipeAugmentation,
  recordedChoice,
  runSeeds,
  scheduleRun,
  scoreAndDispose,
  seedRunOptions,
  trainOnLabels,
  trainSchedules,
  writeResultFile,
} from '@kd-examples/shared';
import type { CommonFlags, ExampleData, ModelErrors, PaperTeacherChoice, Recipe, RecipeSettings, RunContext, RunOptions, Schedule, Trained } from '@kd-examples/shared';
import type { Teacher, TeacherCache } from '@kd/ensemble';

export interface SoftTargetsSettings extends RecipeSettings {
  /** The share of the training set the small students see (the paper: 3 %). */
  fraction: number;
  teacherEpochs: number;
  studentEpochs: number;
  /** Candidate temperatures of the soft-target student, chosen on the first seed's validation data. */
  temperatures: number[];
  softWeight: number;
  hardWeight: number;
  /** Candidate jitters of the teacher (trained on all the data), chosen on the first seed. */
  teacherJitters: number[];
  /** Candidate dropout rates of the teacher's hidden units, chosen after the jitter (as in mnist-distill). */
  teacherDropouts: number[];
  /** Candidate recipes of the soft-target student, chosen on the first seed's validation data at the chosen temperature. */
  recipes: Recipe[];
  /**
   * Candidate schedules of the students on the small share, chosen last on the first seed's
   * validation data (the chosen temperature and recipe under each): `early-stop` (the common
   * `--patience` and `--lr-plateau`) or `cosine` (all `studentEpochs` epochs, the learning rate on
   * half a cosine to 0, the best validation epoch's weights kept: a long schedule fixed in advance).
   * The hard-label student on the share chooses among them on its own validation errors; the
   * augmented control trains with the soft-target student's.
   */
  schedules: Schedule[];
}

export const defaultSettings: SoftTargetsSettings = {
  fraction: 0.03,
  teacherEpochs: 30,
  studentEpochs: 60,
  temperatures: [4],
  softWeight: 0.9,
  hardWeight: 0.1,
  teacherJitters: [2],
  teacherDropouts: [0.5],
  recipes: ['plain'],
  schedules: ['early-stop'],
  studentJitter: 2,
  mixupAlpha: 1,
};

const quickEpochs = { teacherEpochs: 6, studentEpochs: 8 };

export interface SeedResult {
  seed: number;
  teacherJitter: number;
  teacherDropout: number;
  teacherCandidates: PaperTeacherChoice['candidates'];
  teacher: ModelErrors;
  /** The student on all the training data, hard labels. */
  allData: ModelErrors;
  /** The student on the small share, hard labels: the one of `hardCandidates` with the fewest validation errors. */
  hardSmall: HardStudent;
  /** The hard-label students on the share: one per candidate schedule on the seed that chose, the chosen one on the others. */
  hardCandidates: HardStudent[];
  /** The student on the small share, hard labels, with the chosen recipe's augmentation (a control: what augmentation alone gives); null with `plain`. */
  hardSmallAugmented: ModelErrors | null;
  /** Soft-target students on the small share: every candidate on the seed that chose, the chosen one on the others. */
  candidates: SoftStudent[];
  temperature: number;
  recipe: Recipe;
  schedule: Schedule;
  softSmall: SoftStudent;
  /** (hard on the share − soft on the share) / (hard on the share − all data): the share of the gap soft targets recover. */
  recovered: number | null;
  /** The same from the augmented hard-label student: what soft targets add beyond the augmentation. */
  recoveredBeyondAugmentation: number | null;
}

type SoftStudent = ModelErrors & { temperature: number; recipe: Recipe; schedule: Schedule };
type HardStudent = ModelErrors & { schedule: Schedule };

export interface SoftTargetsResult {
  data: string;
  settings: SoftTargetsSettings;
  smallSize: number;
  seeds: SeedResult[];
  meanRecovered: number | null;
  files: string[];
}

/** The paper's section 6 (speech, frame accuracy): hard targets on 3 %, soft targets on 3 %, all the data. */
export const paper = { hardSmall: 0.445, softSmall: 0.57, allData: 0.589 };

/**
 * For each seed: the paper's teacher on all the training data, the 800-800 student on all of it,
 * the same student on a fixed, stratified `fraction` of it with hard labels, and on the same
 * examples with the teacher's soft targets (and the labels at a small weight). Every model is
 * early-stopped on validation data when `--patience` is given; the test set is read once per model.
 */
export async function runSoftTargets(flags: CommonFlags, context: RunContext, settings: SoftTargetsSettings = defaultSettings): Promise<SoftTargetsResult> {
  const started = performance.now();
  const data = await loadExampleData({ dir: flags.data, quick: flags.quick });
  const base = flags.quick ? { ...settings, ...quickEpochs } : settings;
  const s: SoftTargetsSettings = flags.epochs === null ? base : { ...base, teacherEpochs: flags.epochs, studentEpochs: flags.epochs };
  // One subset for every seed: the seeds vary the models, not the examples.
  const small = data.train.subsample({ fraction: s.fraction, seed: 0 });
  const student = paperStudent(flags.quick);
  console.log(`data: ${data.source}; ${data.train.size} train (the small share: ${small.size}) / ${data.validation.size} validation / ${data.test.size} test`);
  let choice = await recordedChoice(context, data.name, s, flags.seeds, (r: SeedResult) => ({ jitter: r.teacherJitter, dropout: r.teacherDropout, temperature: r.temperature, recipe: r.recipe, schedule: r.schedule, hardSchedule: r.hardSmall.schedule }));

  const { seeds, files, summary } = await runSeeds(flags, context, data, s, { patience: flags.patience, plateau: flags.plateau, smallSize: small.size, paper }, async (seed): Promise<SeedResult> => {
    const run: RunOptions = { ...seedRunOptions(flags, seed, data.validation), epochs: s.studentEpochs };
    const report = modelErrorsReporter(seed, data.test.size);
    const firstSeed: boolean = choice === null;
    const picked = await paperTeacherChosen(
      data.train,
      { ...run, validation: data.validation, quick: flags.quick, epochs: s.teacherEpochs },
      { jitters: s.teacherJitters, dropouts: s.teacherDropouts },
      firstSeed ? null : { jitter: choice!.jitter, dropout: choice!.dropout },
    );
    const teacher = modelErrors(picked.trained, data);
    report(`teacher (dropout ${picked.dropout}, jitter ${picked.jitter})`, teacher);

    const scored = (name: string, trained: Promise<Trained>) => scoreAndDispose(name, trained, data, report);
    const allData = await scored('student, all data, hard labels', trainOnLabels(student, data.train, { ...run, label: 'student, all data' }));
    const distil = async (source: Teacher | TeacherCache, temperature: number, recipe: Recipe, schedule: Schedule): Promise<SoftStudent> => {
      const e = await scored(
        `student, ${small.size} examples, soft targets at T = ${temperature}, ${recipe}, ${schedule}`,
        distilStudent(source, student, small, { temperature, softWeight: s.softWeight, hardWeight: s.hardWeight }, { ...scheduleRun(run, schedule), ...recipeAugmentation(recipe, s), label: `student, small share, T=${temperature} ${recipe} ${schedule}` }),
      );
      return { ...e, temperature, recipe, schedule };
    };
    // Another seed's choice, or, while this seed chooses, the temperature, the recipe, then the schedule.
    const { students: candidates, chosen: softSmall } = await distilRecipes(layersModelTeacher(picked.trained.model), small, s, choice, distil);
    picked.trained.model.dispose();
    // The hard-label student on the share, its schedule chosen on its own validation errors (the first seed tries each).
    const { candidates: hardCandidates, chosen: hardSmall } = await trainSchedules(firstSeed ? s.schedules : [choice!.hardSchedule], (schedule) =>
      scored(`student, ${small.size} examples, hard labels, ${schedule}`, trainOnLabels(student, small, { ...scheduleRun(run, schedule), label: `student, small share, hard labels ${schedule}` })),
    );
    choice ??= { jitter: picked.jitter, dropout: picked.dropout, temperature: softSmall.temperature, recipe: softSmall.recipe, schedule: softSmall.schedule, hardSchedule: hardSmall.schedule };
    // The control: the soft-target student's recipe and schedule, with hard labels.
    const hardSmallAugmented =
      choice.recipe === 'plain'
        ? null
        : await scored(
            `student, ${small.size} examples, hard labels, ${choice.recipe}, ${choice.schedule}`,
            trainOnLabels(student, small, { ...scheduleRun(run, choice.schedule), ...recipeAugmentation(choice.recipe, s), label: `student, small share, hard labels, ${choice.recipe} ${choice.schedule}` }),
          );
    return {
      seed,
      teacherJitter: picked.jitter,
      teacherDropout: picked.dropout,
      teacherCandidates: picked.candidates,
      teacher,
      allData,
      hardSmall,
      hardCandidates,
      hardSmallAugmented,
      candidates,
      temperature: choice.temperature,
      recipe: choice.recipe,
      schedule: choice.schedule,
      softSmall,
      recovered: gapClosed(hardSmall.testErrors, softSmall.testErrors, allData.testErrors),
      recoveredBeyondAugmentation: hardSmallAugmented ? gapClosed(hardSmallAugmented.testErrors, softSmall.testErrors, allData.testErrors) : null,
    };
  }, writeSummary);

  async function writeSummary(merged: { seeds: SeedResult[]; commands: string[] }): Promise<{ text: string; files: string[]; meanRecovered: number | null }> {
    const all = merged.seeds;
    const values = all.map((r) => r.recovered);
    const meanRecovered = values.length > 0 && values.every((v) => v !== null) ? mean(values as number[]) : null;
    const wall = (performance.now() - started) / 1000;
    const text = summaryMarkdown(data, s, small.size, flags.quick, flags.patience, flags.plateau, all, meanRecovered, provenance(context, data, all.map((r) => r.seed), wall, merged.commands));
    const written = [await writeResultFile(context, `${data.name}-summary.md`, text)];
    const chart = curvesChart(data, small.size, all);
    if (chart !== null) written.push(await writeResultFile(context, `${data.name}-validation-curves.svg`, chart));
    return { text, meanRecovered, files: written };
  }
  return { data: data.name, settings: s, smallSize: small.size, seeds, meanRecovered: summary.meanRecovered, files };
}

/** The validation errors per epoch of the models the choosing seed trained, from its results (null when no seed chose). */
function curvesChart(data: ExampleData, smallSize: number, seeds: readonly SeedResult[]): string | null {
  const chooser = seeds.find((r) => r.teacherCandidates !== null);
  if (chooser === undefined) return null;
  const series = [
    curveLine('all the data, hard labels', chooser.allData.validationCurve),
    ...chooser.hardCandidates.map((h) => curveLine(`${smallSize}, hard labels, ${h.schedule}`, h.validationCurve)),
    ...(chooser.hardSmallAugmented ? [curveLine(`${smallSize}, hard labels, ${chooser.recipe}, ${chooser.schedule} (control)`, chooser.hardSmallAugmented.validationCurve)] : []),
    // The soft-target students at the chosen temperature (the others are in the summary's choice line).
    ...chooser.candidates.filter((c) => c.temperature === chooser.temperature).map((c) => curveLine(`${smallSize}, soft targets, T = ${c.temperature}, ${c.recipe}, ${c.schedule}`, c.validationCurve)),
  ];
  return lineChartSvg({ title: `Validation errors per epoch (${data.name}, seed ${chooser.seed})`, xLabel: 'epoch', yLabel: `errors / ${data.validation.size}`, series, width: 800, height: 480 });
}

function summaryMarkdown(data: ExampleData, s: SoftTargetsSettings, smallSize: number, quick: boolean, patience: number | null, plateau: number | null, seeds: readonly SeedResult[], meanRecovered: number | null, how: string): string {
  const testSize = data.test.size;
  const row = (name: string, perSeed: Array<ModelErrors | null>, paperAccuracy: number | null) => {
    const models = perSeed.filter((m): m is ModelErrors => m !== null);
    return [
      name,
      models.map((m) => m.testErrors).join(', '),
      `${formatMeanStd(models.map((m) => 100 - (100 * m.testErrors) / testSize), 2)} %`,
      models.map((m) => m.bestEpoch).join(', '),
      paperAccuracy === null ? '—' : `${(100 * paperAccuracy).toFixed(1)} %`,
    ];
  };
  const name = architectureName(paperStudent(quick));
  const chooser = seeds.find((r) => r.teacherCandidates !== null);
  const temperature = seeds[0]?.temperature ?? s.temperatures[0]!;
  const recipe = seeds[0]?.recipe ?? s.recipes[0]!;
  const schedule = seeds[0]?.schedule ?? s.schedules[0]!;
  const hardSchedule = seeds[0]?.hardSmall.schedule ?? s.schedules[0]!;
  const cosineText = s.schedules.includes('cosine')
    ? `; schedules of the students on the share: \`early-stop\` (as above) or \`cosine\` (all ${s.studentEpochs} epochs, the learning rate on half a cosine from its start to 0, the best validation epoch's weights kept)`
    : '';
  // The schedule in a model's name, when there was a choice: ', cosine' after a recipe, ' cosine' within a list of candidates.
  const scheduleText = (candidate: Schedule, separator = ', ') => (s.schedules.length > 1 ? `${separator}${candidate}` : '');
  return [
    `# soft-targets on ${data.name}`,
    '',
    how,
    `- the small share: ${smallSize} of ${data.train.size} training examples (${(100 * s.fraction).toFixed(0)} %, stratified, the same for every seed); epochs: teacher ${patience === null ? '' : 'at most '}${s.teacherEpochs}, students ${patience === null ? '' : 'at most '}${s.studentEpochs}${convergenceText(patience, plateau)}; soft weight ${s.softWeight}, hard weight ${s.hardWeight}; Adam, learning rate ${quick ? 0.005 : 0.001}, batch 128; recipes: jitter ${s.studentJitter} px, mixup alpha ${s.mixupAlpha}${cosineText}`,
    '',
    ...(chooser
      ? [
          `Chosen on validation data (seed ${chooser.seed}): the teacher's jitter ${chooser.teacherCandidates!.jitter.map((c) => `${c.value} px: ${c.validationErrors}`).join(', ')} → ${chooser.teacherJitter} px${chooser.teacherCandidates!.dropout.length > 0 ? `, then its hidden dropout ${chooser.teacherCandidates!.dropout.map((c) => `${c.value}: ${c.validationErrors}`).join(', ')} → ${chooser.teacherDropout}` : ''}; the temperature, the recipe${s.schedules.length > 1 ? ' and the schedule' : ''} ${chooser.candidates.map((c) => `T = ${c.temperature} ${c.recipe}${scheduleText(c.schedule, ' ')}: ${c.validationErrors}`).join(', ')} → T = ${chooser.temperature}, ${chooser.recipe}${scheduleText(chooser.schedule)} (their test errors, not used to choose: ${chooser.candidates.map((c) => c.testErrors).join(', ')})${s.schedules.length > 1 ? `; the hard-label student's schedule ${chooser.hardCandidates.map((c) => `${c.schedule}: ${c.validationErrors}`).join(', ')} → ${chooser.hardSmall.schedule}` : ''}.`,
          '',
        ]
      : []),
    `Test errors out of ${testSize} per seed and test accuracy (mean ± std), beside the paper's frame accuracy (speech):`,
    '',
    markdownTable(
      ['model', 'test errors per seed', 'test accuracy', 'best epoch per seed', 'paper'],
      [
        row(`student ${name}, all the data, hard labels`, seeds.map((r) => r.allData), paper.allData),
        row(`student ${name}, ${smallSize} examples, hard labels${scheduleText(hardSchedule)}`, seeds.map((r) => r.hardSmall), paper.hardSmall),
        ...(recipe !== 'plain' ? [row(`student ${name}, ${smallSize} examples, hard labels, ${recipe}${scheduleText(schedule)} (control)`, seeds.map((r) => r.hardSmallAugmented), null)] : []),
        row(`student ${name}, ${smallSize} examples, soft targets at T = ${temperature}${recipe === 'plain' ? '' : `, ${recipe}`}${scheduleText(schedule)}`, seeds.map((r) => r.softSmall), paper.softSmall),
      ],
    ),
    '',
    `Recovered = (errors, hard labels on the share − errors, soft targets on the share) / (errors, hard labels on the share − errors, all the data): ${meanRecovered === null ? 'n/a' : `${(100 * meanRecovered).toFixed(0)} % on average`} (per seed: ${formatShares(seeds.map((r) => r.recovered))}); the paper: ${((100 * (paper.softSmall - paper.hardSmall)) / (paper.allData - paper.hardSmall)).toFixed(0)} %.`,
    ...(recipe !== 'plain' ? ['', `The same from the hard-label student with the same ${recipe} augmentation (what soft targets add beyond it): ${formatShares(seeds.map((r) => r.recoveredBeyondAugmentation))}.`] : []),
  ].join('\n');
}
