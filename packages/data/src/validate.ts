/**
 * Argument checks shared by the package. Each error names the function and the argument, says what
 * was expected and what came, in the style of tfjs's own messages.
 */

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value;
}

export function argError(fn: string, arg: string, expected: string, got: unknown): Error {
  return new Error(`Argument '${arg}' passed to '${fn}' must be ${expected}, got ${describe(got)}`);
}

export function assertInteger(
  fn: string,
  arg: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw argError(fn, arg, `an integer ${range}`, value);
  }
}

export function assertFraction(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw argError(fn, arg, 'a number in [0, 1]', value);
  }
}

export function assertBoolean(fn: string, arg: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw argError(fn, arg, 'a boolean', value);
}
