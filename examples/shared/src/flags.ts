import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** The flags every example takes. */
export interface CommonFlags {
  /** A folder of MNIST-style IDX files, or null for the `mnist` package digits. */
  data: string | null;
  seeds: number[];
  /** Overrides the example's epoch counts; null keeps its defaults. */
  epochs: number | null;
  /**
   * Train every model to convergence judged on validation data: stop once the validation errors
   * have not improved for this many epochs, keeping the best epoch's weights (epoch counts are then
   * the most epochs). Null: train for the epoch counts.
   */
  patience: number | null;
  /** Cut every model's learning rate by 5x after this many epochs without fewer validation errors; null: never. */
  plateau: number | null;
  /** Where results go; null for the example's own `results/` (or a temporary folder with `quick`). */
  out: string | null;
  /** A tiny smoke run: a few hundred digits, narrow models, one or two epochs. */
  quick: boolean;
  /** Train nothing: rewrite the summary from the seed files already in the results folder. */
  summaryOnly: boolean;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** A flag with a value it does not take: `runExampleMain` prints its message on one line and exits with code 2. */
export class FlagError extends Error {
  override name = 'FlagError';
}

/** The parseArgs options of {@link CommonFlags}, for examples to extend with their own. */
export const commonOptions = {
  data: { type: 'string' },
  seeds: { type: 'string' },
  epochs: { type: 'string' },
  patience: { type: 'string' },
  'lr-plateau': { type: 'string' },
  out: { type: 'string' },
  quick: { type: 'boolean', default: false },
  'summary-only': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const satisfies Options;

export const commonUsage = `  --data <dir>     MNIST-style IDX files (e.g. /usr/share/datasets/fashion-mnist); default: the mnist package digits
  --seeds 0,1,2    seeds to run, each a full repeat
  --epochs <n>     epochs for every model (overrides the defaults)
  --patience <n>   early stopping for every model: stop after n epochs without fewer validation
                   errors, keep the best epoch's weights (epochs become the most epochs)
  --lr-plateau <n> cut every model's learning rate by 5x after n epochs without fewer validation errors
  --out <dir>      where results go; default: results/ beside this example
  --quick          a tiny smoke run (a few hundred digits, narrow models)
  --summary-only   train nothing; rewrite the summary from the seed files in the results folder
                   (runs of other seeds with the same settings, e.g. run side by side, add up)`;

/**
 * Parses `argv` with the common options plus `extra`; returns the common flags and the raw values
 * of the extra ones. Throws on an unknown flag or a malformed number, naming it.
 */
export function parseFlags<E extends Options>(
  argv: readonly string[],
  defaults: { seeds: readonly number[] },
  extra: E = {} as E,
): { flags: CommonFlags; values: Record<string, string | boolean | undefined>; help: boolean } {
  const { values } = parseArgs({ args: [...argv], options: { ...commonOptions, ...extra }, strict: true, allowPositionals: false });
  const v = values as Record<string, string | boolean | undefined>;
  const epochs = v.epochs === undefined ? null : positiveInteger('--epochs', v.epochs as string);
  return {
    flags: {
      data: (v.data as string | undefined) ?? null,
      seeds: v.seeds === undefined ? [...defaults.seeds] : integerList('--seeds', v.seeds as string),
      epochs,
      patience: v.patience === undefined ? null : positiveInteger('--patience', v.patience as string),
      plateau: v['lr-plateau'] === undefined ? null : positiveInteger('--lr-plateau', v['lr-plateau'] as string),
      out: (v.out as string | undefined) ?? null,
      quick: v.quick === true,
      summaryOnly: v['summary-only'] === true,
    },
    values: v,
    help: v.help === true,
  };
}

export function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FlagError(`${flag} must be an integer >= 1, got '${text}'`);
  return n;
}

export function integerList(flag: string, text: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  const numbers = items.map(Number);
  if (items.length === 0 || numbers.some((n, i) => items[i] === '' || !Number.isSafeInteger(n) || n < 0)) {
    throw new FlagError(`${flag} must be a comma-separated list of integers >= 0, got '${text}'`);
  }
  return numbers;
}

/** A comma-separated list of `names`, each one of them, or a FlagError naming the flag and the names it takes. */
export function nameList<T extends string>(flag: string, text: string, names: readonly T[]): T[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((item) => !(names as readonly string[]).includes(item))) throw new FlagError(`${flag} must be a list of ${names.join(', ')}, got '${text}'`);
  return items as T[];
}

/** A comma-separated list of numbers > 0 (with `zero: true`, >= 0), or a FlagError naming the flag. */
export function numberList(flag: string, text: string, { zero = false }: { zero?: boolean } = {}): number[] {
  const items = text.split(',').map((s) => s.trim());
  const numbers = items.map(Number);
  if (numbers.some((n, i) => items[i] === '' || !Number.isFinite(n) || n < 0 || (n === 0 && !zero))) {
    throw new FlagError(`${flag} must be a comma-separated list of numbers ${zero ? '>= 0' : '> 0'}, got '${text}'`);
  }
  return numbers;
}
