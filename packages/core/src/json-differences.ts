/** Options of {@link jsonDifferences}. */
export interface JsonDifferencesOptions {
  /** What to call the two values in the result. Default `['before', 'after']`. */
  labels?: readonly [string, string];
  /** Paths not to compare (`'name'`, `'training.epochs'`). */
  ignore?: (path: string) => boolean;
}

/**
 * Where two JSON values differ, one line per differing path, e.g. `seed: 1 before, 2 after` or
 * `loss.options.temperature: 4 there, 20 here` (a missing key shows as `none`): what a message
 * names when a run, a checkpoint or a sweep belongs to another configuration than the one given.
 * Empty when they are equal (key order does not matter).
 */
export function jsonDifferences(before: unknown, after: unknown, options: JsonDifferencesOptions = {}): string[] {
  const [was, now] = options.labels ?? ['before', 'after'];
  const found: string[] = [];
  const visit = (a: unknown, b: unknown, path: string): void => {
    if (path !== '' && options.ignore?.(path)) return;
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) visit(a[key], b[key], path === '' ? key : `${path}.${key}`);
    } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((item, i) => visit(item, b[i], `${path}[${i}]`));
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      found.push(`${path || '(the whole value)'}: ${show(a)} ${was}, ${show(b)} ${now}`);
    }
  };
  visit(before, after, '');
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'none';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
