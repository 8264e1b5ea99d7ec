/**
 * How a value that came in place of another is shown in an error message, in a few words:
 * `null`, `undefined`, `3`, `true`, `'adam'`, `an array`, `a Float32Array`, `an Int32Array`, `object`, `function`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `${/^[AEIOU]/.test(value.constructor.name) ? 'an' : 'a'} ${value.constructor.name}`;
  return typeof value;
}
