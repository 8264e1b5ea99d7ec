import { jsonlLog } from '@kd/trainer';
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
      await log.append({ epoch: 0, loss: { total: 1.5, soft: 1, hard: 0.5 } });
      await jsonlLog(path).append({ epoch: 1, loss: { total: 1 } });
      const lines = (await readFile(path, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines).toEqual([
        { epoch: 0, loss: { total: 1.5, soft: 1, hard: 0.5 } },
        { epoch: 1, loss: { total: 1 } },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an empty path', () => {
    expect(() => jsonlLog('')).toThrow(/'path' passed to 'jsonlLog' must be a non-empty path/);
  });
});
