import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIdx } from '@kd/data';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx } from '../../../test/idx-files';

const dir = mkdtempSync(join(tmpdir(), 'kd-data-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadIdx', () => {
  it('reads raw and gzipped files alike', async () => {
    const values = [0.5, -2, 1e-3, 7];
    writeFileSync(join(dir, 'a.idx'), encodeIdx('float64', [2, 2], values));
    writeFileSync(join(dir, 'a.idx.gz'), encodeIdx('float64', [2, 2], values, true));
    for (const name of ['a.idx', 'a.idx.gz']) {
      const got = await loadIdx(join(dir, name));
      expect(got.shape).toEqual([2, 2]);
      expect(Array.from(got.data)).toEqual(values);
    }
  });

  it('names the file when it is missing, not gzip, or not IDX', async () => {
    const missing = join(dir, 'missing.idx');
    await expect(loadIdx(missing)).rejects.toThrow(`'loadIdx' cannot read '${missing}'`);
    const broken = join(dir, 'broken.gz');
    writeFileSync(broken, encodeIdx('uint8', [100], Array.from({ length: 100 }, () => 7), true).subarray(0, 20));
    await expect(loadIdx(broken)).rejects.toThrow(`'loadIdx': '${broken}' is not a valid gzip file`);
    const text = join(dir, 'text.idx');
    writeFileSync(text, 'hello');
    await expect(loadIdx(text)).rejects.toThrow(`IDX file '${text}': wrong magic number 0x68656c6c`);
    await expect(loadIdx('' as string)).rejects.toThrow(/'path' passed to 'loadIdx' must be a file path/);
  });
});
