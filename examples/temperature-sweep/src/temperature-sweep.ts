import { lineChartSvg } from '@kd/plots';
import { layersModelTeacher } from '@kd/ensemble';
import {
  architectureName,
  distilStudent,
  errorCount,
  formatMeanStd,
  loadExampleData,
  markdownTable,
  mean,
  mlp,
  paperTeacher,
  provenance,
  runSeeds,
  seedRunOptions,
  teacherFor,
  withTeacherCache,
  writeResultFile,
} from '@kd-examples/shared';
import type { CommonFlags, RunContext } from '@kd-examples/shared';

export interface TemperatureSweepSettings {
  /** Hidden units per layer of the students (two layers each). */
  widths: number[];
  temperatures: number[];
  teacherEpochs: number;
  studentEpochs: number;
  softWeight: number;
  hardWeight: number;
}

export const defaultSettings: TemperatureSweepSettings = {
  widths: [800, 300, 30],
  temperatures: [1, 2, 3, 4, 6, 8, 12, 20],
  teacherEpochs: 30,
  studentEpochs: 20,
  softWeight: 0.9,
  hardWeight: 0.1,
};

const quickSettings = { widths: [16, 4], temperatures: [1, 4], teacherEpochs: 6, studentEpochs: 4 };

export interface Cell {
  width: number;
  temperature: number;
  validationErrors: number;
  testErrors: number;
}

export interface SeedResult {
  seed: number;
  /** Whether the teacher was loaded from an earlier run's copy rather than trained here. */
  teacherLoaded: boolean;
  teacherTestErrors: number;
  cells: Cell[];
}

export interface TemperatureSweepResult {
  data: string;
  testSize: number;
  validationSize: number;
  settings: TemperatureSweepSettings;
  seeds: SeedResult[];
  /** Per width, the temperature with the fewest validation errors (mean over seeds). */
  bestTemperature: Record<string, number>;
  files: string[];
}

/** The paper (section 3): with 300 or more units per layer any T above 8 gave similar results; with 30 units, T of 2.5 to 4 worked best. */
export const paper = { wide: 'T >= 8 all similar (300+ units)', narrow: 'T = 2.5 to 4 best (30 units)' };

/**
 * For each seed: trains the paper's teacher once, then distils a student of each width at each
 * temperature on the training set (the teacher's logits cached once, served at every T). The best
 * temperature per width is chosen on validation errors; test errors are reported beside them.
 */
export async function runTemperatureSweep(flags: CommonFlags, context: RunContext, settings: TemperatureSweepSettings = defaultSettings): Promise<TemperatureSweepResult> {
  const started = performance.now();
  const data = await loadExampleData({ dir: flags.data, quick: flags.quick });
  const base = flags.quick ? { ...settings, ...quickSettings } : settings;
  const s: TemperatureSweepSettings = flags.epochs === null ? base : { ...base, teacherEpochs: flags.epochs, studentEpochs: flags.epochs };
  console.log(`data: ${data.source}; widths ${s.widths.join(', ')}; temperatures ${s.temperatures.join(', ')}`);

  const { seeds, files, summary: summaryState } = await runSeeds(flags, context, data, s, { paper }, async (seed): Promise<SeedResult> => {
    const run = seedRunOptions(flags, seed, data.validation);
    const teacher = await teacherFor(paperTeacher(flags.quick), data.train, { ...run, label: 'teacher', epochs: s.teacherEpochs, quick: flags.quick, jitterPixels: 2 });
    const teacherTestErrors = errorCount(teacher.model, data.test);
    console.log(`seed ${seed} teacher: ${teacherTestErrors} test errors / ${data.test.size}`);
    const cells = await withTeacherCache(layersModelTeacher(teacher.model), data.train, async (cache) => {
      const out: Cell[] = [];
      for (const width of s.widths) {
        for (const temperature of s.temperatures) {
          const student = await distilStudent(cache, mlp(width), data.train, { temperature, softWeight: s.softWeight, hardWeight: s.hardWeight }, { ...run, label: `student ${width} T=${temperature}`, epochs: s.studentEpochs });
          const cell = { width, temperature, validationErrors: errorCount(student.model, data.validation), testErrors: errorCount(student.model, data.test) };
          student.model.dispose();
          console.log(`seed ${seed} width ${width}, T = ${temperature}: ${cell.validationErrors} validation, ${cell.testErrors} test errors`);
          out.push(cell);
        }
      }
      return out;
    });
    teacher.model.dispose();
    return { seed, teacherLoaded: teacher.loaded, teacherTestErrors, cells };
  }, writeSummary);

  async function writeSummary(merged: { seeds: SeedResult[]; commands: string[] }): Promise<{ text: string; files: string[]; bestTemperature: Record<string, number> }> {
    const all = merged.seeds;
    const written: string[] = [];
    const meanOf = (width: number, temperature: number, key: 'validationErrors' | 'testErrors') =>
      mean(all.map((r) => r.cells.find((c) => c.width === width && c.temperature === temperature)![key]));
    const bestTemperature: Record<string, number> = {};
    for (const width of s.widths) {
      // Ties go to the lower temperature: the list is searched in order and only a strict improvement moves.
      bestTemperature[String(width)] = s.temperatures.reduce((best, t) => (meanOf(width, t, 'validationErrors') < meanOf(width, best, 'validationErrors') ? t : best));
    }
    const wall = (performance.now() - started) / 1000;
    const table = s.widths.map((width) => [
      architectureName(mlp(width)),
      ...s.temperatures.map((t) => `${formatMeanStd(all.map((r) => r.cells.find((c) => c.width === width && c.temperature === t)!.validationErrors))} / ${formatMeanStd(all.map((r) => r.cells.find((c) => c.width === width && c.temperature === t)!.testErrors))}`),
      String(bestTemperature[String(width)]),
    ]);
    const summary = [
      `# temperature-sweep on ${data.name}`,
      '',
      provenance(context, data, all.map((r) => r.seed), wall, merged.commands),
      `- teacher ${architectureName(paperTeacher(flags.quick))} (dropout, 2-pixel jitter), ${s.teacherEpochs} epochs; students distilled for ${s.studentEpochs} epochs on the training set, soft weight ${s.softWeight}, hard weight ${s.hardWeight}; Adam, batch 128`,
      `- teacher test errors per seed: ${all.map((r) => r.teacherTestErrors).join(', ')} of ${data.test.size}`,
      '',
      `Validation errors (of ${data.validation.size}) / test errors (of ${data.test.size}) per student width and temperature, mean ± std over seeds; the best T is chosen on validation errors:`,
      '',
      markdownTable(['student', ...s.temperatures.map((t) => `T = ${t}`), 'best T (validation)'], table),
      '',
      `The paper: ${paper.wide}; ${paper.narrow}.`,
    ].join('\n');
    written.push(await writeResultFile(context, `${data.name}-summary.md`, summary));
    const chart = lineChartSvg({
      title: `Errors against temperature per student width (${data.name}, mean of ${all.length} seed${all.length === 1 ? '' : 's'})`,
      xLabel: 'temperature T',
      yLabel: 'error (%)',
      series: s.widths.flatMap((width) => [
        { name: `${architectureName(mlp(width))} validation`, points: s.temperatures.map((t) => [t, (100 * meanOf(width, t, 'validationErrors')) / data.validation.size] as [number, number]) },
        { name: `${architectureName(mlp(width))} test`, points: s.temperatures.map((t) => [t, (100 * meanOf(width, t, 'testErrors')) / data.test.size] as [number, number]), dashed: true },
      ]),
    });
    written.push(await writeResultFile(context, `${data.name}-errors-by-temperature.svg`, chart));
    return { text: summary, files: written, bestTemperature };
  }
  return { data: data.name, testSize: data.test.size, validationSize: data.validation.size, settings: s, seeds, bestTemperature: summaryState.bestTemperature, files };
}
