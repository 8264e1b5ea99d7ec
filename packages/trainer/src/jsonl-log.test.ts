import { buildModel, trainModel } from '@kd/trainer';
import type { FitOptions } from '@kd/trainer';
import { checkpoints, jsonlLog, jsonlLogger } from '@kd/trainer/node';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';
import { tempDirEach } from '../../../test/temp-dir';

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

// A log must agree with the checkpoint a run resumes from, however the run before it was stopped.
describeBackends('jsonlLogger on resume', () => {
  const data = blobs(60, 1);
  const options: FitOptions = { epochs: 5, batchSize: 20, optimizer: { kind: 'sgd', learningRate: 0.05 }, progress: false };
  const folder = tempDirEach('kd-log-resume-');
  const logPath = (): string => join(folder(), 'log.jsonl');
  const epochsLogged = async (): Promise<number[]> => (await readFile(logPath(), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line).epoch);
  /** Trains until `stopAfter` epochs (then aborts, as Ctrl-C does) or to the end, resuming from `folder()`. */
  const run = async (every: number, stopAfter?: number): Promise<void> => {
    const model = buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });
    const controller = new AbortController();
    await trainModel(model, data, {
      ...options,
      signal: controller.signal,
      callbacks: [
        checkpoints({ dir: join(folder(), 'checkpoints'), every, resume: 'auto' }),
        jsonlLogger(logPath()),
        { onEpochEnd: (record) => void (record.epoch === stopAfter && controller.abort()) },
      ],
    });
    model.dispose();
  };

  it('holds an epoch that was checkpointed but killed before its line was written', async () => {
    await run(1, 2);
    // The kill between checkpoint 2 and its log line:
    const lines = (await readFile(logPath(), 'utf8')).trimEnd().split('\n');
    await writeFile(logPath(), `${lines[0]}\n`);
    await run(1);
    expect(await epochsLogged()).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds each epoch once when the run logged epochs after its last checkpoint (every: 2)', async () => {
    await run(2, 3);
    expect(await epochsLogged()).toEqual([1, 2, 3]);
    await run(2);
    expect(await epochsLogged()).toEqual([1, 2, 3, 4, 5]);
  });

  it('replaces a line torn by a kill mid-write, and a fresh run starts a fresh log', async () => {
    await run(1, 2);
    await appendFile(logPath(), '{"epoch":3,"step":9,"lo');
    await run(1);
    expect(await epochsLogged()).toEqual([1, 2, 3, 4, 5]);
    await rm(join(folder(), 'checkpoints'), { recursive: true });
    await run(1, 1);
    expect(await epochsLogged()).toEqual([1]);
  });
});
