import { parseIdx } from './idx';
import type { IdxArray } from './idx';
import { readMaybeGzipped } from './node-modules';

/**
 * Reads an IDX file (raw or gzipped, detected from its first bytes) of any element type and rank.
 * Node only. Errors name the file and what was wrong.
 */
export async function loadIdx(path: string): Promise<IdxArray> {
  if (typeof path !== 'string' || path === '') {
    throw new Error(`Argument 'path' passed to 'loadIdx' must be a file path, got ${typeof path}`);
  }
  return parseIdx(await readMaybeGzipped('loadIdx', path), path);
}
