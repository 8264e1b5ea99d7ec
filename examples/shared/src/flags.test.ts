import { describe, expect, it } from 'vitest';
import { FlagError, nameList, numberList, parseFlags } from './flags';
import { formatMeanStd, gapClosed } from './stats';

describe('parseFlags', () => {
  it('reads the common flags and leaves the example its own', () => {
    const { flags, values } = parseFlags(['--seeds', '0,1,2', '--epochs', '5', '--quick', '--omit', '3'], { seeds: [0] }, { omit: { type: 'string' } });
    expect(flags).toEqual({ data: null, seeds: [0, 1, 2], epochs: 5, patience: null, plateau: null, out: null, quick: true, summaryOnly: false });
    expect(values.omit).toBe('3');
  });

  it('defaults to the seeds given', () => {
    expect(parseFlags([], { seeds: [7] }).flags.seeds).toEqual([7]);
  });

  it.each([
    [['--seeds', '0,x'], /--seeds must be a comma-separated list of integers >= 0, got '0,x'/],
    [['--epochs', '0'], /--epochs must be an integer >= 1, got '0'/],
    [['--nope'], /Unknown option '--nope'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseFlags(argv, { seeds: [0] })).toThrow(message);
  });
});

describe('nameList', () => {
  it('reads a comma-separated list of known names', () => {
    expect(nameList('--combines', 'arithmetic, logits', ['arithmetic', 'geometric', 'logits'])).toEqual(['arithmetic', 'logits']);
  });

  it('refuses an unknown name with a FlagError naming the flag and the names it takes', () => {
    expect(() => nameList('--combines', 'arithmetic,median', ['arithmetic', 'logits'])).toThrow(new FlagError("--combines must be a list of arithmetic, logits, got 'arithmetic,median'"));
  });
});

describe('numberList', () => {
  it('reads numbers > 0, and 0 too where the flag allows it', () => {
    expect(numberList('--temperatures', '4, 8')).toEqual([4, 8]);
    expect(numberList('--teacher-mixup', '0,0.2', { zero: true })).toEqual([0, 0.2]);
  });

  it('refuses 0 where it is not allowed, and negatives and blanks always, naming the flag', () => {
    expect(() => numberList('--temperatures', '0,4')).toThrow(new FlagError("--temperatures must be a comma-separated list of numbers > 0, got '0,4'"));
    expect(() => numberList('--teacher-mixup', '-0.2', { zero: true })).toThrow(new FlagError("--teacher-mixup must be a comma-separated list of numbers >= 0, got '-0.2'"));
    expect(() => numberList('--teacher-mixup', '0,', { zero: true })).toThrow(FlagError);
  });
});

describe('gapClosed', () => {
  it('is the share of the hard-label student’s excess errors that distillation removes', () => {
    // The paper: teacher 67, hard-label student 146, distilled 74 errors.
    expect(gapClosed(146, 74, 67)).toBeCloseTo(72 / 79, 12);
    expect(gapClosed(146, 146, 67)).toBe(0);
    expect(gapClosed(50, 60, 70)).toBeNull();
  });

  it('formats one value plainly and several as mean ± std', () => {
    expect(formatMeanStd([3])).toBe('3.0');
    expect(formatMeanStd([1, 3])).toBe('2.0 ± 1.4');
  });
});
