import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning } from './process-running';

/** The lock file {@link lockFolder} keeps in a folder while a process writes it. */
export const folderLockFile = '.kd-lock';

/** A folder this process writes alone until {@link FolderLock.release}. */
export interface FolderLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock (once; later calls do nothing). */
  release(): Promise<void>;
}

/** Who holds a folder's lock, as its lock file says. */
export interface LockOwner {
  pid: number;
  host: string;
  /** When it took the lock (ISO 8601). */
  since: string;
}

/** Options of {@link lockFolder}. */
export interface LockFolderOptions {
  /**
   * Says whether to take over a lock held by `owner` that is not known to be stale: a lock written
   * on another host, whose process this one cannot see, is otherwise never broken. For a caller
   * that knows from elsewhere that the owner is gone: a scheduler runs one instance of a static
   * shard at a time, a queue hands a job on only once its worker stopped answering. A lock of a
   * live process on this host is never taken over. Default: none is.
   */
  takeOver?: (owner: LockOwner) => boolean;
}

type Owner = LockOwner;

// A lock file is written right after it is created; one still empty after this long was left by a
// process killed in between.
const emptyLockGraceMs = 5000;

/**
 * Makes this process the one writer of `dir` (an existing folder) until `release()`: it creates
 * `dir/.kd-lock` exclusively (`O_EXCL`) and writes its pid, host and start time into it. While the
 * owner runs, a second writer gets an Error at once naming `what`, the owner and how to go on;
 * the lock of a process that died (killed, crashed) on this host is taken over at once.
 *
 * Why not a lock refreshed on a timer (proper-lockfile): kd's training blocks the event loop in
 * long synchronous TensorFlow.js calls, so its timers can stall for longer than any staleness
 * limit, and another writer would take the lock from a run that is alive (measured: a holder
 * blocked for 12 s lost its lock to a second process after 10 s); and after a SIGKILL the next
 * run had to wait out that limit (9.6 s). A pid says at once whether the owner is alive.
 *
 * @param what the folder in messages: `'run folder runs/x'`.
 * @param options `takeOver`: locks of other hosts this caller knows to be stale.
 */
export async function lockFolder(dir: string, what = `folder ${dir}`, options: LockFolderOptions = {}): Promise<FolderLock> {
  const path = join(dir, folderLockFile);
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await create(path, JSON.stringify(me))) {
      let held = true;
      return {
        path,
        async release() {
          if (!held) return;
          held = false;
          // Only our own lock: never one another process took over.
          if ((await readOwner(path))?.text === JSON.stringify(me)) await rm(path, { force: true });
        },
      };
    }
    const owner = await readOwner(path);
    if (owner === undefined) continue;
    if (!isStale(owner) && !mayTakeOver(owner, options)) throw inUse(what, path, owner);
    await removeStale(path, owner.text);
  }
  throw new Error(`${what}: could not take its lock ${path}: other processes keep taking it`);
}

/**
 * Throws the Error {@link lockFolder} would throw while another process writes `dir`, and does
 * nothing otherwise: a check that reads only, for a caller that must refuse a busy folder before it
 * creates or changes anything.
 */
export async function assertFolderFree(dir: string, what = `folder ${dir}`): Promise<void> {
  const path = join(dir, folderLockFile);
  const owner = await readOwner(path);
  if (owner !== undefined && !isStale(owner)) throw inUse(what, path, owner);
}

type LockContent = NonNullable<Awaited<ReturnType<typeof readOwner>>>;

/** A lock its owner left: the owner died on this host, or never wrote the lock and is long gone. */
function isStale({ owner, ageMs }: LockContent): boolean {
  return owner ? owner.host === hostname() && !isProcessRunning(owner.pid) : ageMs > emptyLockGraceMs;
}

function mayTakeOver({ owner }: LockContent, { takeOver }: LockFolderOptions): boolean {
  const liveHere = owner?.host === hostname() && isProcessRunning(owner.pid);
  return owner !== undefined && !liveHere && takeOver?.(owner) === true;
}

function inUse(what: string, path: string, { owner }: LockContent): Error {
  const here = owner?.host === hostname();
  const who = owner ? `process ${owner.pid}${here ? '' : ` on ${owner.host}`} (since ${owner.since})` : 'a process that is taking the lock right now';
  return new Error(
    `${what} is in use: ${who} writes it, and a folder has one writer at a time; wait for it to end or stop it${owner && !here ? `, or if no kd runs there, delete ${path}` : ''}`,
  );
}

/** Creates `path` with `text` unless it exists; false when it does. */
async function create(path: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/** The lock's text and owner (undefined owner: empty or torn), or undefined when it is gone. */
async function readOwner(path: string): Promise<{ text: string; owner: Owner | undefined; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let owner: Owner | undefined;
    try {
      const parsed = JSON.parse(text) as Owner;
      if (Number.isSafeInteger(parsed?.pid) && typeof parsed.host === 'string') owner = parsed;
    } catch {
      owner = undefined;
    }
    return { text, owner, ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Removes a stale lock whose content was `text`. Two processes may judge the same lock stale at
 * once; the lock is first renamed aside (only one rename of it succeeds), and if what was renamed
 * is not the stale lock (another process already replaced it with its own), it is linked back.
 */
async function removeStale(path: string, text: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if ((await readFile(aside, 'utf8')) !== text) await link(aside, path).catch(() => undefined);
  } finally {
    await rm(aside, { force: true });
  }
}
