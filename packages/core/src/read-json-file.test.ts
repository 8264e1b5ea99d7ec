import { readJsonFile } from '@kd/core/node';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirEach } from '../../../test/temp-dir';

describe('readJsonFile', () => {
  const folder = tempDirEach('kd-json-file-test-');

  it('reads JSON and names the file and what it is in errors', async () => {
    const dir = folder();
    await writeFile(join(dir, 'a.json'), '{"x": 1}');
    await writeFile(join(dir, 'bad.json'), '{"x": ');
    expect(await readJsonFile(join(dir, 'a.json'), 'config')).toEqual({ x: 1 });
    await expect(readJsonFile(join(dir, 'none.json'), 'config')).rejects.toThrow(`cannot read config ${join(dir, 'none.json')}: no such file`);
    await expect(readJsonFile(dir, 'config')).rejects.toThrow(`cannot read config ${dir}: it is a folder`);
    await expect(readJsonFile(join(dir, 'bad.json'), 'config')).rejects.toThrow(/^config .*bad\.json is not valid JSON: /);
  });
});
