import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectSweepResults, readCellResult } from './sweep-results';

describe('readCellResult', () => {
  let dir: string;
  const cell = { id: 'temperature-4', params: { temperature: 4 } };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kd-sweep-results-'));
    await mkdir(join(dir, cell.id));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is undefined while the cell has no result.json, and the parsed file once it has', async () => {
    expect(await readCellResult(dir, cell)).toBeUndefined();
    await writeFile(join(dir, cell.id, 'result.json'), JSON.stringify({ id: cell.id, params: cell.params }));
    expect(await readCellResult(dir, cell)).toEqual({ id: cell.id, params: cell.params });
    expect(await collectSweepResults(dir, [cell, { id: 'temperature-8', params: { temperature: 8 } }])).toEqual({
      results: [{ id: cell.id, params: cell.params }],
      missing: [{ id: 'temperature-8', params: { temperature: 8 } }],
    });
  });

  it('names a result.json that is not JSON and says how to run the cell again', async () => {
    await writeFile(join(dir, cell.id, 'result.json'), '{"id": "temperature-4", "par');
    await expect(readCellResult(dir, cell)).rejects.toThrow(
      new RegExp(`^sweep cell result ${join(dir, cell.id, 'result.json')} is not valid JSON: .+: delete it to run that cell again$`),
    );
  });

  it('passes on other read errors (a folder where the file should be)', async () => {
    await mkdir(join(dir, cell.id, 'result.json'));
    await expect(readCellResult(dir, cell)).rejects.toThrow(/cannot read sweep cell result .*result\.json: it is a folder/);
  });
});
