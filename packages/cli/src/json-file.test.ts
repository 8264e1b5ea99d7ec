import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonLines } from './json-file';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-json-file-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readJsonLines', () => {
  it('reads one value per line and skips blank lines', async () => {
    await writeFile(join(dir, 'log.jsonl'), '{"epoch":0}\n\n{"epoch":1}\n');
    expect(await readJsonLines(join(dir, 'log.jsonl'), 'log')).toEqual([{ epoch: 0 }, { epoch: 1 }]);
  });

  it('ignores a torn last line (a run killed mid-append) but not a broken line before it', async () => {
    await writeFile(join(dir, 'torn.jsonl'), '{"epoch":0}\n{"epo');
    expect(await readJsonLines(join(dir, 'torn.jsonl'), 'log')).toEqual([{ epoch: 0 }]);
    await writeFile(join(dir, 'broken.jsonl'), '{"epoch":0}\n{"epo\n{"epoch":2}\n');
    await expect(readJsonLines(join(dir, 'broken.jsonl'), 'log')).rejects.toThrow(/broken\.jsonl line 2 is not valid JSON/);
  });
});
