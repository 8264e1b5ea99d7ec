import { assertFolderFree, folderLockFile, isProcessRunning, lockFolder } from '@kd/core/node';
import { spawn } from 'node:child_process';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadPid } from '../../../test/dead-pid';
import { tempDirEach } from '../../../test/temp-dir';


describe('lockFolder', () => {
  const folder = tempDirEach('kd-lock-');

  it('gives a folder one writer: a second lock fails at once naming the owner, and release frees it', async () => {
    const dir = folder();
    const lock = await lockFolder(dir, 'run folder x');
    const owner = JSON.parse(await readFile(join(dir, folderLockFile), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(lockFolder(dir, 'run folder x')).rejects.toThrow(
      new RegExp(`^run folder x is in use: process ${process.pid} \\(since .*\\) writes it, and a folder has one writer at a time; wait for it to end or stop it$`),
    );
    // The same check, reading only.
    await expect(assertFolderFree(dir, 'run folder x')).rejects.toThrow(`run folder x is in use: process ${process.pid} (since `);
    await lock.release();
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    await assertFolderFree(dir);
    await (await lockFolder(dir)).release();
  });

  it('takes over at once the lock of a process that died, or an empty lock file left long ago', async () => {
    const dir = folder();
    expect(isProcessRunning(deadPid())).toBe(false);
    expect(isProcessRunning(process.pid)).toBe(true);
    await writeFile(join(dir, folderLockFile), JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const lock = await lockFolder(dir);
    expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(process.pid);
    await lock.release();

    await writeFile(join(dir, folderLockFile), '');
    await expect(lockFolder(dir, 'x')).rejects.toThrow('x is in use: a process that is taking the lock right now writes it');
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(join(dir, folderLockFile), longAgo, longAgo);
    await (await lockFolder(dir)).release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('never breaks the lock of another host, whose processes it cannot see', async () => {
    const dir = folder();
    await writeFile(join(dir, folderLockFile), JSON.stringify({ pid: deadPid(), host: 'elsewhere', since: '2026-01-01T00:00:00.000Z' }));
    await expect(lockFolder(dir, 'x')).rejects.toThrow(/^x is in use: process \d+ on elsewhere .* or if no kd runs there, delete .*\.kd-lock$/);
  });

  it('takes over a lock its caller knows to be stale (takeOver), but never one of a live process here', async () => {
    const dir = folder();
    const foreign = { pid: deadPid(), host: 'elsewhere', since: '2026-01-01T00:00:00.000Z' };
    await writeFile(join(dir, folderLockFile), JSON.stringify(foreign));
    const seen: unknown[] = [];
    await expect(lockFolder(dir, 'x', { takeOver: (owner) => (seen.push(owner), false) })).rejects.toThrow(/^x is in use: process \d+ on elsewhere/);
    expect(seen).toEqual([foreign]);
    const lock = await lockFolder(dir, 'x', { takeOver: (owner) => owner.host !== hostname() });
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(lockFolder(dir, 'x', { takeOver: () => true })).rejects.toThrow(`x is in use: process ${process.pid} (since `);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('holds while its owner blocks its event loop, and frees at once when the owner is killed', async () => {
    const dir = folder();
    // The owner takes the lock, says so, then blocks its event loop (a long synchronous tfjs call).
    const script = `
      const { lockFolder } = await import(${JSON.stringify(join(import.meta.dirname, 'folder-lock.ts'))});
      await lockFolder(${JSON.stringify(dir)});
      process.stdout.write('locked\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve()));
    await expect(lockFolder(dir, 'x')).rejects.toThrow(`x is in use: process ${child.pid} (since `);
    child.kill('SIGKILL');
    await exited;
    await (await lockFolder(dir)).release();
  });
});
