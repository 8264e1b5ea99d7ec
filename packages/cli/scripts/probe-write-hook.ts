// Loaded with `--import` into the kd processes of the probe (probe.ts): it counts the file-system
// writes a process makes (creating, appending, writing, renaming, removing, making folders; through
// `fs/promises` and `fs`'s synchronous calls) and, with
// KD_PROBE_KILL_AT=n, kills the process with SIGKILL just before its n-th write (an append or a
// whole-file write is cut in half first, as a kill in the middle of it would leave it); with
// KD_PROBE_WRITES=<file>, it lists every write there as `<operation> <path>`.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const killAt = Number(process.env.KD_PROBE_KILL_AT ?? 0);
const list = process.env.KD_PROBE_WRITES;
const asyncWrites = ['open', 'writeFile', 'appendFile', 'rename', 'rm', 'unlink', 'mkdir', 'link', 'copyFile', 'cp'];
const syncWrites = ['openSync', 'writeSync', 'renameSync', 'rmSync', 'unlinkSync', 'mkdirSync', 'writeFileSync'];
let writes = 0;
// The hook's own writes go through the calls as they were before it replaced them.
const { openSync, writeSync } = fs;
const listFile = list ? openSync(list, 'a') : undefined;

/** Counts a write of `kind` to `path`, and kills the process before the one it should not finish. */
function count(kind: string, path: unknown, data: unknown): void {
  writes++;
  if (listFile !== undefined) writeSync(listFile, `${kind} ${String(path)}\n`);
  if (writes !== killAt) return;
  if ((kind === 'appendFile' || kind === 'writeFile') && data !== undefined) {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as Uint8Array);
    writeSync(openSync(String(path), 'a'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  }
  process.kill(process.pid, 'SIGKILL');
}

const writing = (kind: string, args: unknown[]): boolean => !kind.startsWith('open') || /[wa+]/.test(String(args[1] ?? 'r'));
for (const [api, names] of [
  [fs.promises as unknown as Record<string, (...args: unknown[]) => unknown>, asyncWrites],
  [fs as unknown as Record<string, (...args: unknown[]) => unknown>, syncWrites],
] as const) {
  for (const name of names) {
    const original = api[name]!;
    api[name] = function (this: unknown, ...args: unknown[]) {
      // writeSync(fd, ...) names a descriptor: the file is the one its openSync counted.
      if (writing(name, args)) count(name, args[0], args[1]);
      return original.apply(this, args);
    };
  }
}
syncBuiltinESMExports();
