import { UsageError } from './cli-error';

/** Bounds a numeric option's values must respect; both ends inclusive. */
export interface NumberBounds {
  /** Smallest value allowed. Default: no lower bound. */
  min?: number;
  /** Largest value allowed. Default: no upper bound. */
  max?: number;
  /** Whether the smallest value itself is excluded (a temperature must be > 0). Default false. */
  exclusiveMin?: boolean;
}

/**
 * Parses a comma-separated list of numbers given to `--<option>` (`1,2,4,8,20`), rejecting empty
 * items, non-numbers, duplicates and values out of `bounds`.
 */
export function parseNumberList(option: string, text: string, bounds: NumberBounds = {}, command?: string): number[] {
  const items = text.split(',').map((item) => item.trim());
  const values = items.map((item) => {
    const value = item === '' ? Number.NaN : Number(item);
    if (!Number.isFinite(value)) {
      throw new UsageError(`option '--${option}' must be a comma-separated list of numbers, got '${text}'`, command);
    }
    checkBounds(option, value, bounds, command);
    return value;
  });
  const duplicate = values.find((value, i) => values.indexOf(value) !== i);
  if (duplicate !== undefined) {
    throw new UsageError(`option '--${option}' lists ${duplicate} twice`, command);
  }
  return values;
}

/** Parses an integer >= 1 given to `--<option>`. */
export function parsePositiveInteger(option: string, text: string, command?: string): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`option '--${option}' must be an integer >= 1, got '${text}'`, command);
  }
  return value;
}

function checkBounds(option: string, value: number, bounds: NumberBounds, command?: string): void {
  const { min, max, exclusiveMin = false } = bounds;
  const tooSmall = min !== undefined && (exclusiveMin ? value <= min : value < min);
  const tooLarge = max !== undefined && value > max;
  if (tooSmall || tooLarge) {
    const lower = min === undefined ? '' : `${exclusiveMin ? '>' : '>='} ${min}`;
    const upper = max === undefined ? '' : `<= ${max}`;
    throw new UsageError(
      `option '--${option}' values must be ${[lower, upper].filter(Boolean).join(' and ')}, got ${value}`,
      command,
    );
  }
}
