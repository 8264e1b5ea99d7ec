import * as tf from '@tensorflow/tfjs-core';
import { functionTeacher } from '@kd/ensemble';
import type { Teacher, TeacherCache } from '@kd/ensemble';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noise } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { distilRecipes, recipeAugmentation, recipeFlags } from './recipes';
import type { Recipe, RecipeCandidates, RecipeChoice } from './recipes';
import type { Schedule } from './schedules';

describe('recipe flags', () => {
  it('reads --recipes, --student-jitter and --mixup-alpha, and only those given', () => {
    expect(recipeFlags({ recipes: 'plain, mixup', 'student-jitter': '2', 'mixup-alpha': '0.4' })).toEqual({ recipes: ['plain', 'mixup'], studentJitter: 2, mixupAlpha: 0.4 });
    expect(recipeFlags({})).toEqual({});
  });

  it.each([
    [{ recipes: 'plain,cutmix' }, "--recipes must be a list of plain, jitter, mixup, jitter-mixup, got 'plain,cutmix'"],
    [{ 'student-jitter': '0' }, '--student-jitter'],
    [{ 'mixup-alpha': '-1' }, "--mixup-alpha must be a comma-separated list of numbers > 0, got '-1'"],
    [{ 'mixup-alpha': '0.2,1' }, "--mixup-alpha must be one number > 0, got '0.2,1'"],
  ])('refuses %o naming the flag', (values, message) => {
    expect(() => recipeFlags(values)).toThrow(message);
  });

  it('gives each recipe its augmentation', () => {
    const settings = { studentJitter: 2, mixupAlpha: 0.4 };
    expect(recipeAugmentation('plain', settings)).toEqual({});
    expect(recipeAugmentation('jitter', settings)).toEqual({ jitterPixels: 2 });
    expect(recipeAugmentation('mixup', settings)).toEqual({ mixupAlpha: 0.4 });
    expect(recipeAugmentation('jitter-mixup', settings)).toEqual({ jitterPixels: 2, mixupAlpha: 0.4 });
  });
});

describeBackends('distilRecipes', () => {
  const transfer = noise(10, 2);
  let w: tf.Tensor2D;
  let teacher: Teacher;
  beforeAll(() => {
    w = tf.randomNormal([16, 3], 0, 1, 'float32', 1);
    teacher = functionTeacher((x) => tf.matMul(tf.reshape(x, [-1, 16]), w), { numClasses: 3, weights: { w } });
  });
  afterAll(() => w.dispose());

  // Runs distilRecipes with made-up validation errors; returns what each student read its teacher from.
  const trace = async (candidates: RecipeCandidates, errors: Record<string, number>, fixed: RecipeChoice | null = null) => {
    const seen: string[] = [];
    const { chosen } = await distilRecipes(teacher, transfer, { ...candidates, studentJitter: 1, mixupAlpha: 0.2 }, fixed, async (source, temperature: number, recipe: Recipe, schedule: Schedule) => {
      const name = `${recipe} T=${temperature} ${schedule}`;
      const from = source.kind === 'teacherCache' ? `cache of ${(source as TeacherCache).size}` : 'live';
      if (source.kind === 'teacherCache') {
        // Every output the student will meet is in the cache, as the teacher computes it.
        const [cached, live] = tf.tidy(() => {
          const x = tf.tensor2d(Array.from({ length: 10 }, (_, i) => Array.from(transfer.image(i))));
          const cache = source as TeacherCache;
          // The unshifted images, as the plain cache or the cache of every shift keys them.
          const augmentation = cache.augmentationParams.length > 0 ? Array.from({ length: 10 }, () => ({ dx: 0, dy: 0 })) : null;
          return [cache.logits({ indices: Int32Array.from({ length: 10 }, (_, i) => i), augmentation }).dataSync(), teacher.logits!(x).dataSync()];
        });
        expect(Array.from(cached!)).toEqual(Array.from(live!));
      }
      seen.push(`${name} from ${from}`);
      return { temperature, recipe, schedule, validationErrors: errors[name] ?? 100 };
    });
    return { seen, chosen: `${chosen.recipe} T=${chosen.temperature} ${chosen.schedule}` };
  };

  it('chooses the temperature on plain, then the recipe, then the schedule; jitter reads a cache of every shift, the mixing recipes the live teacher', async () => {
    const errors = { 'plain T=4 early-stop': 50, 'jitter T=4 early-stop': 40, 'jitter T=4 cosine': 30 };
    const got = await trace({ temperatures: [2, 4], recipes: ['plain', 'jitter', 'mixup', 'jitter-mixup'], schedules: ['early-stop', 'cosine'] }, errors);
    expect(got.seen).toEqual([
      'plain T=2 early-stop from cache of 10',
      'plain T=4 early-stop from cache of 10',
      'jitter T=4 early-stop from cache of 90',
      'mixup T=4 early-stop from live',
      'jitter-mixup T=4 early-stop from live',
      'jitter T=4 cosine from cache of 90',
    ]);
    expect(got.chosen).toBe('jitter T=4 cosine');
  });

  it('trains no plain student when one temperature is given and plain is not a recipe; another seed trains its choice only', async () => {
    const got = await trace({ temperatures: [2], recipes: ['jitter'], schedules: ['cosine'] }, {});
    expect(got.seen).toEqual(['jitter T=2 cosine from cache of 90']);
    const fixed = await trace({ temperatures: [2, 4], recipes: ['plain', 'mixup'], schedules: ['early-stop'] }, {}, { temperature: 4, recipe: 'mixup', schedule: 'cosine' });
    expect(fixed.seen).toEqual(['mixup T=4 cosine from live']);
  });
});
