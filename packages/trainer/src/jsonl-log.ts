import { writeFileAtomic } from '@kd/core/node';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Callback, TrainingContext } from './callback';

/** Appends records to a JSON-lines file. */
export interface JsonlLog {
  readonly path: string;
  append(record: object): Promise<void>;
  /** Replaces the whole file with `records`, atomically. */
  rewrite(records: readonly object[]): Promise<void>;
}

/**
 * A JSON-lines log at `path` (folders created as needed): each `append` adds one JSON object on
 * one line, so a killed run leaves every finished line readable (the last may be cut short).
 */
export function jsonlLog(path: string): JsonlLog {
  if (typeof path !== 'string' || path.length === 0) {
    throw new Error(`Argument 'path' passed to 'jsonlLog' must be a non-empty path, got ${JSON.stringify(path)}`);
  }
  let ready: Promise<unknown> | undefined;
  const folder = async (): Promise<void> => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
  };
  return {
    path,
    async append(record) {
      await folder();
      await appendFile(path, `${JSON.stringify(record)}\n`);
    },
    async rewrite(records) {
      await folder();
      await writeFileAtomic(path, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    },
  };
}

/**
 * A callback that keeps the JSON-lines file at `path` equal to the run's `EpochRecord`s, one line
 * per epoch. Before its first epoch (or at its end, when a resumed run has none left) the file is
 * rewritten to hold exactly the epochs the run starts from: none for a fresh run, those of the
 * checkpoint a resumed run continues (checkpoints keep the records). A run killed between a
 * checkpoint and its log line, or after logging epochs its last checkpoint does not hold
 * (`every: 2`), or in the middle of a line, so never leaves a missing, doubled or torn epoch
 * once it resumes. Then each epoch is appended as it ends.
 */
export function jsonlLogger(path: string): Callback {
  const log = jsonlLog(path);
  let started = false;
  const start = async (context: TrainingContext): Promise<void> => {
    if (started) return;
    started = true;
    await log.rewrite(context.state.history);
  };
  return {
    async onEpochBegin(_, context) {
      await start(context);
    },
    async onEpochEnd(record) {
      await log.append(record);
    },
    async onTrainEnd(_, context) {
      await start(context);
    },
  };
}
