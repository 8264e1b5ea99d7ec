import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { layersModelTeacher } from '@kd/ensemble';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import {
  distilStudent,
  errorCount,
  loadExampleData,
  paperStudent,
  recipeAugmentation,
  runHeader,
  scheduleRun,
  seedRunOptions,
  trainedEpochs,
  validationErrorsPerEpoch,
  withTeacherCache,
  writeResultFile,
} from '@kd-examples/shared';
import type { CommonFlags, DistillSettings, LossSpec, RunContext, RunOptions } from '@kd-examples/shared';
import type { Architecture } from '@kd/trainer';
import { cnnTeacherFor, runSettings } from './cnn-distill';
import type { CnnDistillSettings } from './cnn-distill';

/**
 * One change to the distilled student the settings describe (the first temperature, consistent
 * jitter, the cosine schedule), each on its own: `chosen` (no change), `soft-only` (soft weight 1,
 * hard weight 0), `temperature-1`, `logit-matching` (Ba & Caruana's regression on logits, the soft
 * term's high-temperature limit, with the same weights), `student-dropout` (dropout `studentDropout`
 * on the student's hidden units), `jitter-mixup` (mixup on the jittered images, the live teacher
 * scoring the very mixed images).
 */
export type Ablation = 'chosen' | 'soft-only' | 'temperature-1' | 'logit-matching' | 'student-dropout' | 'jitter-mixup';
export const ablationNames: readonly Ablation[] = ['chosen', 'soft-only', 'temperature-1', 'logit-matching', 'student-dropout', 'jitter-mixup'];

/** The hidden-unit dropout of the `student-dropout` ablation. */
export const studentDropout = 0.2;

/** One ablated student: its validation errors only (the test set is not read). */
export interface AblationResult {
  ablation: Ablation;
  validationErrors: number;
  bestEpoch: number;
  epochs: number;
  validationCurve: number[];
  seconds: number;
}

/** How an ablated student is trained: its loss, its architecture, its augmentation. */
function ablated(ablation: Ablation, s: CnnDistillSettings, quick: boolean): { loss: DistillSettings | LossSpec; spec: Architecture; augment: Pick<RunOptions, 'jitterPixels' | 'mixupAlpha'> } {
  const chosen: DistillSettings = { temperature: s.temperatures[0]!, softWeight: s.softWeight, hardWeight: s.hardWeight };
  const student = paperStudent(quick);
  const jitter = recipeAugmentation('jitter', s);
  switch (ablation) {
    case 'soft-only':
      return { loss: { ...chosen, softWeight: 1, hardWeight: 0 }, spec: student, augment: jitter };
    case 'temperature-1':
      return { loss: { ...chosen, temperature: 1 }, spec: student, augment: jitter };
    case 'logit-matching':
      return { loss: { key: 'logitMatching', options: { weight: s.softWeight, hardWeight: s.hardWeight } }, spec: student, augment: jitter };
    case 'student-dropout':
      return { loss: chosen, spec: { ...student, dropout: studentDropout }, augment: jitter };
    case 'jitter-mixup':
      return { loss: chosen, spec: student, augment: recipeAugmentation('jitter-mixup', s) };
    default:
      return { loss: chosen, spec: student, augment: jitter };
  }
}

/**
 * The ablations an earlier run wrote to `path` with the same settings (runs of other ablations side
 * by side add up to one file), with the commands that ran them; null when there are none.
 */
async function recordedAblations(path: string, s: CnnDistillSettings): Promise<{ ablations: AblationResult[]; commands: string[] } | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  const record = JSON.parse(text) as { settings: unknown; studentDropout: number; ablations: AblationResult[]; commands: string[] };
  return JSON.stringify(record.settings) === JSON.stringify(s) && record.studentDropout === studentDropout ? record : null;
}

/**
 * For each seed: the CNN teacher (the first of `teacherJitters`, loaded when an earlier run trained
 * it), then one student per ablation, each trained for `studentEpochs` on the cosine schedule and
 * scored on validation data only, as evidence of what each change does to the chosen student.
 * Writes `<data>-ablations-seed<k>.json`, with the other ablations an earlier run of the same
 * settings wrote there, in the order of {@link ablationNames}. Students with jitter alone read a
 * cache of the teacher's outputs on every shift; `jitter-mixup` reads the live teacher.
 */
export async function runAblations(flags: CommonFlags, context: RunContext, settings: CnnDistillSettings, ablations: readonly Ablation[]): Promise<{ files: string[]; seeds: Array<{ seed: number; ablations: AblationResult[] }> }> {
  const data = await loadExampleData({ dir: flags.data, quick: flags.quick });
  const s = runSettings(flags, settings);
  const files: string[] = [];
  const seeds: Array<{ seed: number; ablations: AblationResult[] }> = [];
  for (const seed of flags.seeds) {
    const started = performance.now();
    const run: RunOptions = { ...seedRunOptions(flags, seed, data.validation), epochs: s.studentEpochs };
    const trained = await cnnTeacherFor(flags, data.train, run, s, s.teacherJitters[0]!);
    const teacher = layersModelTeacher(trained.model);
    const student = async (ablation: Ablation, source: Teacher | TeacherCache): Promise<AblationResult> => {
      const { loss, spec, augment } = ablated(ablation, s, flags.quick);
      const t = await distilStudent(source, spec, data.train, loss, { ...scheduleRun(run, 'cosine'), ...augment, label: `student, ${ablation}` });
      const result = { ablation, validationErrors: errorCount(t.model, data.validation), ...trainedEpochs(t), validationCurve: validationErrorsPerEpoch(t.fit), seconds: Math.round(t.seconds) };
      t.model.dispose();
      console.log(`seed ${seed} student, ${ablation}: ${result.validationErrors} validation errors / ${data.validation.size} (best epoch ${result.bestEpoch} of ${result.epochs}, ${result.seconds} s)`);
      return result;
    };
    const results = new Map<Ablation, AblationResult>();
    // Mixed images are new every step: those students read the live teacher, the others the cache.
    const live = (a: Ablation) => ablated(a, s, flags.quick).augment.mixupAlpha !== undefined;
    const cached = ablations.filter((a) => !live(a));
    if (cached.length > 0) {
      await withTeacherCache(teacher, data.train, async (cache) => {
        for (const ablation of cached) results.set(ablation, await student(ablation, cache));
      }, { jitterPixels: s.studentJitter });
    }
    for (const ablation of ablations.filter(live)) results.set(ablation, await student(ablation, teacher));
    trained.model.dispose();
    const name = `${data.name}-ablations-seed${seed}.json`;
    const earlier = await recordedAblations(join(context.out, name), s);
    const ordered = ablationNames.flatMap((a) => results.get(a) ?? earlier?.ablations.find((e) => e.ablation === a) ?? []);
    const commands = [...new Set([...(earlier?.commands ?? []), context.command])];
    const record = { ...runHeader(context, data, seed, (performance.now() - started) / 1000), commands, settings: s, studentDropout, ablations: ordered };
    files.push(await writeResultFile(context, name, JSON.stringify(record, null, 2)));
    seeds.push({ seed, ablations: ordered });
  }
  return { files, seeds };
}
