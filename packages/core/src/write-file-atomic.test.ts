import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbandonedTemporaryFile, removeAbandonedTemporaryFiles, writeFileAtomic } from '@kd/core/node';
import { describe, expect, it } from 'vitest';
import { deadPid } from '../../../test/dead-pid';
import { tempDirEach } from '../../../test/temp-dir';

describe('writeFileAtomic', () => {
  const folder = tempDirEach('kd-atomic-');

  it('replaces a file with a string, bytes or pieces, leaving no temporary file', async () => {
    const dir = folder();
    const path = join(dir, 'out.txt');
    await writeFileAtomic(path, 'first');
    expect(await readFile(path, 'utf8')).toBe('first');
    await writeFileAtomic(path, new TextEncoder().encode('second'));
    expect(await readFile(path, 'utf8')).toBe('second');
    await writeFileAtomic(path, async (write) => {
      for (const piece of ['th', 'ir', 'd']) await write(new TextEncoder().encode(piece));
    });
    expect(await readFile(path, 'utf8')).toBe('third');
    expect(await readdir(dir)).toEqual(['out.txt']);
  });

  it('keeps the old file and removes its temporary one when writing fails', async () => {
    const dir = folder();
    const path = join(dir, 'kept.txt');
    await writeFile(path, 'old');
    await expect(
      writeFileAtomic(path, async (write) => {
        await write(new TextEncoder().encode('half'));
        throw new Error('writer crashed');
      }),
    ).rejects.toThrow('writer crashed');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['kept.txt']);
  });

  it('names the argument on a bad path', async () => {
    await expect(writeFileAtomic('', 'x')).rejects.toThrow(`Argument 'path' passed to 'writeFileAtomic' must be a non-empty path, got ""`);
  });

  it('finds and removes the temporary files a killed writer left, not those of a live one or other files', async () => {
    const dir = folder();
    const gone = deadPid();
    const dead = `.config.json.${gone}.0a1b2c3d.tmp`;
    const live = `.config.json.${process.pid}.0a1b2c3d.tmp`;
    await mkdir(join(dir, 'model'));
    for (const name of [dead, live, join('model', `.weights.bin.${gone}.ffffffff.tmp`), 'config.json', '.config.json.tmp', `checkpoint-000002.tmp-${gone}-1`]) {
      await writeFile(join(dir, name), '');
    }
    expect(isAbandonedTemporaryFile(dead)).toBe(true);
    expect(isAbandonedTemporaryFile(join('/runs/x', dead))).toBe(true);
    expect(isAbandonedTemporaryFile(live)).toBe(false);
    expect(isAbandonedTemporaryFile('config.json')).toBe(false);
    await removeAbandonedTemporaryFiles(dir);
    expect((await readdir(dir, { recursive: true })).toSorted()).toEqual(['.config.json.tmp', live, `checkpoint-000002.tmp-${gone}-1`, 'config.json', 'model'].toSorted());
  });
});
