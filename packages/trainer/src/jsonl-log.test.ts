import { jsonlLog, jsonlLogger } from '@kd/trainer/node';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('jsonlLog', () => {
  it('appends one JSON object per line, creating folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-log-'));
    try {
      const path = join(dir, 'run', 'log.jsonl');
      const log = jsonlLog(path);
      await log.append({ epoch: 1, loss: { total: 1.5, soft: 1, hard: 0.5 } });
      await jsonlLog(path).append({ epoch: 2, loss: { total: 1 } });
      const lines = (await readFile(path, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines).toEqual([
        { epoch: 1, loss: { total: 1.5, soft: 1, hard: 0.5 } },
        { epoch: 2, loss: { total: 1 } },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('as a callback, appends every epoch record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-log-'));
    try {
      const path = join(dir, 'log.jsonl');
      const logger = jsonlLogger(path);
      const record = { epoch: 1, step: 3, loss: { total: 1 }, learningRate: 0.1, seconds: 0.5, time: '2026-12-03T00:00:00.000Z' };
      await logger.onEpochEnd!(record, undefined as never);
      await logger.onEpochEnd!({ ...record, epoch: 2 }, undefined as never);
      expect((await readFile(path, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line).epoch)).toEqual([1, 2]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an empty path', () => {
    expect(() => jsonlLog('')).toThrow(/'path' passed to 'jsonlLog' must be a non-empty path/);
  });
});
