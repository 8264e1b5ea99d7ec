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

/**
 * Like {@link describeValue}, but an object is shown by its keys (`an object with keys train,
 * path`, `an empty object`): what a message needs when a value has the wrong shape.
 */
export function describeShape(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`;
  }
  return describeValue(value);
}
