import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Callback } from './callback';

/** Appends records to a JSON-lines file. */
export interface JsonlLog {
  readonly path: string;
  append(record: object): Promise<void>;
}

/**
 * A JSON-lines log at `path` (folders created as needed): each `append` adds one JSON object on
 * one line, so a killed run leaves every finished epoch readable and a resumed run keeps adding.
 */
export function jsonlLog(path: string): JsonlLog {
  if (typeof path !== 'string' || path.length === 0) {
    throw new Error(`Argument 'path' passed to 'jsonlLog' must be a non-empty path, got ${JSON.stringify(path)}`);
  }
  let ready: Promise<unknown> | undefined;
  return {
    path,
    async append(record) {
      ready ??= mkdir(dirname(path), { recursive: true });
      await ready;
      await appendFile(path, `${JSON.stringify(record)}\n`);
    },
  };
}

/**
 * A callback that appends each epoch's `EpochRecord` to the JSON-lines file at `path`: a killed run
 * leaves every finished epoch readable, and a resumed run keeps adding.
 */
export function jsonlLogger(path: string): Callback {
  const log = jsonlLog(path);
  return {
    async onEpochEnd(record) {
      await log.append(record);
    },
  };
}
