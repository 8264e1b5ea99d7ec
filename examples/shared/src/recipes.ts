import type { ParseArgsConfig } from 'node:util';
import type { Dataset } from '@kd/data';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import { FlagError, nameList, numberList, positiveInteger } from './flags';
import type { Schedule } from './schedules';
import type { RunOptions } from './training';
import { withTeacherCache } from './training';

/**
 * How a student sees the transfer set: `plain` (the teacher's outputs on the plain images, cached
 * once), `jitter` (images shifted by up to `studentJitter` pixels, the teacher scoring the same
 * shifted images: consistent teaching; its outputs on every shift cached once), `mixup` (pairs of
 * images mixed, the teacher scoring the mixed images: function matching, Beyer et al. 2022),
 * `jitter-mixup` (pairs of jittered images mixed, the teacher scoring the very mixed images).
 */
export type Recipe = 'plain' | 'jitter' | 'mixup' | 'jitter-mixup';
const recipeNames: readonly Recipe[] = ['plain', 'jitter', 'mixup', 'jitter-mixup'];

/** The settings of the augmenting recipes. */
export interface RecipeSettings {
  /** Pixels of the `jitter` and `jitter-mixup` recipes. */
  studentJitter: number;
  /** Beta(alpha, alpha) of the `mixup` and `jitter-mixup` recipes. */
  mixupAlpha: number;
}

/** The flags of the recipes (`--recipes`, `--student-jitter`, `--mixup-alpha`), as parseArgs options. */
export const recipeOptions = {
  recipes: { type: 'string' },
  'student-jitter': { type: 'string' },
  'mixup-alpha': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** The help lines of {@link recipeOptions}, with the example's defaults. */
export function recipeUsage(defaults: RecipeSettings & { recipes: readonly Recipe[] }): string {
  return `  --recipes plain,jitter,mixup,jitter-mixup
                         how the student sees its transfer set, chosen on the first seed's validation
                         data at the chosen temperature: plain (the teacher's outputs cached once),
                         jitter (images shifted by up to --student-jitter pixels, the teacher scoring
                         the same shifted images), mixup (pairs mixed with --mixup-alpha, the teacher
                         scoring the mixed images), jitter-mixup (both: jittered images mixed, the
                         teacher scoring the mixed images); default ${defaults.recipes.join(',')}
  --student-jitter <px>  default ${defaults.studentJitter}
  --mixup-alpha <a>      default ${defaults.mixupAlpha}`;
}

/** The settings {@link recipeOptions} give, each flag checked (an Error names the flag and what it takes). */
export function recipeFlags(values: Record<string, string | boolean | undefined>): Partial<RecipeSettings & { recipes: Recipe[] }> {
  const text = (flag: string) => values[flag] as string | undefined;
  const recipesText = text('recipes');
  const recipes = recipesText === undefined ? undefined : nameList('--recipes', recipesText, recipeNames);
  const jitterText = text('student-jitter');
  const alphaText = text('mixup-alpha');
  const alphas = alphaText === undefined ? [] : numberList('--mixup-alpha', alphaText);
  if (alphas.length > 1) throw new FlagError(`--mixup-alpha must be one number > 0, got '${alphaText}'`);
  return {
    ...(recipes !== undefined ? { recipes } : {}),
    ...(jitterText !== undefined ? { studentJitter: positiveInteger('--student-jitter', jitterText) } : {}),
    ...(alphas.length === 1 ? { mixupAlpha: alphas[0]! } : {}),
  };
}

/** The augmentation of a recipe, as training options. */
export function recipeAugmentation(recipe: Recipe, s: RecipeSettings): Pick<RunOptions, 'jitterPixels' | 'mixupAlpha'> {
  return {
    ...(recipe === 'jitter' || recipe === 'jitter-mixup' ? { jitterPixels: s.studentJitter } : {}),
    ...(recipe === 'mixup' || recipe === 'jitter-mixup' ? { mixupAlpha: s.mixupAlpha } : {}),
  };
}

/**
 * Runs `body` with what a student of `recipe` distils from: a cache of the teacher's outputs on
 * every input the recipe can show (`plain`: the images; `jitter`: every shift of them, the same
 * outputs the live teacher gives on the shifted images), or the live teacher for the recipes that
 * mix images (`mixup`, `jitter-mixup`), whose mixed images no cache can hold. `temperature`: see
 * {@link withTeacherCache}.
 */
export function withRecipeTeacher<T>(
  teacher: Teacher,
  transfer: Dataset,
  recipe: Recipe,
  s: RecipeSettings,
  body: (source: Teacher | TeacherCache) => Promise<T>,
  temperature?: number,
): Promise<T> {
  const augment = recipeAugmentation(recipe, s);
  if (augment.mixupAlpha !== undefined) return body(teacher);
  return withTeacherCache(teacher, transfer, body, { ...(temperature !== undefined ? { temperature } : {}), ...augment });
}

/** A distilled student's numbers, as `distilRecipes` needs them. */
export interface RecipeStudent {
  temperature: number;
  recipe: Recipe;
  schedule: Schedule;
  validationErrors: number;
}

/** What `distilRecipes` chooses among, each list in the order tried. */
export interface RecipeCandidates {
  temperatures: readonly number[];
  recipes: readonly Recipe[];
  schedules: readonly Schedule[];
}

/** One student of `distilRecipes`: another seed's choice. */
export type RecipeChoice = Pick<RecipeStudent, 'temperature' | 'recipe' | 'schedule'>;

/**
 * Students distilled from `teacher` on `transfer` by `distil`. With `fixed` (another seed's
 * choice), only that one. Otherwise, under the first candidate schedule, the temperature first,
 * one student per candidate on the plain recipe (the teacher's outputs cached once; skipped when
 * there is one temperature and `plain` is not among `recipes`), then one per augmenting recipe at
 * the temperature whose student had the fewest validation errors (each reading the teacher as
 * {@link withRecipeTeacher} gives it); then the recipe with the fewest validation errors at that
 * temperature among `recipes` under each other schedule. The chosen student is the one with the
 * fewest validation errors of the last stage (ties to the earlier). Returns every student trained
 * and the chosen one.
 */
export async function distilRecipes<D extends RecipeStudent>(
  teacher: Teacher,
  transfer: Dataset,
  candidates: RecipeCandidates & RecipeSettings,
  fixed: RecipeChoice | null,
  distil: (source: Teacher | TeacherCache, temperature: number, recipe: Recipe, schedule: Schedule) => Promise<D>,
): Promise<{ students: D[]; chosen: D }> {
  const students: D[] = [];
  const plain = (temperatures: readonly number[], schedule: Schedule) =>
    withTeacherCache(teacher, transfer, async (cache) => {
      for (const temperature of temperatures) students.push(await distil(cache, temperature, 'plain', schedule));
    });
  const one = async (temperature: number, recipe: Recipe, schedule: Schedule) => {
    students.push(await withRecipeTeacher(teacher, transfer, recipe, candidates, (source) => distil(source, temperature, recipe, schedule)));
  };
  const fewest = (list: D[]) => list.reduce((best, d) => (d.validationErrors < best.validationErrors ? d : best));
  if (fixed !== null) {
    await one(fixed.temperature, fixed.recipe, fixed.schedule);
    return { students, chosen: students[0]! };
  }
  const [first, ...others] = candidates.schedules;
  // The plain students choose the temperature; with one temperature and no plain recipe, none is needed.
  const plainNeeded = candidates.temperatures.length > 1 || candidates.recipes.includes('plain');
  if (plainNeeded) await plain(candidates.temperatures, first!);
  const temperature = plainNeeded ? fewest(students).temperature : candidates.temperatures[0]!;
  for (const recipe of candidates.recipes.filter((r) => r !== 'plain')) await one(temperature, recipe, first!);
  const { recipe } = fewest(students.filter((d) => d.temperature === temperature && candidates.recipes.includes(d.recipe)));
  for (const schedule of others) await one(temperature, recipe, schedule);
  return { students, chosen: fewest(students.filter((d) => d.temperature === temperature && d.recipe === recipe)) };
}
