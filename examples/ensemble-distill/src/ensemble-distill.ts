import * as tf from '@tensorflow/tfjs-core';
import { lineChartSvg } from '@kd/plots';
import type { Dataset } from '@kd/data';
import { ensemble, layersModelTeacher } from '@kd/ensemble';
import type { EnsembleCombine, Teacher } from '@kd/ensemble';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { errorCount as errorCountOf } from '@kd/trainer';
import {
  architectureName,
  cachedTraining,
  convergenceText,
  curveLine,
  distilStudent,
  errorCount,
  formatPercent,
  formatShares,
  keptTraining,
  loadExampleData,
  markdownTable,
  mean,
  mlp,
  provenance,
  recipeAugmentation,
  recordedChoice,
  runSeeds,
  scheduleRun,
  seedRunOptions,
  trainOnLabels,
  validationErrorsPerEpoch,
  withRecipeTeacher,
  writeResultFile,
} from '@kd-examples/shared';
import type { CommonFlags, Recipe, RecipeSettings, RunContext, Schedule } from '@kd-examples/shared';

export const combines: readonly EnsembleCombine[] = ['arithmetic', 'geometric', 'logits'];

export interface EnsembleDistillSettings extends RecipeSettings {
  members: number;
  /** Hidden width of the members and of the student (two layers each). */
  width: number;
  memberEpochs: number;
  studentEpochs: number;
  /** The combinations the first seed distils; the one whose student has the fewest validation errors is used for every seed. */
  combines: EnsembleCombine[];
  /** The temperatures each combination is distilled at on the first seed; chosen the same way. */
  temperatures: number[];
  softWeight: number;
  hardWeight: number;
  /**
   * How the students see the training set: the combinations and temperatures are distilled with
   * `plain` (the ensemble's outputs cached once); the chosen one's student then with each augmenting
   * recipe (the ensemble scoring the very images the student sees), and the first seed keeps the
   * recipe in this list whose student has the fewest validation errors.
   */
  recipes: Recipe[];
  /**
   * The students' schedules: the combinations, temperatures and recipes are distilled under the
   * first; the chosen one's student then again under each other, and the first seed keeps the
   * schedule whose student has the fewest validation errors. Under a schedule other than early
   * stopping or with an augmenting recipe, a model of the same architecture and seed trains on hard
   * labels under them too (a control: what the schedule and augmentation alone give).
   */
  schedules: Schedule[];
}

export const defaultSettings: EnsembleDistillSettings = {
  members: 10,
  width: 800,
  memberEpochs: 20,
  studentEpochs: 20,
  combines: [...combines],
  temperatures: [4, 20],
  softWeight: 0.9,
  hardWeight: 0.1,
  recipes: ['plain'],
  studentJitter: 1,
  mixupAlpha: 0.2,
  schedules: ['early-stop'],
};

const quickSettings = { width: 32, memberEpochs: 6, studentEpochs: 6 };

export interface CombineResult {
  combine: EnsembleCombine;
  /** How its students saw the training set. */
  recipe: Recipe;
  /** The schedule its students trained under. */
  schedule: Schedule;
  ensembleTestErrors: number;
  /** Validation errors of the student distilled at each temperature, and after each of its epochs. */
  candidates: Array<{ temperature: number; validationErrors: number; validationCurve: number[] }>;
  /** The temperature whose student had the fewest validation errors (the first listed on a tie). */
  temperature: number;
  studentTestErrors: number;
  studentValidationErrors: number;
  /** (single - student) / (single - ensemble), single = the members' mean test errors; null without a gain. */
  gainKept: number | null;
}

export interface SeedResult {
  seed: number;
  memberTestErrors: number[];
  meanMemberTestErrors: number;
  /**
   * Every combination on the seed that chose (its students at each temperature, plain, under the
   * first schedule), then the chosen one with each augmenting recipe, then under each other
   * schedule; the chosen one on the others.
   */
  combines: CombineResult[];
  /** The combination and temperature whose student had the fewest validation errors on the first seed, then the recipe, then the schedule. */
  chosen: Choice;
  /** One model of the student's architecture and seed on hard labels under the chosen schedule and recipe's augmentation; null under early stopping and plain (the members' own). */
  control: { testErrors: number; validationErrors: number; validationCurve: number[]; gainKept: number | null } | null;
}

type Choice = { combine: EnsembleCombine; temperature: number; recipe: Recipe; schedule: Schedule };

export interface EnsembleDistillResult {
  data: string;
  testSize: number;
  settings: EnsembleDistillSettings;
  seeds: SeedResult[];
  /** Mean over seeds of the gain the chosen combination's student kept. */
  meanGainKept: number | null;
  files: string[];
}

/** The paper's speech result (Table 1, frame accuracy): baseline 58.9 %, 10-model ensemble 61.1 %, distilled single model 60.8 %. */
export const paper = { baselineAccuracy: 0.589, ensembleAccuracy: 0.611, distilledAccuracy: 0.608, gainKept: (0.608 - 0.589) / (0.611 - 0.589) };

/** (from − student) / (from − ensemble): the share of the ensemble's gain over `from` errors the student keeps; null without a gain. */
function gainKept(from: number, studentErrors: number, ensembleErrors: number): number | null {
  return from > ensembleErrors ? (from - studentErrors) / (from - ensembleErrors) : null;
}

function teacherTestErrors(teacher: Teacher, test: Dataset): number {
  return tf.tidy(() => {
    const { x, y } = test.toTensors({ flatten: true });
    return errorCountOf(tf.log(teacher.probs(x)), y);
  });
}

/**
 * For each seed: trains `members` models of the same architecture that differ only in their seed
 * (initial weights, batch order), combines them by each of the three rules of `ensemble()`, and
 * distils each combination into one fresh model of the same architecture on the training set at
 * each temperature, keeping the student with the fewest validation errors. Reports the share of
 * the ensemble's gain over a single model (the members' mean) that the chosen student keeps.
 */
export async function runEnsembleDistill(flags: CommonFlags, context: RunContext, settings: EnsembleDistillSettings = defaultSettings): Promise<EnsembleDistillResult> {
  const started = performance.now();
  const data = await loadExampleData({ dir: flags.data, quick: flags.quick });
  const base = flags.quick ? { ...settings, ...quickSettings } : settings;
  const s: EnsembleDistillSettings = flags.epochs === null ? base : { ...base, memberEpochs: flags.epochs, studentEpochs: flags.epochs };
  const spec = mlp(s.width);
  let chosen = await recordedChoice(context, data.name, s, flags.seeds, (r: SeedResult) => r.chosen);
  console.log(`data: ${data.source}; ${s.members} members ${architectureName(spec)}`);

  const { seeds, files, summary: summaryState } = await runSeeds(flags, context, data, s, { patience: flags.patience, plateau: flags.plateau, paper }, async (seed): Promise<SeedResult> => {
    // Each member and student sets its own seed over this one.
    const run = seedRunOptions(flags, seed, data.validation);
    const members = [];
    for (let k = 0; k < s.members; k++) {
      // Member k of seed s gets seed 100 s + k: the ten differ only in initial weights and batch order.
      const memberSeed = 100 * seed + k;
      const options = { ...run, seed: memberSeed, label: `member ${k + 1}/${s.members}`, epochs: s.memberEpochs };
      const key = { spec, member: memberSeed, epochs: s.memberEpochs, patience: flags.patience, plateau: flags.plateau, lr: options.learningRate ?? 0.001 };
      members.push(await cachedTraining(data.train, { key, quick: flags.quick, label: options.label }, (resumable) => trainOnLabels(spec, data.train, { ...options, ...resumable })));
    }
    const memberTestErrors = members.map((m) => errorCount(m.model, data.test));
    const single = mean(memberTestErrors);
    console.log(`seed ${seed} members: ${memberTestErrors.join(', ')} test errors (mean ${single.toFixed(1)})`);
    const teachers = members.map((m) => layersModelTeacher(m.model));
    // Each combination's test errors, scored once however many recipes and schedules distil it.
    const ensembleErrors = new Map<EnsembleCombine, number>();
    // One combination's students with one recipe under one schedule, one per temperature; the test set scores only the one chosen on validation.
    const distilCombine = async (combine: EnsembleCombine, temperatures: readonly number[], recipe: Recipe, schedule: Schedule): Promise<CombineResult> => {
      const teacher = ensemble(teachers, { combine });
      // Names the ensemble in its students' keys (kept once trained, continued when killed partway).
      const teacherId = teacher.fingerprint().slice(0, 16);
      const ensembleTestErrors = ensembleErrors.get(combine) ?? teacherTestErrors(teacher, data.test);
      ensembleErrors.set(combine, ensembleTestErrors);
      const candidates: CombineResult['candidates'] = [];
      let best: { temperature: number; validationErrors: number; model: LayersModel } | null = null;
      for (const temperature of temperatures) {
        const loss = { temperature, softWeight: s.softWeight, hardWeight: s.hardWeight };
        const options = { ...scheduleRun(run, schedule), ...recipeAugmentation(recipe, s), seed: 100 * seed, label: `student (${combine}, T=${temperature}, ${recipe}, ${schedule})`, epochs: s.studentEpochs };
        const student = await keptTraining(data.train, { student: spec, teacher: teacherId, loss }, { ...options, quick: flags.quick }, (o) =>
          withRecipeTeacher(teacher, data.train, recipe, s, (source) => distilStudent(source, spec, data.train, loss, o), temperature),
        );
        const validationErrors = errorCount(student.model, data.validation);
        candidates.push({ temperature, validationErrors, validationCurve: validationErrorsPerEpoch(student.fit) });
        if (best === null || validationErrors < best.validationErrors) {
          best?.model.dispose();
          best = { temperature, validationErrors, model: student.model };
        } else {
          student.model.dispose();
        }
      }
      const studentTestErrors = errorCount(best!.model, data.test);
      best!.model.dispose();
      const tried = candidates.map((c) => `T=${c.temperature}: ${c.validationErrors}`).join(', ');
      console.log(`seed ${seed} ${combine}, ${recipe}, ${schedule}: ensemble ${ensembleTestErrors}, student (T = ${best!.temperature} chosen on validation errors, ${tried}) ${studentTestErrors} test errors`);
      return { combine, recipe, schedule, ensembleTestErrors, candidates, temperature: best!.temperature, studentTestErrors, studentValidationErrors: best!.validationErrors, gainKept: gainKept(single, studentTestErrors, ensembleTestErrors) };
    };
    // Ties go to the earlier.
    const fewest = (list: CombineResult[]) => list.reduce((a, b) => (b.studentValidationErrors < a.studentValidationErrors ? b : a));
    const results: CombineResult[] = [];
    if (chosen === null) {
      const [first, ...others] = s.schedules;
      for (const combine of s.combines) results.push(await distilCombine(combine, s.temperatures, 'plain', first!));
      const best = fewest(results);
      for (const recipe of s.recipes.filter((r) => r !== 'plain')) results.push(await distilCombine(best.combine, [best.temperature], recipe, first!));
      const { recipe } = fewest(results.filter((r) => r.combine === best.combine && s.recipes.includes(r.recipe)));
      for (const schedule of others) results.push(await distilCombine(best.combine, [best.temperature], recipe, schedule));
      chosen = { combine: best.combine, temperature: best.temperature, recipe, schedule: fewest(results.filter((r) => r.combine === best.combine && r.recipe === recipe)).schedule };
    } else {
      results.push(await distilCombine(chosen.combine, [chosen.temperature], chosen.recipe, chosen.schedule));
    }
    for (const m of members) m.model.dispose();
    let control: SeedResult['control'] = null;
    if (chosen.schedule !== 'early-stop' || chosen.recipe !== 'plain') {
      // The student's seed, schedule and augmentation on hard labels: how much of the student's gain they alone give.
      const options = { ...scheduleRun(run, chosen.schedule), ...recipeAugmentation(chosen.recipe, s), seed: 100 * seed, label: `control (hard labels, ${chosen.recipe}, ${chosen.schedule})`, epochs: s.studentEpochs };
      const trained = await keptTraining(data.train, { student: spec, labels: 'hard' }, { ...options, quick: flags.quick }, (o) => trainOnLabels(spec, data.train, o));
      const testErrors = errorCount(trained.model, data.test);
      const student = chosenOf({ combines: results, chosen });
      control = { testErrors, validationErrors: errorCount(trained.model, data.validation), validationCurve: validationErrorsPerEpoch(trained.fit), gainKept: gainKept(testErrors, student.studentTestErrors, student.ensembleTestErrors) };
      trained.model.dispose();
      console.log(`seed ${seed} control (hard labels, ${chosen.recipe}, ${chosen.schedule}): ${testErrors} test errors`);
    }
    return { seed, memberTestErrors, meanMemberTestErrors: single, combines: results, chosen, control };
  }, writeSummary);

  async function writeSummary(merged: { seeds: SeedResult[]; commands: string[] }): Promise<{ text: string; files: string[]; meanGainKept: number | null }> {
    const all = merged.seeds;
    const written: string[] = [];
    const kept = all.map((r) => chosenOf(r).gainKept);
    const meanGainKept = kept.length > 0 && kept.every((v) => v !== null) ? mean(kept as number[]) : null;
    const wall = (performance.now() - started) / 1000;
    const summary = summaryMarkdown(data.name, data.test.size, s, flags.patience, flags.plateau, all, meanGainKept, provenance(context, data, all.map((r) => r.seed), wall, merged.commands));
    written.push(await writeResultFile(context, `${data.name}-summary.md`, summary));
    const errorRate = (errors: number) => (100 * errors) / data.test.size;
    const chart = lineChartSvg({
      title: `Test error: one model, ensemble, distilled student (${data.name}, per seed)`,
      xLabel: 'seed',
      yLabel: 'test error (%)',
      series: [
        { name: 'single model (mean of members)', points: all.map((r) => [r.seed, errorRate(r.meanMemberTestErrors)] as [number, number]) },
        { name: 'ensemble (chosen combination)', points: all.map((r) => [r.seed, errorRate(chosenOf(r).ensembleTestErrors)] as [number, number]), dashed: true },
        { name: 'student', points: all.map((r) => [r.seed, errorRate(chosenOf(r).studentTestErrors)] as [number, number]) },
      ],
    });
    written.push(await writeResultFile(context, `${data.name}-errors.svg`, chart));
    const curves = curvesChart(data.name, data.validation.size, all);
    if (curves !== null) written.push(await writeResultFile(context, `${data.name}-validation-curves.svg`, curves));
    return { text: summary, files: written, meanGainKept };
  }
  return { data: data.name, testSize: data.test.size, settings: s, seeds, meanGainKept: summaryState.meanGainKept, files };
}

/** The validation errors per epoch of every student the choosing seed trained, and of its control (null when no seed chose). */
function curvesChart(dataName: string, validationSize: number, seeds: readonly SeedResult[]): string | null {
  const chooser = seeds.find((r) => r.combines.length > 1);
  if (chooser === undefined) return null;
  const series = [
    ...chooser.combines.flatMap((c) => c.candidates.map((k) => curveLine(`student, ${c.combine}, T = ${k.temperature}${recipeText(c.recipe)}, ${c.schedule}`, k.validationCurve))),
    ...(chooser.control ? [curveLine(`one model, hard labels${recipeText(chooser.chosen.recipe)}, ${chooser.chosen.schedule} (control)`, chooser.control.validationCurve)] : []),
  ];
  return lineChartSvg({ title: `Validation errors per epoch (${dataName}, seed ${chooser.seed})`, xLabel: 'epoch', yLabel: `errors / ${validationSize}`, series, width: 800, height: 480 });
}

/** A seed's result for the chosen combination, recipe and schedule. */
function chosenOf(r: Pick<SeedResult, 'combines' | 'chosen'>): CombineResult {
  return r.combines.find((c) => c.combine === r.chosen.combine && c.recipe === r.chosen.recipe && c.schedule === r.chosen.schedule)!;
}

/** A recipe in a model's name: nothing for `plain`, else after a comma. */
function recipeText(recipe: Recipe): string {
  return recipe === 'plain' ? '' : `, ${recipe}`;
}

function summaryMarkdown(
  dataName: string,
  testSize: number,
  s: EnsembleDistillSettings,
  patience: number | null,
  plateau: number | null,
  seeds: readonly SeedResult[],
  meanGainKept: number | null,
  how: string,
): string {
  const chooser = seeds.find((r) => r.combines.length > 1) ?? seeds[0];
  const chosen = seeds[0]?.chosen;
  const scheduleText = (schedule: Schedule) => (s.schedules.length > 1 ? `, ${schedule}` : '');
  const controls = seeds.map((r) => r.control).filter((c) => c !== null);
  const beyond = chosen?.recipe === 'plain' ? 'schedule' : 'schedule and augmentation';
  const controlOf = chosen?.recipe === 'plain' ? "the student's seed and schedule" : "the student's seed, schedule and augmentation";
  const rows = [
    ['single model (mean of the members)', seeds.map((r) => r.meanMemberTestErrors.toFixed(1)).join(', '), '—', `${(100 * paper.baselineAccuracy).toFixed(1)} % frame accuracy`],
    ...(controls.length > 0 ? [[`one model, hard labels${recipeText(chosen!.recipe)}, ${chosen!.schedule} (control: ${controlOf})`, controls.map((c) => c.testErrors).join(', '), '—', '—']] : []),
    [
      `${chosen?.combine ?? '—'} ensemble → student at T = ${chosen?.temperature ?? '—'}${chosen ? `${recipeText(chosen.recipe)}${scheduleText(chosen.schedule)}` : ''}`,
      seeds.map((r) => `${chosenOf(r).ensembleTestErrors} → ${chosenOf(r).studentTestErrors}`).join(', '),
      meanGainKept === null ? 'n/a (no ensemble gain in some seed)' : formatPercent(seeds.map((r) => chosenOf(r).gainKept!), 0),
      `ensemble ${(100 * paper.ensembleAccuracy).toFixed(1)} % → student ${(100 * paper.distilledAccuracy).toFixed(1)} %: ${(100 * paper.gainKept).toFixed(0)} % kept`,
    ],
  ];
  const tried = chooser
    ? chooser.combines.map((c) => `${c.combine}${recipeText(c.recipe)}${scheduleText(c.schedule)} (ensemble ${c.ensembleTestErrors} test errors): ${c.candidates.map((k) => `T = ${k.temperature}: ${k.validationErrors}`).join(', ')}`).join('; ')
    : '';
  const cosineText = s.schedules.includes('cosine')
    ? `; the students' schedules: \`early-stop\` (as the members) or \`cosine\` (all ${s.studentEpochs} epochs, the learning rate on half a cosine from its start to 0, the best validation epoch's weights kept), the combination and temperature chosen under the first, then the schedule`
    : '';
  const recipesText = s.recipes.some((r) => r !== 'plain')
    ? `; recipes (the combination and temperature chosen on \`plain\`, the ensemble's outputs cached once, then the recipe): \`jitter\` (images shifted by up to ${s.studentJitter} px, the ensemble scoring the shifted images), \`mixup\` (alpha ${s.mixupAlpha}, the ensemble scoring the mixed images); tried: ${s.recipes.join(', ')}`
    : '';
  return [
    `# ensemble-distill on ${dataName}`,
    '',
    how,
    `- ${s.members} members ${architectureName(mlp(s.width))} (no regularisation), hard labels, ${patience === null ? '' : 'at most '}${s.memberEpochs} epochs, seeds 100·seed + k; students of the same architecture (soft weight ${s.softWeight}, hard weight ${s.hardWeight}), ${patience === null ? '' : 'at most '}${s.studentEpochs} epochs on the training set${convergenceText(patience, plateau)}; Adam, batch 128${recipesText}${cosineText}`,
    ...(chooser ? [`- chosen on validation data (seed ${chooser.seed}, validation errors of each student: ${tried}) → ${chosen!.combine}, T = ${chosen!.temperature}${recipeText(chosen!.recipe)}${scheduleText(chosen!.schedule)}`] : []),
    '',
    `Test errors out of ${testSize} per seed, and the share of the ensemble's gain over one model that the student keeps, (single − student) / (single − ensemble), mean ± std over seeds:`,
    '',
    markdownTable(['model', 'test errors per seed', 'gain kept', 'paper (speech, Table 1)'], rows),
    '',
    ...(controls.length > 0
      ? [`The same share measured from the control instead of the members' mean, (control − student) / (control − ensemble), what distillation adds beyond the ${beyond}: ${formatShares(controls.map((c) => c.gainKept))}.`, '']
      : []),
    "'geometric' and 'logits' give the same soft targets when every member has logits (the geometric mean of softmax(v/T) is the softmax of the mean logits over T); their students differ only by float rounding.",
  ].join('\n');
}
