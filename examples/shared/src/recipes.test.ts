import { describe, expect, it } from 'vitest';
import { recipeAugmentation, recipeFlags } from './recipes';

describe('recipe flags', () => {
  it('reads --recipes, --student-jitter and --mixup-alpha, and only those given', () => {
    expect(recipeFlags({ recipes: 'plain, mixup', 'student-jitter': '2', 'mixup-alpha': '0.4' })).toEqual({ recipes: ['plain', 'mixup'], studentJitter: 2, mixupAlpha: 0.4 });
    expect(recipeFlags({})).toEqual({});
  });

  it.each([
    [{ recipes: 'plain,cutmix' }, "--recipes must be a list of plain, jitter, mixup, got 'plain,cutmix'"],
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
  });
});
