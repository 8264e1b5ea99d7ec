import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of the training log: what happened in one epoch. */
export interface EpochRecord {
  epoch: number;
  /** Optimizer steps taken so far, over all epochs. */
  step: number;
  /** Mean over the epoch's batches of each loss term: `total`, and `soft` / `hard` when distilling. */
  loss: Record<string, number>;
  /** Validation metrics at temperature 1, when a validation set is given. */
  validation?: Record<string, number>;
  learningRate: number;
  /** Distillation temperature and term weights used this epoch. */
  temperature?: number;
  softWeight?: number;
  hardWeight?: number;
  /** Wall-clock seconds the epoch took. */
  seconds: number;
  /** ISO time the epoch ended. */
  time: string;
}

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
