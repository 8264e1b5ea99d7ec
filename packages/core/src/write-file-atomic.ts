import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessRunning } from './process-running';

const temporarySuffix = '.tmp';

/** Writes the content of a file in pieces: each call appends `bytes`. */
export type ChunkWriter = (bytes: Uint8Array) => Promise<void>;

/**
 * Writes `path` so that a reader sees the old file or the new one, never a torn one: the content
 * goes to a temporary file beside it (`.<name>.<pid>.<random>.tmp`), is flushed to disk, renamed
 * over `path` (atomic within one file system), and the folder is flushed so the rename itself
 * survives a power cut. A process killed midway leaves the old file (and at most a stray
 * temporary file); a failed write (an exception) removes its temporary file.
 *
 * @param data the whole content, or a function that writes it in pieces (large files: memory
 *   stays bounded by one piece).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | ((write: ChunkWriter) => Promise<void>)): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`Argument 'path' passed to 'writeFileAtomic' must be a non-empty path, got ${JSON.stringify(path)}`);
  }
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${temporarySuffix}`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      if (typeof data === 'function') {
        await data(async (bytes) => {
          for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
        });
      } else {
        await handle.writeFile(data);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
}

async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch {
    // Some platforms (Windows) cannot open a folder for reading; the rename stands regardless.
    return;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Whether `name` is a temporary file of {@link writeFileAtomic} (`.<file>.<pid>.<8 hex>.tmp`)
 * whose process no longer runs: one a kill left, which nothing will rename.
 */
export function isAbandonedTemporaryFile(name: string): boolean {
  const pid = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(basename(name))?.[1];
  return pid !== undefined && !isProcessRunning(Number(pid));
}

/** Removes every abandoned temporary file of {@link writeFileAtomic} in `dir` and the folders under it. */
export async function removeAbandonedTemporaryFiles(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (isAbandonedTemporaryFile(entry)) await rm(join(dir, entry), { force: true });
  }
}
