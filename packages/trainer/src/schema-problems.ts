import * as v from 'valibot';
import { describeShape, describeValue } from '@kd/core';

/*
 * Valibot schemas are the one source of truth of kd's JSON shapes (schedules, architectures,
 * optimizers, fit settings, experiment configs): they give the TypeScript types (`v.InferOutput`),
 * the JSON Schema (`@valibot/to-json-schema`) and, through `problemsOf`, the error messages, each
 * `path: expected ..., got ...`. The builders below attach those messages.
 */

type Issue = v.BaseIssue<unknown>;
type Schema = v.GenericSchema;

/** A message function: `expected <what>, got <the value that came>`. */
export function expected(what: string): (issue: Issue) => string {
  return (issue) => `expected ${what}, got ${describeValue(issue.input)}`;
}

/** A finite number. */
export function finiteNumber() {
  const m = expected('a finite number');
  return v.pipe(v.number(m), v.finite(m));
}

/** An integer >= `min`. */
export function integer(min: number) {
  const m = expected(`an integer >= ${min}`);
  return v.pipe(v.number(m), v.integer(m), v.minValue(min, m));
}

/** A safe integer (a seed). */
export function safeInteger() {
  const m = expected('a safe integer');
  return v.pipe(v.number(m), v.safeInteger(m));
}

/** A finite number > 0 (and at most `max`, when given). */
export function positive(max?: number) {
  const m = expected(max === undefined ? 'a finite number > 0' : `a finite number in (0, ${max}]`);
  const number = v.pipe(v.number(m), v.finite(m), v.gtValue(0, m));
  return max === undefined ? number : v.pipe(number, v.maxValue(max, m));
}

/** A finite number >= 0 (and at most `max`, when given). */
export function nonNegative(max?: number) {
  const m = expected(max === undefined ? 'a finite number >= 0' : `a finite number in [0, ${max}]`);
  const number = v.pipe(v.number(m), v.finite(m), v.minValue(0, m));
  return max === undefined ? number : v.pipe(number, v.maxValue(max, m));
}

/** A number in [0, 1) (a dropout rate, a momentum). */
export function unitRate() {
  const m = expected('a number in [0, 1)');
  return v.pipe(v.number(m), v.minValue(0, m), v.ltValue(1, m));
}

/** A non-empty string. */
export function nonEmptyString() {
  const m = expected('a non-empty string');
  return v.pipe(v.string(m), v.minLength(1, m));
}

/** A boolean. */
export function boolean() {
  return v.boolean(expected('a boolean'));
}

/** One of `values`. */
export function oneOfValues<const T extends readonly [string, ...string[]]>(values: T) {
  return v.picklist(values, expected(`one of ${values.map((value) => `'${value}'`).join(', ')}`));
}

/** An array of `item`, with at least `min` entries. */
export function list<T extends Schema>(item: T, what: string, min = 0) {
  const m = expected(what);
  return v.pipe(v.array(item, m), v.minLength(min, m));
}

/**
 * An object with exactly these keys (optional ones wrapped in `v.optional`): an unknown key is a
 * problem, so a typo never falls back to a default silently.
 */
export function object<const E extends v.ObjectEntries>(entries: E) {
  const keys = Object.keys(entries).join(', ');
  return v.strictObject(entries, (issue) => {
    if (issue.expected === 'never') return `unknown key (expected one of ${keys})`;
    if (issue.received === 'undefined' && issue.expected !== 'Object') return 'required, got nothing';
    return `expected an object, got ${describeValue(issue.input)}`;
  });
}

/** Objects told apart by the literal value of `key`. */
export function variantOf<const K extends string, const O extends v.VariantOptions<K>>(key: K, options: O) {
  const values = options.map((option) => `'${String((option as unknown as { entries: Record<K, { literal: unknown }> }).entries[key].literal)}'`).join(', ');
  return v.variant(key, options, (issue) =>
    issue.expected === 'Object' ? `expected an object { ${key}, ... }, got ${describeValue(issue.input)}` : `expected one of ${values}, got ${describeValue(issue.input)}`,
  );
}

/** One of several shapes; `what` says which, for the message when none fits. */
export function oneOf<const O extends v.UnionOptions>(options: O, what: string) {
  return v.union(options, (issue) => `expected ${what}, got ${describeShape(issue.input)}`);
}

/**
 * Every problem of `value` against `schema`, each as `path: expected ..., got ...` (`path` is where
 * `value` sits, e.g. `options` or `training.schedules`; empty for a whole document, whose top-level
 * problems then read `(config)`); empty when it is valid. Where several shapes are allowed (a
 * union), the problems of the shape the value was evidently meant to have are listed: the one whose
 * keys it uses.
 */
export function problemsOf(schema: Schema, value: unknown, path: string): string[] {
  const result = v.safeParse(schema, value);
  if (result.success) return [];
  return result.issues.flatMap((issue) => describeIssue(schema, value, path, issue));
}

function describeIssue(root: Schema, value: unknown, base: string, issue: Issue): string[] {
  const keys = (issue.path ?? []).map((item) => item.key as string | number);
  const at = joinPath(base, keys);
  if (issue.type === 'union') {
    const union = schemaAt(root, value, keys);
    const input = keys.reduce<unknown>((parent, key) => (parent as Record<string | number, unknown>)?.[key], value);
    if (union && 'options' in union) {
      const tried = (union.options as Schema[]).map((option) => ({ option, issues: v.safeParse(option, input).issues ?? [] }));
      const fitting = tried.find(({ issues }) => fits(issues));
      // Else the one shape of the right kind (an object where the others are numbers), if one.
      const ofKind = tried.filter(({ issues }) => issues.every((i) => (i.path?.length ?? 0) > 0));
      const chosen = fitting ?? (ofKind.length === 1 ? ofKind[0] : undefined);
      if (chosen) return problemsOf(chosen.option, input, at);
    }
  }
  return [`${at || '(config)'}: ${issue.message}`];
}

// A shape fits a value that has its keys and kind even if a value inside is wrong: none of its
// problems is a wrong type of the whole, an unknown key, or another discriminator value.
function fits(issues: readonly Issue[]): boolean {
  return issues.every((issue) => {
    const depth = issue.path?.length ?? 0;
    if (depth === 0) return false;
    if (depth === 1 && (issue.expected === 'never' || issue.type === 'variant' || issue.type === 'literal')) return false;
    return true;
  });
}

function schemaAt(root: Schema, value: unknown, keys: ReadonlyArray<string | number>): Schema | undefined {
  let schema: Schema | undefined = root;
  let input = value;
  for (const key of keys) {
    schema = step(schema, input, key);
    input = (input as Record<string | number, unknown>)?.[key];
    if (schema === undefined) return undefined;
  }
  return unwrap(schema);
}

function unwrap(schema: Schema): Schema {
  return 'wrapped' in schema ? unwrap(schema.wrapped as Schema) : schema;
}

function step(schema: Schema | undefined, input: unknown, key: string | number): Schema | undefined {
  if (schema === undefined) return undefined;
  const s = unwrap(schema) as Schema & { entries?: Record<string, Schema>; item?: Schema; value?: Schema; options?: Schema[]; key?: string | Schema };
  if (s.entries) return s.entries[key as string];
  if (s.item) return s.item;
  if (s.type === 'record') return s.value;
  if (s.options && typeof s.key === 'string') {
    const discriminator = s.key;
    const chosen = (input as Record<string, unknown> | null)?.[discriminator];
    const option = s.options.find((o) => (o as Schema & { entries: Record<string, { literal?: unknown }> }).entries[discriminator]?.literal === chosen);
    return step(option, input, key);
  }
  if (s.options) {
    for (const option of s.options) {
      const found = step(option, input, key);
      if (found) return found;
    }
  }
  return undefined;
}

function joinPath(base: string, keys: ReadonlyArray<string | number>): string {
  return keys.reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`), base);
}
